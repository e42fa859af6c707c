using Npgsql;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>Where the real services are: the defaults are what scripts/dev-services.sh provisions.</summary>
internal static class TestSettings
{
    public static string PostgresConnectionString { get; } =
        Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_TEST_POSTGRES")
        // A modest pool per process: several hosts and child processes share one server's connection slots.
        ?? "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime;Database=workflow_runtime_test;Maximum Pool Size=30";

    public static string RedisConnectionString { get; } =
        Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_TEST_REDIS") ?? "127.0.0.1:6379";

    /// <summary>The same server, another database: for tests that need an empty one of their own.</summary>
    public static string PostgresConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = database }.ConnectionString;
}
