using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>Counts workflows by deployment status in one grouped query (the deployments gauge's periodic sample).</summary>
public interface IDeploymentCensus
{
    Task<IReadOnlyDictionary<DeploymentStatus, long>> CountByStatusAsync(CancellationToken cancellationToken = default);
}
