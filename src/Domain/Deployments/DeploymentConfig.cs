using WorkflowRuntime.Domain.Errors;

namespace WorkflowRuntime.Domain.Deployments;

/// <summary>How a deployment runs. Immutable; build it with <see cref="Create"/>.</summary>
public sealed record DeploymentConfig
{
    public const int DefaultExecutionTimeoutSeconds = 3600;
    public const int MaxExecutionTimeoutSeconds = 7 * 24 * 3600;
    public const int DefaultBufferLimit = 100;
    public const int MaxBufferLimit = 10_000;
    public const int MaxCatchUpWindowSeconds = 7 * 24 * 3600;

    private DeploymentConfig(OverlapPolicy overlapPolicy, int executionTimeoutSeconds, int catchUpWindowSeconds, int bufferLimit)
    {
        OverlapPolicy = overlapPolicy;
        ExecutionTimeoutSeconds = executionTimeoutSeconds;
        CatchUpWindowSeconds = catchUpWindowSeconds;
        BufferLimit = bufferLimit;
    }

    public static DeploymentConfig Default { get; } = new(OverlapPolicy.Skip, DefaultExecutionTimeoutSeconds, 0, DefaultBufferLimit);

    public OverlapPolicy OverlapPolicy { get; }

    public int ExecutionTimeoutSeconds { get; }

    public TimeSpan ExecutionTimeout => TimeSpan.FromSeconds(ExecutionTimeoutSeconds);

    /// <summary>How late a cron occurrence may still fire; 0 = the service's default window.</summary>
    public int CatchUpWindowSeconds { get; }

    /// <summary>How many triggers may wait under BUFFER_ALL (stored for every policy, so a policy change keeps it).</summary>
    public int BufferLimit { get; }

    /// <summary>How many PENDING runs the policy allows at once: 1 for BUFFER_ONE, the limit for BUFFER_ALL, else 0.</summary>
    public int MaxPending => OverlapPolicy switch
    {
        OverlapPolicy.BufferOne => 1,
        OverlapPolicy.BufferAll => BufferLimit,
        _ => 0,
    };

    /// <param name="overlapPolicy">Overlap policy.</param>
    /// <param name="executionTimeoutSeconds">0 means the default (3600 s).</param>
    /// <param name="catchUpWindowSeconds">0 means the service's default catch-up window.</param>
    /// <param name="bufferLimit">0 means the default (100); used by BUFFER_ALL.</param>
    public static DeploymentConfig Create(OverlapPolicy overlapPolicy, int executionTimeoutSeconds, int catchUpWindowSeconds = 0,
        int bufferLimit = 0)
    {
        if (!Enum.IsDefined(overlapPolicy))
        {
            throw new DomainValidationException("overlap_policy", $"overlap_policy {(int)overlapPolicy} is not a known policy.");
        }

        if (executionTimeoutSeconds is < 0 or > MaxExecutionTimeoutSeconds)
        {
            throw new DomainValidationException("execution_timeout_seconds",
                $"execution_timeout_seconds must be between 0 (default {DefaultExecutionTimeoutSeconds}) and {MaxExecutionTimeoutSeconds}; got {executionTimeoutSeconds}.");
        }

        if (catchUpWindowSeconds is < 0 or > MaxCatchUpWindowSeconds)
        {
            throw new DomainValidationException("catch_up_window_seconds",
                $"catch_up_window_seconds must be between 0 (the service default) and {MaxCatchUpWindowSeconds}; got {catchUpWindowSeconds}.");
        }

        if (bufferLimit is < 0 or > MaxBufferLimit)
        {
            throw new DomainValidationException("buffer_limit",
                $"buffer_limit must be between 0 (default {DefaultBufferLimit}) and {MaxBufferLimit}; got {bufferLimit}.");
        }

        return new DeploymentConfig(overlapPolicy,
            executionTimeoutSeconds == 0 ? DefaultExecutionTimeoutSeconds : executionTimeoutSeconds,
            catchUpWindowSeconds,
            bufferLimit == 0 ? DefaultBufferLimit : bufferLimit);
    }
}
