using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>A deployment as reported to callers: the aggregate plus the next fire of each cron trigger.</summary>
public sealed record DeploymentView(Deployment Deployment, IReadOnlyList<TriggerView> Triggers);

public sealed record TriggerView(WorkflowTrigger Trigger, DateTimeOffset? NextFireTime);

public sealed record DeploymentStatusView(DeploymentView Deployment, Execution? LastExecution, long ExecutionCount);

public sealed record DeploymentListView(IReadOnlyList<DeploymentView> Deployments, string? NextPageToken, long TotalCount);

public sealed record WebhookResolution(Guid WorkflowId, Guid TriggerId);
