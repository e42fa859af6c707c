namespace WorkflowRuntime.Domain.Executions;

/// <summary>Who asked for a run and with what: the parts of an execution fixed when it is requested.</summary>
/// <param name="TriggerData">The JSON object handed to the workflow; "{}" when the caller sent none.</param>
public sealed record ExecutionRequest(
    string TriggerData,
    Guid? TriggerId = null,
    string? TriggeredBy = null,
    string? IdempotencyKey = null,
    DateTimeOffset? ScheduledFor = null,
    string? InstanceId = null);
