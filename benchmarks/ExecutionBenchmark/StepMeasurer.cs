using System.Diagnostics;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// Runs one step's load and measures it: transactions over the step's steady window (read during the load), CPU by
/// process and the load average over the load; then waits for the step's executions to end and reads what the
/// database recorded for the step's tag.
/// </summary>
internal sealed class StepMeasurer(BenchmarkOptions options, TransactionCounter transactions, ExecutionLedger ledger, CpuAccounting cpu)
{
    public async Task<StepResult> MeasureAsync(StepPlan plan, Func<CallRecorder, CancellationToken, Task<(CallFigures Calls, double? SendLagMs)>> load,
        CancellationToken cancellationToken, Func<CancellationToken, Task>? alongside = null)
    {
        var recorder = new CallRecorder();
        var loadAtStart = MachineInfo.LoadAverageNow();
        var cpuAtStart = cpu.Read();
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.GetTimestamp();
        var (from, to) = TransactionCounter.SteadyWindow(plan.Duration);
        var sampling = SampleAsync(clock, from, to, cancellationToken);
        var extra = alongside is null ? Task.CompletedTask : alongside(cancellationToken);
        var (calls, sendLag) = await load(recorder, cancellationToken);
        var endedAt = DateTimeOffset.UtcNow;
        // The profilers stop themselves inside the step; their rundown may end just after it, and their CPU is counted
        // once they have ended (as this process's children).
        await extra;
        var split = cpu.Between(cpuAtStart, cpu.Read());
        var loadAtEnd = MachineInfo.LoadAverageNow();
        var (fromAt, atFrom, toAt, atTo) = await sampling;

        var drain = plan.Table == ExecutionLedger.ServiceTable
            ? await ledger.DrainAsync(plan.Tag, TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken)
            : new DrainFigures(0, true, 0);
        var recorded = await ledger.ReadAsync(plan.Table, plan.Tag, startedAt, endedAt, cancellationToken);
        var executions = recorder.AnsweredBetween(fromAt, toAt, skipped: plan.Phase == StepPlan.SkipLoop);

        var result = new StepResult
        {
            Name = plan.Name,
            Phase = plan.Phase,
            Policy = BenchmarkOptions.PolicyName(plan.Policy),
            Concurrency = plan.Concurrency,
            Rate = plan.Rate,
            Tag = plan.Tag,
            StartedAt = startedAt,
            EndedAt = endedAt,
            Calls = calls,
            MaxSendLagMs = sendLag,
            Drain = drain,
            Ledger = recorded,
            Transactions = TransactionFigures.Of(Stopwatch.GetElapsedTime(clock, fromAt), Stopwatch.GetElapsedTime(clock, toAt), atFrom, atTo, executions),
            Cpu = split,
            LoadAverageAtStart = loadAtStart,
            LoadAverageAtEnd = loadAtEnd,
            Profiled = alongside is not null,
        };
        Log.Progress(plan.Name, Summary(result));
        return result;
    }

    /// <summary>The two readings of the steady window, each with the <see cref="Stopwatch"/> timestamp it was taken at.</summary>
    private async Task<(long FromAt, long AtFrom, long ToAt, long AtTo)> SampleAsync(long clock, TimeSpan from, TimeSpan to, CancellationToken cancellationToken)
    {
        await DelayUntilAsync(clock, from, cancellationToken);
        var fromAt = Stopwatch.GetTimestamp();
        var atFrom = await transactions.ReadAsync(cancellationToken);
        await DelayUntilAsync(clock, to, cancellationToken);
        var toAt = Stopwatch.GetTimestamp();
        var atTo = await transactions.ReadAsync(cancellationToken);
        return (fromAt, atFrom, toAt, atTo);
    }

    private static async Task DelayUntilAsync(long clock, TimeSpan offset, CancellationToken cancellationToken)
    {
        var wait = offset - Stopwatch.GetElapsedTime(clock);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static string Summary(StepResult s)
    {
        var codes = s.Calls.ErrorCodes.Count == 0 ? "none" : string.Join(", ", s.Calls.ErrorCodes.Select(c => $"{c.Key} {c.Value}"));
        return $"{s.Calls.Accepted} accepted = {s.Calls.AcceptedPerSecond:F1}/s in {s.Calls.Seconds:F1} s; latency p50 {s.Calls.LatencyMs.P50:F1} / "
            + $"p99 {s.Calls.LatencyMs.P99:F1} / max {s.Calls.LatencyMs.Max:F1} ms; skipped {s.Calls.Skipped}; non-OK: {codes}; "
            + $"rows {s.Ledger.Inserted} ({s.Ledger.Succeeded} SUCCESS, {s.Ledger.Other} other); completed {s.Ledger.CompletedPerSecond:F1}/s "
            + $"(steady {s.Ledger.SteadyCompletedPerSecond:F1}/s); {s.Transactions.PerExecution:F2} transactions each; drain {s.Drain.Seconds:F1} s; "
            + $"cores: service {s.Cpu.Service:F2}, postgres {s.Cpu.Postgres:F2}, generator {s.Cpu.LoadGenerator:F2}, machine {s.Cpu.MachineBusy:F2}; load {s.LoadAverageAtEnd}";
    }
}

/// <summary>What a step is: its name in the report, its phase, policy, concurrency or rate, length, and the tag its rows carry.</summary>
internal sealed record StepPlan(string Name, string Phase, Policy Policy, int Concurrency, int Rate, TimeSpan Duration, string Tag, string Table)
{
    public const string Floor = "floor";
    public const string ClosedLoop = "closed-loop";
    public const string OpenLoop = "open-loop";

    /// <summary>A closed loop with the profilers attached (kept apart from the measured steps).</summary>
    public const string Profiled = "closed-loop-profiled";

    /// <summary>N workers triggering one SKIP workflow whose run hangs: every call must come back SKIPPED.</summary>
    public const string SkipLoop = "skip-loop";
}
