using System.Diagnostics;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.IntegrationTests.Redis;

/// <summary>What callers see when Redis is up, when it dies, and when it was never there: answers, never hangs.</summary>
public sealed class RedisHealthAndOutageTests
{
    private static readonly TimeSpan OutageBound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HealthCheck_OnLiveRedis_IsHealthyWithLatency()
    {
        await using var redis = await RedisLockTestContext.CreateAsync(RedisTestSettings.ConnectionString, withInspector: false);

        var health = await redis.Connection.CheckAsync();

        Assert.True(health.Healthy, health.Message);
        Assert.Equal("redis", health.Name);
        Assert.True(health.LatencyMs > 0, $"Latency was {health.LatencyMs} ms");
    }

    [Fact]
    public async Task Acquire_AfterRedisIsKilled_FailsWithLockUnavailableWithinTwoSeconds()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var redis = await RedisLockTestContext.CreateAsync(server.ConnectionString, withInspector: false);
        Assert.NotNull(await redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl));

        await server.KillAsync();
        var elapsed = Stopwatch.StartNew();
        var exception = await Assert.ThrowsAsync<LockUnavailableException>(
            () => redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl));
        elapsed.Stop();

        Assert.True(elapsed.Elapsed < OutageBound, $"Acquire took {elapsed.Elapsed} with Redis down");
        Assert.Contains(server.ConnectionString, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseAndExtend_AfterRedisIsKilled_FailWithLockUnavailableWithinTwoSeconds()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var redis = await RedisLockTestContext.CreateAsync(server.ConnectionString, withInspector: false);
        var handle = await redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl);

        await server.KillAsync();
        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<LockUnavailableException>(() => redis.Locks.ExtendLockAsync(handle!, Ttl));
        await Assert.ThrowsAsync<LockUnavailableException>(() => redis.Locks.ReleaseLockAsync(handle!));
        elapsed.Stop();

        Assert.True(elapsed.Elapsed < 2 * OutageBound, $"Extend and release took {elapsed.Elapsed} with Redis down");
    }

    [Fact]
    public async Task Acquire_WhenRedisHangs_FailsWithLockUnavailableWithinTwoSeconds()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var redis = await RedisLockTestContext.CreateAsync(server.ConnectionString, withInspector: false);
        Assert.NotNull(await redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl));

        await server.FreezeAsync();
        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<LockUnavailableException>(
            () => redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl));
        elapsed.Stop();

        Assert.True(elapsed.Elapsed < OutageBound, $"Acquire took {elapsed.Elapsed} with Redis hung");
    }

    [Fact]
    public async Task HealthCheck_WhenRedisHangs_ReportsUnhealthyWithinTwoSeconds()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var redis = await RedisLockTestContext.CreateAsync(server.ConnectionString, withInspector: false);
        Assert.True((await redis.Connection.CheckAsync()).Healthy);

        await server.FreezeAsync();
        var elapsed = Stopwatch.StartNew();
        var health = await redis.Connection.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.Contains(server.ConnectionString, health.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < OutageBound, $"Health check took {elapsed.Elapsed} with Redis hung");
    }

    [Fact]
    public async Task HealthCheck_AfterRedisIsKilled_ReportsUnhealthyQuicklyNamingTheServer()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var redis = await RedisLockTestContext.CreateAsync(server.ConnectionString, withInspector: false);
        Assert.True((await redis.Connection.CheckAsync()).Healthy);

        await server.KillAsync();
        var elapsed = Stopwatch.StartNew();
        var health = await redis.Connection.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.Contains(server.ConnectionString, health.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < OutageBound, $"Health check took {elapsed.Elapsed} with Redis down");
    }

    [Fact]
    public async Task Acquire_WhenRedisWasNeverReachable_FailsWithLockUnavailableWithinTwoSeconds()
    {
        // A server started and killed at once leaves a local port that nobody listens on.
        string connectionString;
        await using (var server = await RedisServerProcess.StartAsync())
        {
            connectionString = server.ConnectionString;
        }

        await using var redis = await RedisLockTestContext.CreateAsync(connectionString, withInspector: false);
        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<LockUnavailableException>(
            () => redis.Locks.AcquireLockAsync(RedisTestSettings.UniqueWorkflowId(), Ttl));
        var health = await redis.Connection.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.Contains(connectionString, health.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < 2 * OutageBound, $"Acquire and health check took {elapsed.Elapsed} with Redis absent");
    }
}
