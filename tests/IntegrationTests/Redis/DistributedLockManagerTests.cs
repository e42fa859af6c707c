using System.Diagnostics;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.IntegrationTests.Redis;

/// <summary>The Redis lock against a real Redis: atomicity, ownership by token, and lease expiry.</summary>
public sealed class DistributedLockManagerTests : IAsyncLifetime
{
    // Long enough never to expire during a test, short enough that a failed test leaves nothing behind for long.
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private readonly string _workflowId = RedisTestSettings.UniqueWorkflowId();
    private RedisLockTestContext _redis = null!;

    private string Key => $"workflow_runtime:locks:workflow_{_workflowId}";

    private DistributedLockManager Locks => _redis.Locks;

    public async Task InitializeAsync() => _redis = await RedisLockTestContext.CreateAsync(RedisTestSettings.ConnectionString);

    public async Task DisposeAsync()
    {
        await _redis.Inspector.KeyDeleteAsync(Key);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Acquire_WritesTheTokenUnderTheDocumentedKeyWithTheTtl()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, Ttl);

        Assert.NotNull(handle);
        Assert.Equal(Key, handle.Key);
        Assert.Equal(_workflowId, handle.WorkflowId);
        Assert.Matches("^[0-9a-f]{32}$", handle.Token);
        Assert.Equal(handle.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
        var pttl = await _redis.Inspector.KeyTimeToLiveAsync(Key);
        Assert.InRange(pttl!.Value, TimeSpan.FromSeconds(25), Ttl);
    }

    [Fact]
    public async Task Acquire_WithoutTtl_UsesTheDefaultLease()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId);

        Assert.NotNull(handle);
        var pttl = await _redis.Inspector.KeyTimeToLiveAsync(Key);
        Assert.InRange(pttl!.Value, TimeSpan.FromSeconds(290), TimeSpan.FromSeconds(300));
    }

    [Fact]
    public async Task Acquire_FiftyConcurrentCallers_ExactlyOneWins()
    {
        // Connect first so the race is between SET commands, not between callers waiting for the connection.
        await _redis.Connection.GetDatabaseAsync();
        var startingGun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var contenders = Enumerable.Range(0, 50)
            .Select(_ => Task.Run(async () =>
            {
                await startingGun.Task;
                return await Locks.AcquireLockAsync(_workflowId, Ttl);
            }))
            .ToArray();

        startingGun.SetResult();
        var handles = await Task.WhenAll(contenders);

        var winner = Assert.Single(handles, handle => handle is not null);
        Assert.Equal(winner!.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
    }

    [Fact]
    public async Task Acquire_HeldLock_ReturnsNullAndKeepsTheHoldersToken()
    {
        var holder = await Locks.AcquireLockAsync(_workflowId, Ttl);

        var contender = await Locks.AcquireLockAsync(_workflowId, Ttl);

        Assert.Null(contender);
        Assert.Equal(holder!.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
    }

    [Fact]
    public async Task Release_ByHolder_DeletesTheKey()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, Ttl);

        var released = await Locks.ReleaseLockAsync(handle!);

        Assert.True(released);
        Assert.False(await _redis.Inspector.KeyExistsAsync(Key));
        Assert.NotNull(await Locks.AcquireLockAsync(_workflowId, Ttl));
    }

    [Fact]
    public async Task Release_WithWrongToken_FailsAndLeavesTheKey()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, Ttl);

        var released = await Locks.ReleaseLockAsync(handle! with { Token = "not-the-token" });

        Assert.False(released);
        Assert.Equal(handle!.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
    }

    [Fact]
    public async Task Release_OfAnAbsentKey_Fails()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, Ttl);
        await _redis.Inspector.KeyDeleteAsync(Key);

        Assert.False(await Locks.ReleaseLockAsync(handle!));
    }

    [Fact]
    public async Task Extend_ByHolder_ProlongsTheTtl()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, TimeSpan.FromSeconds(2));
        var before = await _redis.Inspector.KeyTimeToLiveAsync(Key);

        var extended = await Locks.ExtendLockAsync(handle!, TimeSpan.FromSeconds(60));

        var after = await _redis.Inspector.KeyTimeToLiveAsync(Key);
        Assert.True(extended);
        Assert.True(before <= TimeSpan.FromSeconds(2), $"PTTL before extending was {before}");
        Assert.True(after > TimeSpan.FromSeconds(55), $"PTTL after extending was {after}");
    }

    [Fact]
    public async Task Extend_WithWrongToken_FailsAndLeavesTheTtlUnchanged()
    {
        var handle = await Locks.AcquireLockAsync(_workflowId, Ttl);
        var before = await _redis.Inspector.KeyTimeToLiveAsync(Key);

        var extended = await Locks.ExtendLockAsync(handle! with { Token = "not-the-token" }, TimeSpan.FromHours(1));

        var after = await _redis.Inspector.KeyTimeToLiveAsync(Key);
        Assert.False(extended);
        Assert.NotNull(after);
        // A TTL only ever counts down unless someone renews it.
        Assert.True(after <= before, $"PTTL grew from {before} to {after}");
        Assert.Equal(handle!.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
    }

    [Fact]
    public async Task Ttl_Expiry_FreesTheLock()
    {
        var ttl = TimeSpan.FromMilliseconds(300);
        var sinceAcquire = Stopwatch.StartNew();
        var first = await Locks.AcquireLockAsync(_workflowId, ttl);
        var contender = await Locks.AcquireLockAsync(_workflowId, ttl);

        LockHandle? next = null;
        while (next is null && sinceAcquire.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(25);
            next = await Locks.AcquireLockAsync(_workflowId, Ttl);
        }

        Assert.NotNull(first);
        Assert.Null(contender);
        Assert.NotNull(next);
        // Freed by the lease running out, not earlier (a little slack for clock granularity).
        Assert.True(sinceAcquire.Elapsed >= TimeSpan.FromMilliseconds(250), $"Freed after only {sinceAcquire.Elapsed}");
        Assert.NotEqual(first.Token, next.Token);
    }

    [Fact]
    public async Task Release_AfterExpiryAndTakeover_LeavesTheNewOwnersLock()
    {
        var stale = await Locks.AcquireLockAsync(_workflowId, Ttl);
        // Simulate the lease running out without waiting for it.
        await _redis.Inspector.KeyDeleteAsync(Key);
        var current = await Locks.AcquireLockAsync(_workflowId, Ttl);

        var released = await Locks.ReleaseLockAsync(stale!);

        Assert.False(released);
        Assert.Equal(current!.Token, (string?)await _redis.Inspector.StringGetAsync(Key));
    }

    [Fact]
    public async Task Acquire_EachAcquisition_GetsAFreshToken()
    {
        var first = await Locks.AcquireLockAsync(_workflowId, Ttl);
        await Locks.ReleaseLockAsync(first!);
        var second = await Locks.AcquireLockAsync(_workflowId, Ttl);

        Assert.NotEqual(first!.Token, second!.Token);
    }
}
