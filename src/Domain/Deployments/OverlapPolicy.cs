namespace WorkflowRuntime.Domain.Deployments;

/// <summary>What happens when a trigger arrives while the workflow is still running.</summary>
public enum OverlapPolicy
{
    /// <summary>At most one execution at a time; later triggers are recorded as skipped.</summary>
    Skip,

    /// <summary>Every trigger runs, concurrently if need be.</summary>
    AllowAll,
}
