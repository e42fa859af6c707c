using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Executions;

/// <summary>The execution flow's structured log events (event names are part of the operator contract).</summary>
internal static partial class ExecutionLog
{
    public static void Finished(ILogger logger, Execution execution)
    {
        var status = execution.Status.ToString().ToUpperInvariant();
        var durationMs = (long)(execution.Duration ?? TimeSpan.Zero).TotalMilliseconds;
        Finished(logger, execution.Id, execution.WorkflowId, status, durationMs);
        ExecutionMetrics.Finished(execution);
    }

    public static void WriteDeferred(ILogger logger, Execution execution, string reason)
    {
        var status = execution.Status.ToString().ToUpperInvariant();
        WriteDeferred(logger, execution.Id, execution.WorkflowId, status, reason);
    }

    public static void WriteRecovered(ILogger logger, Execution execution)
    {
        var status = execution.Status.ToString().ToUpperInvariant();
        WriteRecovered(logger, execution.Id, execution.WorkflowId, status);
    }

    [LoggerMessage(EventId = 2001, EventName = "execution_started", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} started ({Mode}) as engine run {EngineExecutionId}; trigger data {TriggerData}")]
    public static partial void Started(ILogger logger, Guid executionId, Guid workflowId, string mode, string engineExecutionId, string triggerData);

    [LoggerMessage(EventId = 2002, EventName = "execution_finished", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} finished {Status} after {DurationMs} ms")]
    public static partial void Finished(ILogger logger, Guid executionId, Guid workflowId, string status, long durationMs);

    [LoggerMessage(EventId = 2003, EventName = "execution_skipped", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, Guid executionId, Guid workflowId, string reason);

    [LoggerMessage(EventId = 2004, EventName = "execution_deduplicated", Level = LogLevel.Information,
        Message = "Trigger of workflow {WorkflowId} matched execution {ExecutionId} already started with the same key")]
    public static partial void Deduplicated(ILogger logger, Guid executionId, Guid workflowId);

    [LoggerMessage(EventId = 2005, EventName = "lock_store_unavailable", Level = LogLevel.Warning,
        Message = "Workflow lock store unavailable for workflow {WorkflowId}; the database fence alone keeps runs exclusive: {Reason}")]
    public static partial void LockStoreUnavailable(ILogger logger, string workflowId, string reason);

    [LoggerMessage(EventId = 2006, EventName = "engine_unavailable", Level = LogLevel.Warning,
        Message = "Engine unavailable for execution {ExecutionId} of workflow {WorkflowId}: {Reason}")]
    public static partial void EngineUnavailable(ILogger logger, Guid executionId, Guid workflowId, string reason);

    [LoggerMessage(EventId = 2007, EventName = "execution_adopted", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} lost its instance {PreviousOwner}; adopted by this instance")]
    public static partial void Adopted(ILogger logger, Guid executionId, Guid workflowId, string? previousOwner);

    [LoggerMessage(EventId = 2008, EventName = "execution_lost", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} lost its instance {PreviousOwner} before the engine took it; closed as ERROR")]
    public static partial void Lost(ILogger logger, Guid executionId, Guid workflowId, string? previousOwner);

    [LoggerMessage(EventId = 2009, EventName = "execution_tracking_failed", Level = LogLevel.Warning,
        Message = "Tracking execution {ExecutionId} failed; retrying: {Reason}")]
    public static partial void TrackingFailed(ILogger logger, Guid executionId, string reason);

    [LoggerMessage(EventId = 2061, EventName = "execution_tracking_error", Level = LogLevel.Error,
        Message = "Tracking execution {ExecutionId} failed unexpectedly; it stays tracked here and is looked at again after the poll back-off: {Reason}")]
    public static partial void TrackingError(ILogger logger, Guid executionId, string reason, Exception exception);

    [LoggerMessage(EventId = 2062, EventName = "execution_write_deferred", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId}: writing {Status} failed; its tracker writes it again with back-off: {Reason}")]
    public static partial void WriteDeferred(ILogger logger, Guid executionId, Guid workflowId, string status, string reason);

    [LoggerMessage(EventId = 2063, EventName = "execution_write_recovered", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId}: the deferred write of {Status} is now recorded")]
    public static partial void WriteRecovered(ILogger logger, Guid executionId, Guid workflowId, string status);

    [LoggerMessage(EventId = 2064, EventName = "execution_timeout_cancel_undelivered", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} passed its deadline but the engine could not be reached to cancel it; it stays RUNNING (holding its slot) and the cancel is sent again on the next poll: {Reason}")]
    public static partial void TimeoutCancelUndelivered(ILogger logger, Guid executionId, Guid workflowId, string reason);

    [LoggerMessage(EventId = 2065, EventName = "execution_redispatched", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} lost its instance {PreviousOwner} before RUNNING was recorded; sent to the engine again with its execution id as idempotency key and adopted as engine run {EngineExecutionId}")]
    public static partial void Redispatched(ILogger logger, Guid executionId, Guid workflowId, string? previousOwner, string engineExecutionId);

    [LoggerMessage(EventId = 2066, EventName = "execution_redispatch_failed", Level = LogLevel.Warning,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} could not be sent to the engine again; it stays NEW and the sweeper tries again once it is stale: {Reason}")]
    public static partial void RedispatchFailed(ILogger logger, Guid executionId, Guid workflowId, string reason);

    [LoggerMessage(EventId = 2067, EventName = "execution_sweep_write_failed", Level = LogLevel.Warning,
        Message = "The sweeper could not write execution {ExecutionId}; it is looked at again on the next sweep: {Reason}")]
    public static partial void SweepWriteFailed(ILogger logger, Guid executionId, string reason);

    [LoggerMessage(EventId = 2068, EventName = "execution_heartbeat_failed", Level = LogLevel.Warning,
        Message = "Could not write the heartbeat of {Count} followed runs ({Reason}); retrying at the next interval (a run whose heartbeat stays older than the stale-after time is adopted by another instance's sweeper)")]
    public static partial void HeartbeatFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2010, EventName = "execution_drain", Level = LogLevel.Information,
        Message = "Shutting down: {Running} executions still tracked after the drain; left to the sweeper")]
    public static partial void Drained(ILogger logger, int running);

    [LoggerMessage(EventId = 2069, EventName = "execution_buffered", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} waits as PENDING at position {Position} (overlap policy {Policy})")]
    public static partial void Buffered(ILogger logger, Guid executionId, Guid workflowId, int position, string policy);

    [LoggerMessage(EventId = 2070, EventName = "execution_promoted", Level = LogLevel.Information,
        Message = "Pending execution {ExecutionId} of workflow {WorkflowId} took the workflow's slot and goes to the engine")]
    public static partial void Promoted(ILogger logger, Guid executionId, Guid workflowId);

    [LoggerMessage(EventId = 2071, EventName = "execution_canceled_by_overlap", Level = LogLevel.Information,
        Message = "Execution {ExecutionId} of workflow {WorkflowId} was canceled by overlap policy CANCEL_OTHER: a newer trigger replaces it")]
    public static partial void CanceledByOverlap(ILogger logger, Guid executionId, Guid workflowId);

    [LoggerMessage(EventId = 2072, EventName = "execution_promotion_failed", Level = LogLevel.Warning,
        Message = "Could not promote the next pending execution of workflow {WorkflowId}; the sweeper tries again: {Reason}")]
    public static partial void PromotionFailed(ILogger logger, Guid workflowId, string reason);

    [LoggerMessage(EventId = 2073, EventName = "backfill_started", Level = LogLevel.Information,
        Message = "Backfill of workflow {WorkflowId} trigger {TriggerId} from {From:O} to {To:O}: {Occurrences} occurrences")]
    public static partial void BackfillStarted(ILogger logger, Guid workflowId, Guid triggerId, DateTimeOffset from, DateTimeOffset to, int occurrences);

    [LoggerMessage(EventId = 2074, EventName = "backfill_finished", Level = LogLevel.Information,
        Message = "Backfill of workflow {WorkflowId} trigger {TriggerId}: {Started} started, {AlreadyPresent} already present, {Skipped} skipped")]
    public static partial void BackfillFinished(ILogger logger, Guid workflowId, Guid triggerId, int started, int alreadyPresent, int skipped);
}
