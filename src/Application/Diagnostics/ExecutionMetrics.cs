using System.Diagnostics;
using Ardalis.Result;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>
/// The execution flow's spans and counters, called from the coordinator, the tracker and the scheduler with a line
/// each, so those classes keep their own logic.
/// </summary>
public static class ExecutionMetrics
{
    /// <summary>
    /// Runs one admission (dedupe, overlap check, lock, insert, engine dispatch) inside a <c>trigger.admit</c> span
    /// and records its duration, started runs and overlap skips.
    /// </summary>
    public static async Task<Result<TriggerOutcome>> AdmitAsync(ExecutionMode mode, Guid workflowId, Func<Task<Result<TriggerOutcome>>> admit)
    {
        ArgumentNullException.ThrowIfNull(admit);
        using var activity = WorkflowRuntimeTelemetry.ActivitySource.StartActivity("trigger.admit", ActivityKind.Internal);
        activity?.SetTag("workflow_runtime.workflow_id", workflowId.ToString());
        activity?.SetTag("workflow_runtime.mode", WorkflowRuntimeTelemetry.Spell(mode));
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await admit();
            if (!result.IsSuccess)
            {
                // The deployment changed under the trigger and is no longer runnable (ADR 0024): a refusal, not a run.
                outcome = "refused";
                return result;
            }

            outcome = OutcomeOf(result.Value);
            activity?.SetTag("workflow_runtime.execution_id", result.Value.Execution.Id.ToString());
            Count(result.Value, outcome);
            return result;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            activity?.SetTag("workflow_runtime.outcome", outcome);
            WorkflowRuntimeTelemetry.TriggerAdmissionDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("mode", WorkflowRuntimeTelemetry.Spell(mode)),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>deduplicated (an earlier run answered), skipped (overlap), started (the engine took it) or rejected (it did not).</summary>
    public static string OutcomeOf(TriggerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Deduplicated)
        {
            return "deduplicated";
        }

        return outcome.Execution.Status switch
        {
            ExecutionStatus.Skipped => "skipped",
            _ when outcome.Execution.EngineExecutionId is not null => "started",
            _ => "rejected",
        };
    }

    /// <summary>Every execution that reaches a terminal status, once, where it does (tracker, cancel, dispatch failure).</summary>
    public static void Finished(Execution execution)
    {
        ArgumentNullException.ThrowIfNull(execution);
        WorkflowRuntimeTelemetry.ExecutionsFinished.Add(1,
            new KeyValuePair<string, object?>("status", WorkflowRuntimeTelemetry.Spell(execution.Status)),
            new KeyValuePair<string, object?>("mode", WorkflowRuntimeTelemetry.Spell(execution.Mode)));
    }

    /// <summary>Missed cron occurrences recorded as SKIPPED: misfires, and finished executions as well.</summary>
    public static void Missed(int recorded)
    {
        if (recorded <= 0)
        {
            return;
        }

        WorkflowRuntimeTelemetry.CronMisfires.Add(recorded);
        WorkflowRuntimeTelemetry.ExecutionsFinished.Add(recorded,
            new KeyValuePair<string, object?>("status", WorkflowRuntimeTelemetry.Spell(ExecutionStatus.Skipped)),
            new KeyValuePair<string, object?>("mode", WorkflowRuntimeTelemetry.Spell(ExecutionMode.Scheduled)));
    }

    /// <summary>
    /// A <c>cron.fire</c> span (the root of a scheduled run's trace) and the fire's lateness and jitter.
    /// Lateness below zero (a clock a hair ahead) counts as on time.
    /// </summary>
    public static Activity? CronFired(Guid workflowId, DateTimeOffset occurrence, TimeSpan jitter, TimeSpan lateness, bool recovering)
    {
        var activity = WorkflowRuntimeTelemetry.ActivitySource.StartActivity("cron.fire", ActivityKind.Internal);
        activity?.SetTag("workflow_runtime.workflow_id", workflowId.ToString());
        activity?.SetTag("workflow_runtime.occurrence", occurrence.ToString("O"));
        activity?.SetTag("workflow_runtime.recovering", recovering);
        var recoveringTag = new KeyValuePair<string, object?>("recovering", recovering);
        WorkflowRuntimeTelemetry.CronFires.Add(1, recoveringTag);
        WorkflowRuntimeTelemetry.CronFireLateness.Record(Math.Max(0, lateness.TotalSeconds));
        WorkflowRuntimeTelemetry.CronFireJitter.Record(jitter.TotalSeconds);
        return activity;
    }

    /// <summary>One reconciler pass; a success is the scheduler's heartbeat.</summary>
    public static void Reconciled(bool success, DateTimeOffset at)
    {
        WorkflowRuntimeTelemetry.ScheduleReconciles.Add(1, new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"));
        if (success)
        {
            TelemetryGauges.ReconcileSucceeded(at);
        }
    }

    /// <summary>
    /// Writes a zero into the counters alerts and dashboards rate over, so their series exist from the start (a
    /// counter nobody incremented is not exported, and <c>increase()</c> over an absent series says nothing). Call once
    /// the meter provider listens.
    /// </summary>
    public static void PublishZeroSeries()
    {
        WorkflowRuntimeTelemetry.CronMisfires.Add(0);
        foreach (var outcome in new[] { InstrumentedDistributedLock.Acquired, InstrumentedDistributedLock.Held, InstrumentedDistributedLock.Unavailable })
        {
            WorkflowRuntimeTelemetry.LockAcquires.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        WorkflowRuntimeTelemetry.ScheduleReconciles.Add(0, new KeyValuePair<string, object?>("outcome", "failure"));
    }

    private static void Count(TriggerOutcome result, string outcome)
    {
        var mode = new KeyValuePair<string, object?>("mode", WorkflowRuntimeTelemetry.Spell(result.Execution.Mode));
        if (outcome == "started")
        {
            WorkflowRuntimeTelemetry.ExecutionsStarted.Add(1, mode);
        }
        else if (outcome == "skipped")
        {
            Finished(result.Execution);
        }
    }
}
