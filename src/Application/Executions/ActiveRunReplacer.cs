using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>What replacing the active run (CANCEL_OTHER) came to.</summary>
public enum ReplaceOutcome
{
    /// <summary>The run is over (canceled here, or it had ended meanwhile): the slot can be taken again.</summary>
    Ended,

    /// <summary>The run is still being handed to the engine (NEW, no engine id yet): look again shortly.</summary>
    NotYetInEngine,
}

/// <summary>
/// Overlap policy CANCEL_OTHER: cancels the workflow's active run in the engine and records it CANCELED with the
/// reason, so the new trigger can take the slot. The engine first, then the row (as CancelExecution, ADR 0023): a run
/// recorded CANCELED must not keep running. A run still NEW has no engine id, so it cannot be canceled yet.
/// </summary>
public sealed class ActiveRunReplacer(
    IWorkflowEngine engine,
    ExecutionStateWriter writer,
    IDistributedLock locks,
    TimeProvider clock,
    ILogger<ActiveRunReplacer> logger)
{
    public const string CanceledReason = "canceled by overlap policy CANCEL_OTHER: a newer trigger replaced it";

    /// <summary>Throws <see cref="EngineUnavailableException"/> when the engine cannot be reached (nothing changed).</summary>
    public async Task<ReplaceOutcome> ReplaceAsync(Execution active, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(active);
        if (active.EngineExecutionId is not { } engineId)
        {
            return ReplaceOutcome.NotYetInEngine;
        }

        var cancel = await engine.CancelAsync(engineId, CanceledReason, cancellationToken);
        var now = clock.GetUtcNow();
        Action<Execution> end = cancel.Outcome switch
        {
            EngineCancelOutcome.Canceled or EngineCancelOutcome.UnknownRun => e => e.Cancel(CanceledReason, now),
            EngineCancelOutcome.AlreadyFinished when cancel.FinalState is { } final && Execution.EndsTheRun(final.Status) =>
                e => e.RecordEngineOutcome(final, now),
            // Unreachable, or "finished" in a state that is no end: nothing is known to have stopped, so nothing is recorded.
            _ => throw new EngineUnavailableException($"the engine did not cancel the active run {active.Id}: {cancel.Message}"),
        };

        var lockHandle = active.LockToken is { } token ? locks.RestoreHandle(active.WorkflowId.ToString(), token) : null;
        try
        {
            await writer.CloseAsync(active, end, lockHandle, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Its tracker (or another replacing trigger) recorded the end first: the run is over either way.
            return ReplaceOutcome.Ended;
        }

        if (active.Status == ExecutionStatus.Canceled)
        {
            ExecutionLog.CanceledByOverlap(logger, active.Id, active.WorkflowId);
        }

        return ReplaceOutcome.Ended;
    }
}
