using Npgsql;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;

namespace WorkflowRuntime.Infrastructure.Scheduling.Lag;

/// <summary>
/// The clustered job store's lag, from Quartz's own table: the triggers of our group that wait (or were acquired)
/// with a next fire time already past. It is the cluster's lag, not one node's: any node may fire any trigger.
/// Quartz's ADO store keeps fire times as UTC ticks. The query uses the index Quartz creates on
/// (sched_name, trigger_state, next_fire_time).
/// </summary>
internal sealed class PostgresSchedulerLagProbe(string connectionString, string schedulerName, TimeProvider clock)
    : ISchedulerLagProbe
{
    private const string Sql = """
        SELECT count(*), min(next_fire_time) FROM qrtz_triggers
        WHERE sched_name = @scheduler AND trigger_group = @group
          AND trigger_state IN ('WAITING', 'ACQUIRED') AND next_fire_time <= @now
        """;

    public async Task<SchedulerLag> MeasureAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("scheduler", schedulerName);
        command.Parameters.AddWithValue("group", QuartzKeys.Group);
        command.Parameters.AddWithValue("now", now.UtcTicks);
        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A new database before Quartz provisioned its tables (the start-up check runs first): nothing is
            // scheduled yet, so nothing is late.
            return SchedulerLag.None;
        }

        await using var _ = reader;
        await reader.ReadAsync(cancellationToken);
        var due = reader.GetInt64(0);
        DateTimeOffset? oldest = reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero);
        return SchedulerLag.At(now, oldest, due);
    }
}
