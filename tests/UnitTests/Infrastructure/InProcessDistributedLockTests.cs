using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.UnitTests.Infrastructure;

public sealed class InProcessDistributedLockTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InProcessDistributedLock _lock;

    public InProcessDistributedLockTests()
    {
        _lock = new InProcessDistributedLock(Options.Create(new RedisOptions()), _clock);
    }

    [Fact]
    public async Task Acquire_FreeLock_ReturnsHandleWithKeyTokenAndExpiry()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.NotNull(handle);
        Assert.Equal("wf-1", handle.WorkflowId);
        Assert.Equal("workflow_runtime:locks:workflow_wf-1", handle.Key);
        Assert.Matches("^[0-9a-f]{32}$", handle.Token);
        Assert.Equal(_clock.GetUtcNow() + Ttl, handle.ExpiresAt);
    }

    [Fact]
    public async Task Acquire_WithoutTtl_UsesDefaultLeaseFromOptions()
    {
        var handle = await _lock.AcquireLockAsync("wf-1");

        Assert.NotNull(handle);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(300), handle.ExpiresAt);
    }

    [Fact]
    public async Task Acquire_HeldLock_ReturnsNull()
    {
        await _lock.AcquireLockAsync("wf-1", Ttl);

        var second = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.Null(second);
    }

    [Fact]
    public async Task Acquire_DifferentWorkflows_AreIndependent()
    {
        var first = await _lock.AcquireLockAsync("wf-1", Ttl);
        var second = await _lock.AcquireLockAsync("wf-2", Ttl);

        Assert.NotNull(first);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Acquire_EachAcquisition_GetsAFreshToken()
    {
        var first = await _lock.AcquireLockAsync("wf-1", Ttl);
        await _lock.ReleaseLockAsync(first!);
        var second = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.NotEqual(first!.Token, second!.Token);
    }

    [Fact]
    public async Task Acquire_ConcurrentCallers_ExactlyOneWins()
    {
        using var start = new ManualResetEventSlim();
        var contenders = Enumerable.Range(0, 32)
            .Select(_ => Task.Run(() =>
            {
                start.Wait();
                return _lock.AcquireLockAsync("wf-1", Ttl);
            }))
            .ToArray();

        start.Set();
        var handles = await Task.WhenAll(contenders);

        Assert.Single(handles, handle => handle is not null);
    }

    [Fact]
    public async Task Release_ByHolder_FreesTheLock()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);

        var released = await _lock.ReleaseLockAsync(handle!);
        var next = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.True(released);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Release_WithWrongToken_FailsAndKeepsTheLock()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);

        var released = await _lock.ReleaseLockAsync(handle! with { Token = "not-the-token" });
        var contender = await _lock.AcquireLockAsync("wf-1", Ttl);
        var releasedByHolder = await _lock.ReleaseLockAsync(handle!);

        Assert.False(released);
        Assert.Null(contender);
        Assert.True(releasedByHolder);
    }

    [Fact]
    public async Task Release_Twice_SecondFails()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);
        await _lock.ReleaseLockAsync(handle!);

        Assert.False(await _lock.ReleaseLockAsync(handle!));
    }

    [Fact]
    public async Task Expiry_AfterTtl_LockCanBeTakenAgain()
    {
        await _lock.AcquireLockAsync("wf-1", Ttl);

        _clock.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        var beforeExpiry = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var atExpiry = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.Null(beforeExpiry);
        Assert.NotNull(atExpiry);
    }

    [Fact]
    public async Task Release_AfterExpiryAndTakeover_DoesNotFreeTheNewOwnersLock()
    {
        var stale = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(Ttl);
        var current = await _lock.AcquireLockAsync("wf-1", Ttl);

        var staleReleased = await _lock.ReleaseLockAsync(stale!);
        var contender = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.False(staleReleased);
        Assert.NotNull(current);
        Assert.Null(contender);
    }

    [Fact]
    public async Task Release_AfterExpiry_Fails()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(Ttl);

        Assert.False(await _lock.ReleaseLockAsync(handle!));
    }

    [Fact]
    public async Task Extend_ByHolder_ProlongsTheLeaseFromNow()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(TimeSpan.FromSeconds(20));

        var extended = await _lock.ExtendLockAsync(handle!, TimeSpan.FromMinutes(1));
        _clock.Advance(TimeSpan.FromSeconds(59));
        var stillHeld = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var freed = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.True(extended);
        Assert.Null(stillHeld);
        Assert.NotNull(freed);
    }

    [Fact]
    public async Task Extend_WithWrongToken_FailsAndLeavesTheLeaseUnchanged()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);

        var extended = await _lock.ExtendLockAsync(handle! with { Token = "not-the-token" }, TimeSpan.FromHours(1));
        _clock.Advance(Ttl);
        var afterOriginalTtl = await _lock.AcquireLockAsync("wf-1", Ttl);

        Assert.False(extended);
        Assert.NotNull(afterOriginalTtl);
    }

    [Fact]
    public async Task Extend_AfterExpiry_Fails()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);
        _clock.Advance(Ttl);

        Assert.False(await _lock.ExtendLockAsync(handle!, Ttl));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Acquire_BlankWorkflowId_Throws(string workflowId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.AcquireLockAsync(workflowId, Ttl));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    public async Task Acquire_NonPositiveTtl_Throws(int ttlMs)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => _lock.AcquireLockAsync("wf-1", TimeSpan.FromMilliseconds(ttlMs)));
    }

    [Fact]
    public async Task Extend_NonPositiveTtl_Throws()
    {
        var handle = await _lock.AcquireLockAsync("wf-1", Ttl);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.ExtendLockAsync(handle!, TimeSpan.Zero));
    }

    [Fact]
    public async Task Acquire_CanceledToken_ThrowsAndTakesNothing()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _lock.AcquireLockAsync("wf-1", Ttl, canceled.Token));
        Assert.NotNull(await _lock.AcquireLockAsync("wf-1", Ttl));
    }
}
