using System.Diagnostics;
using System.Globalization;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// The SKIP path, on SKIP workflows whose engine runs hang. Rounds: concurrent triggers on a workflow of the round's
/// own, so exactly one is admitted (its run hangs and holds the slot) and every other must come back SKIPPED; the
/// admitted run is canceled after the round. The sustained loop (measured like any step, for its transactions) keeps
/// one run hanging while N workers trigger its workflow: <see cref="HoldAsync"/> starts that run, <see cref="ReleaseAsync"/> ends it.
/// </summary>
internal sealed class SkipPathRunner(WorkflowRuntimeService.WorkflowRuntimeServiceClient client, ServiceLoad load, ExecutionLedger ledger)
{
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(30);

    public async Task<SkipPathFigures> RoundsAsync(IReadOnlyList<Guid> roundWorkflows, int roundSize, CancellationToken cancellationToken)
    {
        var rounds = new List<SkipRound>();
        var skippedLatencies = new List<double>();
        var admittedLatencies = new List<double>();
        var codes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < roundWorkflows.Count; i++)
        {
            var tag = "skip-path-r" + (i + 1).ToString("D2", CultureInfo.InvariantCulture);
            var recorder = new CallRecorder();
            var workflow = roundWorkflows[i].ToString();

            async Task<(double Ms, TriggerWorkflowResponse? Response)> TriggerAsync()
            {
                var started = Stopwatch.GetTimestamp();
                var response = await load.CallAsync(workflow, tag, started, recorder, cancellationToken);
                return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, response);
            }

            // All at once: the triggers race for the workflow's slot as concurrent gateway calls would.
            var answers = await Task.WhenAll(Enumerable.Range(0, roundSize).Select(_ => Task.Run(TriggerAsync, cancellationToken)));
            var admitted = answers.Where(a => a.Response is { } r && r.Execution.Status != ExecutionStatus.Skipped).ToList();
            var skipped = answers.Where(a => a.Response?.Execution.Status == ExecutionStatus.Skipped).ToList();
            skippedLatencies.AddRange(skipped.Select(a => a.Ms));
            admittedLatencies.AddRange(admitted.Select(a => a.Ms));
            var calls = recorder.Figures(1);
            foreach (var (code, count) in calls.ErrorCodes)
            {
                codes[code] = codes.GetValueOrDefault(code) + count;
            }

            foreach (var run in admitted)
            {
                await CancelAsync(run.Response!.Execution.ExecutionId, cancellationToken);
            }

            rounds.Add(new SkipRound(tag, admitted.Count, skipped.Count, calls.Failed));
            Log.Progress("skip-path", $"{tag}: {admitted.Count} admitted, {skipped.Count} skipped, {calls.Failed} failed; "
                + $"skipped p50 {Distribution.Of(skipped.Select(a => a.Ms)).P50:F1} ms");
        }

        return new SkipPathFigures(
            roundWorkflows.Count,
            roundSize,
            rounds.All(r => r.Admitted == 1 && r.Skipped == roundSize - 1 && r.Failed == 0),
            rounds.Sum(r => r.Skipped),
            Distribution.Of(skippedLatencies).Rounded(),
            Distribution.Of(admittedLatencies).Rounded(),
            codes,
            rounds);
    }

    /// <summary>Starts the run that holds <paramref name="workflowId"/>'s slot (it hangs in the engine); its execution id.</summary>
    public async Task<string> HoldAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        var response = await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId.ToString(), TriggeredBy = "skip-loop-hold" },
            deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        return response.Execution.Status == ExecutionStatus.Running
            ? response.Execution.ExecutionId
            : throw new InvalidOperationException($"the run meant to hold the SKIP loop's workflow is {response.Execution.Status}, not RUNNING");
    }

    public Task ReleaseAsync(string executionId, CancellationToken cancellationToken) => CancelAsync(executionId, cancellationToken);

    private async Task CancelAsync(string executionId, CancellationToken cancellationToken)
    {
        await client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = executionId, Reason = "execution benchmark: SKIP path over" },
            deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        var clock = Stopwatch.StartNew();
        while (await ledger.StatusAsync(Guid.Parse(executionId), cancellationToken) is "NEW" or "RUNNING")
        {
            if (clock.Elapsed > EndWait)
            {
                throw new TimeoutException($"the canceled execution {executionId} was still not recorded as ended after {EndWait.TotalSeconds:F0} s");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}

internal sealed record SkipRound(string Tag, int Admitted, int Skipped, long Failed);

/// <summary><see cref="AllRoundsCorrect"/>: every round had exactly one admitted trigger and all others SKIPPED, none failed.</summary>
internal sealed record SkipPathFigures(
    int Rounds,
    int RoundSize,
    bool AllRoundsCorrect,
    long Skipped,
    Distribution SkippedLatencyMs,
    Distribution AdmittedLatencyMs,
    IReadOnlyDictionary<string, long> ErrorCodes,
    IReadOnlyList<SkipRound> RoundResults);
