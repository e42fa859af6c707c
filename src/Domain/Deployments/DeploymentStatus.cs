namespace WorkflowRuntime.Domain.Deployments;

public enum DeploymentStatus
{
    Draft,
    Deployed,
    Paused,
    Archived,
}
