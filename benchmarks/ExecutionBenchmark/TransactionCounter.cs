using Npgsql;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// Committed plus rolled-back transactions of the bench database (<c>pg_stat_database</c>), read through the
/// maintenance database (so a reading is not itself counted), each reading a fresh connection and transaction with
/// the statistics snapshot cleared.
/// </summary>
/// <remarks>
/// A backend reports its counts when a transaction ends at least a second after its last report, and when it exits;
/// an idle backend keeps what it has not reported yet (measured here: 25 s idle, nothing reported; all of it at
/// disconnect). Readings before and after a step would therefore miss the step's last second on every pooled
/// connection and count the previous step's instead. So the benchmark reads during the load, at the start and the end
/// of the step's steady window, when every busy backend reports about once a second.
/// </remarks>
internal sealed class TransactionCounter(BenchmarkOptions options)
{
    public async Task<long> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.MaintenanceConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var read = new NpgsqlCommand("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = options.Database } },
        };
        return (long)(await read.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The steady window of a step of <paramref name="duration"/>: from 10 % in (at least 2 s, once the pooled backends
    /// have reported what they kept from the step before) to 90 % (before the load stops and the backends fall idle).
    /// </summary>
    public static (TimeSpan From, TimeSpan To) SteadyWindow(TimeSpan duration)
    {
        var from = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, duration.Ticks / 10));
        var to = TimeSpan.FromTicks(duration.Ticks * 9 / 10);
        return to > from ? (from, to) : (duration / 4, duration * 3 / 4);
    }
}

/// <summary>
/// Transactions of the bench database in a step's steady window, divided by the executions (floor: cycles; SKIP loop:
/// skipped triggers) answered in the same window. Includes the service's background work (sweeper, scheduler
/// check-ins: <see cref="BenchmarkReport.BackgroundTransactionsPerSecond"/>), which is small beside the load.
/// </summary>
internal sealed record TransactionFigures(double WindowFromSeconds, double WindowToSeconds, long AtFrom, long AtTo, long Executions, double PerExecution)
{
    public static TransactionFigures Of(TimeSpan from, TimeSpan to, long atFrom, long atTo, long executions) =>
        new(Math.Round(from.TotalSeconds, 2), Math.Round(to.TotalSeconds, 2), atFrom, atTo, executions,
            executions == 0 ? 0 : Math.Round((atTo - atFrom) / (double)executions, 3));
}
