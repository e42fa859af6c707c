using StackExchange.Redis;

namespace WorkflowRuntime.IntegrationTests.Support;

internal static class LockAssertions
{
    /// <summary>The workflow's Redis lock is gone (allowing a moment for an asynchronous release).</summary>
    public static async Task AssertLockFreeAsync(string workflowId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestSettings.RedisConnectionString);
        var present = await Eventually.Until(
            () => redis.GetDatabase().KeyExistsAsync($"workflow_runtime:locks:workflow_{workflowId}"),
            exists => !exists,
            TimeSpan.FromSeconds(5));
        Assert.False(present, "the workflow lock was left behind");
    }
}
