namespace WorkflowRuntime.Domain.Deployments;

/// <summary>What happens when a trigger arrives while the workflow is still running.</summary>
public enum OverlapPolicy
{
    /// <summary>At most one execution at a time; later triggers are recorded as skipped.</summary>
    Skip,

    /// <summary>Every trigger runs, concurrently if need be.</summary>
    AllowAll,

    /// <summary>One at a time; while a run is active at most one trigger waits (PENDING), later ones are skipped.</summary>
    BufferOne,

    /// <summary>One at a time; triggers wait (PENDING) in arrival order up to the deployment's buffer limit.</summary>
    BufferAll,

    /// <summary>One at a time; a new trigger cancels the active run in the engine, then starts.</summary>
    CancelOther,
}

public static class OverlapPolicyExtensions
{
    /// <summary>Whether runs under this policy hold the workflow's one-at-a-time slot (every policy but ALLOW_ALL).</summary>
    public static bool IsExclusive(this OverlapPolicy policy) => policy != OverlapPolicy.AllowAll;

    /// <summary>Whether a trigger that finds the slot taken waits as a PENDING run.</summary>
    public static bool Buffers(this OverlapPolicy policy) => policy is OverlapPolicy.BufferOne or OverlapPolicy.BufferAll;

    /// <summary>The contract's spelling without its prefix (SKIP, ALLOW_ALL, BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER), for logs and reasons.</summary>
    public static string ContractName(this OverlapPolicy policy) => policy switch
    {
        OverlapPolicy.Skip => "SKIP",
        OverlapPolicy.AllowAll => "ALLOW_ALL",
        OverlapPolicy.BufferOne => "BUFFER_ONE",
        OverlapPolicy.BufferAll => "BUFFER_ALL",
        OverlapPolicy.CancelOther => "CANCEL_OTHER",
        _ => policy.ToString(),
    };
}
