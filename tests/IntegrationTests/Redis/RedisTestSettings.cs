namespace WorkflowRuntime.IntegrationTests.Redis;

internal static class RedisTestSettings
{
    /// <summary>The shared Redis the tests run against (scripts/dev-services.sh starts one on the default port).</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_TEST_REDIS") is { Length: > 0 } configured
            ? configured
            : "127.0.0.1:6379";

    /// <summary>A workflow id no other test uses, so tests never see each other's keys.</summary>
    public static string UniqueWorkflowId() => $"test-{Guid.NewGuid():N}";
}
