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

    [LoggerMessage(EventId = 2010, EventName = "execution_drain", Level = LogLevel.Information,
        Message = "Shutting down: {Running} executions still tracked after the drain; left to the sweeper")]
    public static partial void Drained(ILogger logger, int running);
}
