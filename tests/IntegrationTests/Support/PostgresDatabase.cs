using Npgsql;
using Respawn;
using Respawn.Graph;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// The shared test database: migrated once by the first host, emptied with Respawn before each test that asks.
/// Also makes throw-away databases for tests that need an empty one.
/// </summary>
internal static class PostgresDatabase
{
    private static readonly string[] QuartzTables =
    [
        "qrtz_fired_triggers", "qrtz_paused_trigger_grps", "qrtz_scheduler_state", "qrtz_locks", "qrtz_simprop_triggers",
        "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_blob_triggers", "qrtz_triggers", "qrtz_job_details", "qrtz_calendars",
    ];

    private static Respawner? _respawner;
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(TestSettings.PostgresConnectionString);
        await connection.OpenAsync();
        await Gate.WaitAsync();
        try
        {
            _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
            {
                DbAdapter = DbAdapter.Postgres,
                SchemasToInclude = ["public"],
                // Quartz's tables belong to the running schedulers (deleting under them deadlocks); tests that
                // schedule cron triggers archive their deployments, which removes their Quartz jobs.
                TablesToIgnore = [new Table("__ef_migrations_history"), .. QuartzTables.Select(name => new Table(name))],
            });
        }
        finally
        {
            Gate.Release();
        }

        await _respawner.ResetAsync(connection);
    }

    /// <summary>Creates an empty database and returns its name; drop it with <see cref="DropAsync"/>.</summary>
    public static async Task<string> CreateScratchAsync()
    {
        var name = $"wr_scratch_{Guid.NewGuid():N}";
        await ExecuteOnServerAsync($"CREATE DATABASE {name}");
        return name;
    }

    public static Task DropAsync(string name) => ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    public static async Task<T?> ScalarAsync<T>(string sql, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestSettings.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public static async Task<int> ExecuteAsync(string sql, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestSettings.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestSettings.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>Every row of the runtime's tables as JSON: equal snapshots mean nothing was written in between.</summary>
    public static async Task<string> SnapshotAsync() =>
        await ScalarAsync<string>("""
            SELECT json_build_object(
              'workflows', (SELECT coalesce(json_agg(w ORDER BY w.id), '[]') FROM workflows w),
              'triggers', (SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM workflow_triggers t),
              'executions', (SELECT coalesce(json_agg(e ORDER BY e.id), '[]') FROM workflow_executions e))::text
            """) ?? string.Empty;

    private static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestSettings.PostgresConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
