namespace WorkflowRuntime.Domain.Executions;

/// <summary>Who asked for a run and with what: the parts of an execution fixed when it is requested.</summary>
/// <param name="TriggerData">The JSON object handed to the workflow; "{}" when the caller sent none.</param>
/// <param name="DeploymentVersion">
/// The deployment version the request was admitted against; the database refuses the run if the deployment has changed
/// since (ADR 0024), so a cached definition is never dispatched after an update, pause or archive.
/// </param>
public sealed record ExecutionRequest(
    string TriggerData,
    Guid? TriggerId = null,
    string? TriggeredBy = null,
    string? IdempotencyKey = null,
    DateTimeOffset? ScheduledFor = null,
    string? InstanceId = null,
    long? DeploymentVersion = null);
