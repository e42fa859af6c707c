using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Redis;

/// <summary>
/// <see cref="IDistributedLock.ExtendLocksAsync"/> against a real Redis: the tracker's one batched renewal per heartbeat
/// renews every lease its handle still holds, and only those.
/// </summary>
public sealed class BatchedLockRenewalTests : IAsyncLifetime
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Renewed = TimeSpan.FromSeconds(60);
    private readonly List<string> _workflowIds = [.. Enumerable.Range(0, 4).Select(_ => RedisTestSettings.UniqueWorkflowId())];
    private RedisLockTestContext _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisLockTestContext.CreateAsync(RedisTestSettings.ConnectionString);

    public async Task DisposeAsync()
    {
        foreach (var workflowId in _workflowIds)
        {
            await _redis.Inspector.KeyDeleteAsync(KeyOf(workflowId));
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Every_lease_still_held_is_renewed_and_counted()
    {
        var leases = new List<LockHandle>();
        foreach (var workflowId in _workflowIds)
        {
            leases.Add((await _redis.Locks.AcquireLockAsync(workflowId, Short))!);
            Assert.True(await _redis.Inspector.KeyTimeToLiveAsync(leases[^1].Key) <= Short);
        }

        var renewed = await _redis.Locks.ExtendLocksAsync(leases, Renewed);

        Assert.Equal(leases.Count, renewed);
        foreach (var lease in leases)
        {
            var pttl = await _redis.Inspector.KeyTimeToLiveAsync(lease.Key);
            Assert.True(pttl > TimeSpan.FromSeconds(55), $"PTTL of {lease.Key} after renewing was {pttl}");
            Assert.Equal(lease.Token, (string?)await _redis.Inspector.StringGetAsync(lease.Key));
        }
    }

    [Fact]
    public async Task A_lease_another_token_now_holds_and_a_lease_that_expired_are_skipped_and_not_counted()
    {
        var held = (await _redis.Locks.AcquireLockAsync(_workflowIds[0], Short))!;
        var takenOver = (await _redis.Locks.AcquireLockAsync(_workflowIds[1], Short))!;
        // The lease ran out and another instance took the lock: the key now holds someone else's token.
        await _redis.Inspector.KeyDeleteAsync(takenOver.Key);
        var newOwner = (await _redis.Locks.AcquireLockAsync(_workflowIds[1], TimeSpan.FromSeconds(30)))!;
        var expired = (await _redis.Locks.AcquireLockAsync(_workflowIds[2], TimeSpan.FromMilliseconds(200)))!;
        await WaitUntilGoneAsync(expired.Key);

        var renewed = await _redis.Locks.ExtendLocksAsync([held, takenOver, expired], Renewed);

        Assert.Equal(1, renewed);
        var heldTtl = await _redis.Inspector.KeyTimeToLiveAsync(held.Key);
        Assert.True(heldTtl > TimeSpan.FromSeconds(55), $"PTTL of the held lease after renewing was {heldTtl}");
        Assert.Equal(newOwner.Token, (string?)await _redis.Inspector.StringGetAsync(takenOver.Key));
        var takenOverTtl = await _redis.Inspector.KeyTimeToLiveAsync(takenOver.Key);
        Assert.True(takenOverTtl <= TimeSpan.FromSeconds(30), $"the new owner's lease grew to {takenOverTtl}");
        Assert.False(await _redis.Inspector.KeyExistsAsync(expired.Key), "renewing an expired lease brought its key back");
    }

    [Fact]
    public async Task An_empty_list_renews_nothing_and_never_reaches_for_Redis()
    {
        // Nobody listens on this port: any call that goes to Redis fails with LockUnavailableException, so an answer
        // (rather than that exception) means Redis was not asked.
        await using var absent = await RedisLockTestContext.CreateAsync($"127.0.0.1:{FreePort.Next()}", withInspector: false);

        var renewed = await absent.Locks.ExtendLocksAsync([], Renewed);

        Assert.Equal(0, renewed);
        var lease = absent.Locks.RestoreHandle(_workflowIds[0], "some-token");
        await Assert.ThrowsAsync<LockUnavailableException>(() => absent.Locks.ExtendLocksAsync([lease], Renewed));
    }

    private string KeyOf(string workflowId) => _redis.Locks.RestoreHandle(workflowId, "any").Key;

    private async Task WaitUntilGoneAsync(string key)
    {
        var stillThere = await Eventually.Until(() => _redis.Inspector.KeyExistsAsync(key), exists => !exists, TimeSpan.FromSeconds(5));
        Assert.False(stillThere, $"{key} did not expire");
    }
}
