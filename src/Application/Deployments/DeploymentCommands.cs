using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>A trigger as the caller described it; validated into a domain <see cref="TriggerSpec"/> by the use case.</summary>
/// <param name="Type">Null when the caller set none of the kinds.</param>
public sealed record TriggerInput(
    TriggerType? Type,
    string? CronExpression = null,
    string? TimeZone = null,
    bool DisableJitter = false,
    int JitterWindowSeconds = 0,
    string? WebhookPath = null,
    IReadOnlyList<string>? Methods = null);

public sealed record ConfigInput(OverlapPolicy OverlapPolicy, int ExecutionTimeoutSeconds, int CatchUpWindowSeconds = 0, int BufferLimit = 0);

/// <param name="WorkflowId">Empty: the server makes a new id.</param>
public sealed record DeployWorkflowCommand(
    string? WorkflowId,
    string? UserId,
    string? Name,
    string? Description,
    string? WorkflowDefinition,
    IReadOnlyList<TriggerInput> Triggers,
    ConfigInput? Config);

/// <param name="ExpectedVersion">0: no check.</param>
/// <param name="Triggers">Applied only when <paramref name="ReplaceTriggers"/> is set.</param>
public sealed record UpdateDeploymentCommand(
    string? WorkflowId,
    long ExpectedVersion,
    string? Name,
    string? WorkflowDefinition,
    bool ReplaceTriggers,
    IReadOnlyList<TriggerInput> Triggers,
    ConfigInput? Config);

public sealed record ListDeploymentsQuery(string? UserId, IReadOnlyList<DeploymentStatus> Statuses, int PageSize, string? PageToken);
