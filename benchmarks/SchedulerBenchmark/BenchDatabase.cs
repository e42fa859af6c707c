using Npgsql;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>The benchmark's own database: never the test or development one.</summary>
internal static class BenchDatabase
{
    /// <summary>Each phase starts from empty tables and fresh statistics; the host then migrates it and Quartz provisions its schema.</summary>
    public static Task RecreateAsync(BenchmarkOptions options, CancellationToken cancellationToken) =>
        ScratchDatabase.RecreateAsync(options.MaintenanceConnectionString, options.Database, cancellationToken);

    public static async Task<NpgsqlConnection> OpenAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.BenchConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
