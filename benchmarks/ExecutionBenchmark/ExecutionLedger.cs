using System.Diagnostics;
using Npgsql;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// What the database recorded for a step, read from the service's <c>workflow_executions</c> (or the floor's scratch
/// table of the same shape). Every row a step makes carries the step's tag in <c>triggered_by</c>.
/// </summary>
internal sealed class ExecutionLedger(NpgsqlDataSource database)
{
    public const string ServiceTable = "workflow_executions";
    public const string FloorTable = "floor_executions";

    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>The floor's table: <c>workflow_executions</c>' columns, defaults, checks and indexes (not its foreign key).</summary>
    public async Task CreateFloorTableAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            $"DROP TABLE IF EXISTS {FloorTable}; CREATE TABLE {FloorTable} (LIKE {ServiceTable} INCLUDING ALL)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Waits until no execution of the step is NEW or RUNNING, polling with a count query, at most <paramref name="timeout"/>.</summary>
    public async Task<DrainFigures> DrainAsync(string tag, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long active;
        while ((active = await CountActiveAsync(tag, cancellationToken)) > 0 && clock.Elapsed < timeout)
        {
            await Task.Delay(DrainPoll, cancellationToken);
        }

        return new DrainFigures(Math.Round(clock.Elapsed.TotalSeconds, 2), active == 0, active);
    }

    /// <summary>Rows, statuses and completions of the step; completions by <c>finished_at</c> over the load window and its middle half.</summary>
    public async Task<LedgerFigures> ReadAsync(string table, string tag, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        CancellationToken cancellationToken)
    {
        var quarter = (windowEnd - windowStart) / 4;
        var middleStart = windowStart + quarter;
        var middleEnd = windowEnd - quarter;
        await using var command = database.CreateCommand($"""
            SELECT count(*),
                   count(*) FILTER (WHERE status = 'SUCCESS'),
                   count(*) FILTER (WHERE status = 'SKIPPED'),
                   count(*) FILTER (WHERE status <> 'SKIPPED' AND finished_at >= $2 AND finished_at < $3),
                   count(*) FILTER (WHERE status <> 'SKIPPED' AND finished_at >= $4 AND finished_at < $5),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) FILTER (WHERE status = 'SUCCESS'),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) FILTER (WHERE status = 'SUCCESS')
            FROM {table} WHERE triggered_by = $1
            """);
        command.Parameters.Add(new() { Value = tag });
        command.Parameters.Add(new() { Value = windowStart.UtcDateTime });
        command.Parameters.Add(new() { Value = windowEnd.UtcDateTime });
        command.Parameters.Add(new() { Value = middleStart.UtcDateTime });
        command.Parameters.Add(new() { Value = middleEnd.UtcDateTime });
        long inserted, success, skipped, finished, finishedMiddle;
        double? runP50, runP99;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            inserted = reader.GetInt64(0);
            success = reader.GetInt64(1);
            skipped = reader.GetInt64(2);
            finished = reader.GetInt64(3);
            finishedMiddle = reader.GetInt64(4);
            runP50 = reader.IsDBNull(5) ? null : (double)reader.GetDecimal(5);
            runP99 = reader.IsDBNull(6) ? null : (double)reader.GetDecimal(6);
        }

        var statuses = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using (var byStatus = database.CreateCommand($"SELECT status, count(*) FROM {table} WHERE triggered_by = $1 GROUP BY status"))
        {
            byStatus.Parameters.Add(new() { Value = tag });
            await using var reader = await byStatus.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                statuses[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var seconds = (windowEnd - windowStart).TotalSeconds;
        var middleSeconds = (middleEnd - middleStart).TotalSeconds;
        return new LedgerFigures(
            inserted,
            inserted - skipped,
            success,
            skipped,
            inserted - success - skipped,
            statuses,
            Math.Round(finished / seconds, 1),
            middleSeconds <= 0 ? 0 : Math.Round(finishedMiddle / middleSeconds, 1),
            runP50 is { } p50 ? Math.Round(p50 * 1000, 1) : null,
            runP99 is { } p99 ? Math.Round(p99 * 1000, 1) : null);
    }

    /// <summary>The status of one execution (the SKIP path waits for a canceled run to be recorded as ended).</summary>
    public async Task<string?> StatusAsync(Guid executionId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT status FROM {ServiceTable} WHERE id = $1");
        command.Parameters.Add(new() { Value = executionId });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<long> CountActiveAsync(string tag, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT count(*) FROM {ServiceTable} WHERE triggered_by = $1 AND status IN ('NEW', 'RUNNING')");
        command.Parameters.Add(new() { Value = tag });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>How long the step's executions took to all end after the load stopped, and how many had not when the wait gave up.</summary>
internal sealed record DrainFigures(double Seconds, bool Complete, long StillActive);

/// <summary>
/// The step's rows: <see cref="Recorded"/> = rows that are not SKIPPED (must equal the calls accepted), <see cref="Other"/>
/// = neither SUCCESS nor SKIPPED. Completed per second counts rows by <c>finished_at</c> in the load window, and in its
/// middle half (the steady state, free of the start and of the runs still finishing at the end).
/// Run time = <c>finished_at − created_at</c> of the successful runs.
/// </summary>
internal sealed record LedgerFigures(
    long Inserted,
    long Recorded,
    long Succeeded,
    long Skipped,
    long Other,
    IReadOnlyDictionary<string, long> Statuses,
    double CompletedPerSecond,
    double SteadyCompletedPerSecond,
    double? RunTimeP50Ms,
    double? RunTimeP99Ms);
