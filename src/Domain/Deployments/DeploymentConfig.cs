using WorkflowRuntime.Domain.Errors;

namespace WorkflowRuntime.Domain.Deployments;

/// <summary>How a deployment runs. Immutable; build it with <see cref="Create"/>.</summary>
public sealed record DeploymentConfig
{
    public const int DefaultExecutionTimeoutSeconds = 3600;
    public const int MaxExecutionTimeoutSeconds = 7 * 24 * 3600;

    private DeploymentConfig(OverlapPolicy overlapPolicy, int executionTimeoutSeconds)
    {
        OverlapPolicy = overlapPolicy;
        ExecutionTimeoutSeconds = executionTimeoutSeconds;
    }

    public static DeploymentConfig Default { get; } = new(OverlapPolicy.Skip, DefaultExecutionTimeoutSeconds);

    public OverlapPolicy OverlapPolicy { get; }

    public int ExecutionTimeoutSeconds { get; }

    public TimeSpan ExecutionTimeout => TimeSpan.FromSeconds(ExecutionTimeoutSeconds);

    /// <param name="overlapPolicy">Overlap policy.</param>
    /// <param name="executionTimeoutSeconds">0 means the default (3600 s).</param>
    public static DeploymentConfig Create(OverlapPolicy overlapPolicy, int executionTimeoutSeconds)
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

        return new DeploymentConfig(overlapPolicy,
            executionTimeoutSeconds == 0 ? DefaultExecutionTimeoutSeconds : executionTimeoutSeconds);
    }
}
