using Microsoft.Extensions.Logging;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>The deployment lifecycle's structured log events (event names are part of the operator contract).</summary>
internal static partial class DeploymentLog
{
    [LoggerMessage(EventId = 1001, EventName = "workflow_deployed", Level = LogLevel.Information,
        Message = "Workflow {WorkflowId} deployed for user {UserId} with {TriggerCount} triggers (version {Version})")]
    public static partial void Deployed(ILogger logger, Guid workflowId, string userId, int triggerCount, long version);

    [LoggerMessage(EventId = 1002, EventName = "deployment_updated", Level = LogLevel.Information,
        Message = "Deployment {WorkflowId} of user {UserId} updated: {TriggerCount} triggers (version {Version})")]
    public static partial void Updated(ILogger logger, Guid workflowId, string userId, int triggerCount, long version);

    [LoggerMessage(EventId = 1003, EventName = "deployment_paused", Level = LogLevel.Information,
        Message = "Deployment {WorkflowId} of user {UserId} paused ({TriggerCount} triggers): {PauseNote}")]
    public static partial void Paused(ILogger logger, Guid workflowId, string userId, int triggerCount, string? pauseNote);

    [LoggerMessage(EventId = 1004, EventName = "deployment_resumed", Level = LogLevel.Information,
        Message = "Deployment {WorkflowId} of user {UserId} resumed ({TriggerCount} triggers)")]
    public static partial void Resumed(ILogger logger, Guid workflowId, string userId, int triggerCount);

    [LoggerMessage(EventId = 1005, EventName = "deployment_archived", Level = LogLevel.Information,
        Message = "Deployment {WorkflowId} of user {UserId} archived; {TriggerCount} triggers deactivated")]
    public static partial void Archived(ILogger logger, Guid workflowId, string userId, int triggerCount);
}
