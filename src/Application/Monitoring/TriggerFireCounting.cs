using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// Counts fires on triggers (<c>fire_count</c>, <c>last_fired_at</c>) without touching the database on the hot
/// path: the coordinator records in memory, <see cref="TriggerCounterFlusher"/> writes many triggers in one UPDATE.
/// </summary>
public interface ITriggerFireRecorder
{
    void RecordFire(Guid triggerId, DateTimeOffset firedAt);
}

/// <summary>Adds tallies to the stored counters in one statement (many triggers per call).</summary>
public interface ITriggerCounterStore
{
    Task AddFiresAsync(IReadOnlyCollection<TriggerFireTally> tallies, CancellationToken cancellationToken = default);
}

/// <param name="LastFiredAt">The latest fire of the tally; the stored value only ever moves forward.</param>
public sealed record TriggerFireTally(Guid TriggerId, long Fires, DateTimeOffset LastFiredAt);

/// <summary>What counts as a fire (ADR 0014), in one place.</summary>
public static class TriggerFireCounting
{
    /// <summary>
    /// A trigger that reached a DEPLOYED workflow and was recorded as a new execution counts, whether it ran, ended
    /// ERROR because the engine refused it, or was skipped by the overlap policy. A deduplicated repeat (same
    /// idempotency key or cron occurrence) is the same fire again and does not count; neither does a refused
    /// trigger (invalid, unknown workflow, not deployed). A manual trigger by workflow id counts on the workflow's
    /// active manual trigger; a workflow without one has nowhere to count it, so it is not counted.
    /// </summary>
    public static void RecordFire(this ITriggerFireRecorder? recorder, Deployment deployment, Guid? triggerId, TriggerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(outcome);
        if (recorder is null || outcome.Deduplicated)
        {
            return;
        }

        var counted = triggerId ?? deployment.ActiveTriggers.FirstOrDefault(t => t.Type == TriggerType.Manual)?.Id;
        if (counted is { } id)
        {
            recorder.RecordFire(id, outcome.Execution.CreatedAt);
        }
    }
}
