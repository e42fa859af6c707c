using Npgsql;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>The benchmark's own database: never the test or development one.</summary>
internal static class BenchDatabase
{
    /// <summary>
    /// Drops (forcing out any leftover connection) and recreates the database through the maintenance database, so
    /// each phase starts from empty tables and fresh statistics; the host then migrates it and Quartz provisions its schema.
    /// </summary>
    public static async Task RecreateAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var name = new NpgsqlCommandBuilder().QuoteIdentifier(options.Database);
        await using var connection = new NpgsqlConnection(options.MaintenanceConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<NpgsqlConnection> OpenAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.BenchConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
