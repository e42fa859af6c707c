using Npgsql;

namespace WorkflowRuntime.Benchmarks.Shared;

/// <summary>A benchmark's own database, dropped and recreated per run: never the test or development one.</summary>
internal static class ScratchDatabase
{
    /// <summary>Refuses a name without "bench", so a mistyped option can never drop the test or development database.</summary>
    public static void EnsureBenchName(string database, string option)
    {
        if (!database.Contains("bench", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"{option} '{database}' is dropped and recreated by the benchmark; its name must contain 'bench'.");
        }
    }

    /// <summary>
    /// Drops (forcing out any leftover connection) and recreates the database through the maintenance database, so a
    /// run starts from empty tables and fresh statistics.
    /// </summary>
    public static async Task RecreateAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
    {
        EnsureBenchName(database, "the database");
        var name = new NpgsqlCommandBuilder().QuoteIdentifier(database);
        await using var connection = new NpgsqlConnection(maintenanceConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }
}
