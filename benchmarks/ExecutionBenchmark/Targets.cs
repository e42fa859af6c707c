using System.Globalization;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>The issue's targets, each checked against a run: PASS, FAIL, or not measured (its phase did not run).</summary>
internal static class Targets
{
    public const double MinimumFloorRatio = 0.6;
    public const double CompletionTolerance = 0.10;
    public const double OpenLoopP99Ms = 50;
    public const double MaxTransactionsPerExecution = 4;

    public static IReadOnlyList<TargetResult> Evaluate(BenchmarkReport report)
    {
        var results = new List<TargetResult>();
        var at = report.Options.SustainConcurrency;
        foreach (var policy in report.Options.Policies.Select(BenchmarkOptions.PolicyName))
        {
            var service = Find(report, "closed-loop", policy, at);
            var floor = Find(report, "floor", policy, at);
            results.Add(service is null || floor is null
                ? NotMeasured($"service / floor ≥ {F(MinimumFloorRatio)} at concurrency {at}, {policy}")
                : new TargetResult($"service / floor ≥ {F(MinimumFloorRatio)} at concurrency {at}, {policy}",
                    $"{F(service.Calls.AcceptedPerSecond)} / {F(floor.Calls.AcceptedPerSecond)} per s = {F(Ratio(service, floor))}",
                    Ratio(service, floor) >= MinimumFloorRatio));

            results.Add(service is null
                ? NotMeasured($"completed/s within 10 % of accepted/s at concurrency {at}, {policy}")
                : new TargetResult($"completed/s within 10 % of accepted/s at concurrency {at}, {policy}",
                    $"steady {F(service.Ledger.SteadyCompletedPerSecond)} (whole step {F(service.Ledger.CompletedPerSecond)}) vs {F(service.Calls.AcceptedPerSecond)} accepted/s",
                    service.Calls.AcceptedPerSecond > 0
                    && Math.Abs(service.Ledger.SteadyCompletedPerSecond - service.Calls.AcceptedPerSecond) <= CompletionTolerance * service.Calls.AcceptedPerSecond));
        }

        foreach (var open in report.Steps.Where(s => s.Phase == "open-loop"))
        {
            results.Add(new TargetResult($"open loop {open.Rate}/s p99 ≤ {F(OpenLoopP99Ms)} ms, {open.Policy}",
                $"p99 {F(open.Calls.LatencyMs.P99)} ms (p50 {F(open.Calls.LatencyMs.P50)}, max {F(open.Calls.LatencyMs.Max)})",
                open.Calls.LatencyMs.P99 <= OpenLoopP99Ms));
        }

        if (!report.Steps.Any(s => s.Phase == "open-loop"))
        {
            results.Add(NotMeasured($"open loop p99 ≤ {F(OpenLoopP99Ms)} ms"));
        }

        var serviceSteps = report.Steps.Where(s => s.Phase is StepPlan.ClosedLoop or StepPlan.OpenLoop or StepPlan.Profiled).ToList();
        var lost = serviceSteps.Where(s => s.Calls.Accepted != s.Ledger.Recorded || s.Ledger.Recorded != s.Ledger.Succeeded || !s.Drain.Complete).ToList();
        results.Add(serviceSteps.Count == 0
            ? NotMeasured("nothing lost: accepted = recorded = succeeded")
            : new TargetResult("nothing lost: accepted = recorded = succeeded (closed and open loops)",
                lost.Count == 0
                    ? $"equal in all {serviceSteps.Count} steps ({serviceSteps.Sum(s => s.Calls.Accepted).ToString("N0", CultureInfo.InvariantCulture)} executions)"
                    : string.Join("; ", lost.Select(s => $"{s.Name}: {s.Calls.Accepted} / {s.Ledger.Recorded} / {s.Ledger.Succeeded}"
                        + (s.Drain.Complete ? string.Empty : $", {s.Drain.StillActive} still active after the drain"))),
                lost.Count == 0));

        var failed = serviceSteps.Sum(s => s.Calls.Failed);
        var skipped = serviceSteps.Sum(s => s.Calls.Skipped);
        var codes = serviceSteps.SelectMany(s => s.Calls.ErrorCodes).GroupBy(c => c.Key).Select(g => $"{g.Key} {g.Sum(c => c.Value)}");
        results.Add(serviceSteps.Count == 0
            ? NotMeasured("0 non-OK codes")
            : new TargetResult("0 non-OK codes and 0 SKIPPED (closed and open loops)",
                failed + skipped == 0 ? "none" : string.Join(", ", codes.Append($"SKIPPED {skipped}")),
                failed + skipped == 0));

        var closed = report.Steps.Where(s => s.Phase == "closed-loop").ToList();
        var worst = closed.MaxBy(s => s.Transactions.PerExecution);
        results.Add(worst is null
            ? NotMeasured($"transactions per admitted execution ≤ {F(MaxTransactionsPerExecution)}")
            : new TargetResult($"transactions per admitted execution ≤ {F(MaxTransactionsPerExecution)} (every closed-loop step)",
                string.Join(", ", closed.Where(s => s.Concurrency == at).Select(s => $"{s.Policy} {F(s.Transactions.PerExecution)}"))
                    + $"; worst {F(worst.Transactions.PerExecution)} ({worst.Name})",
                worst.Transactions.PerExecution <= MaxTransactionsPerExecution));

        var admitted = Find(report, "closed-loop", "SKIP", at);
        var skipLoop = report.Steps.FirstOrDefault(s => s.Phase == StepPlan.SkipLoop);
        if (skipLoop is not null && admitted is not null)
        {
            var allSkipped = skipLoop.Calls.Skipped == skipLoop.Calls.Calls;
            var rounds = report.SkipPath?.AllRoundsCorrect ?? true;
            var cheaper = skipLoop.Transactions.PerExecution <= admitted.Transactions.PerExecution
                && skipLoop.Calls.LatencyMs.P99 <= admitted.Calls.LatencyMs.P99;
            results.Add(new TargetResult($"SKIP path not costlier than the admitted path (both closed loops at c={at}): transactions and p99",
                $"skipped {F(skipLoop.Transactions.PerExecution)} vs admitted {F(admitted.Transactions.PerExecution)} transactions; "
                + $"p50 {F(skipLoop.Calls.LatencyMs.P50)} vs {F(admitted.Calls.LatencyMs.P50)} ms, p99 {F(skipLoop.Calls.LatencyMs.P99)} vs {F(admitted.Calls.LatencyMs.P99)} ms"
                + (allSkipped ? string.Empty : $"; **{skipLoop.Calls.Calls - skipLoop.Calls.Skipped} calls of the loop were not SKIPPED**")
                + (rounds ? string.Empty : "; **a round did not admit exactly one trigger**"),
                cheaper && allSkipped && rounds));
        }
        else
        {
            results.Add(NotMeasured("SKIP path not costlier than the admitted path"));
        }

        return results;
    }

    public static StepResult? Find(BenchmarkReport report, string phase, string policy, int concurrency) =>
        report.Steps.FirstOrDefault(s => s.Phase == phase && s.Policy == policy && s.Concurrency == concurrency);

    /// <summary>Service accepted/s over the bare floor's cycles/s at the same concurrency, run just before it.</summary>
    public static double Ratio(StepResult service, StepResult floor) =>
        floor.Calls.AcceptedPerSecond == 0 ? 0 : Math.Round(service.Calls.AcceptedPerSecond / floor.Calls.AcceptedPerSecond, 3);

    private static TargetResult NotMeasured(string target) => new(target, "not measured in this run", null);

    private static string F(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
}

internal sealed record TargetResult(string Target, string Measured, bool? Pass);
