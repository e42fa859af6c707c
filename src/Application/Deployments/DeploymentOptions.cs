using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>Limits on what callers may send; bound from <c>WorkflowRuntime:Deployments</c>.</summary>
public sealed class DeploymentOptions
{
    public const string SectionName = "WorkflowRuntime:Deployments";

    // The gRPC server takes messages up to 16 MiB; a larger limit here could never be reached.
    [Range(1024, 8 * 1024 * 1024, ErrorMessage = "WorkflowRuntime:Deployments:MaxDefinitionBytes must be between 1024 and 8388608.")]
    public int MaxDefinitionBytes { get; set; } = 1024 * 1024;

    [Range(1, 1000, ErrorMessage = "WorkflowRuntime:Deployments:DefaultPageSize must be between 1 and 1000.")]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 1000, ErrorMessage = "WorkflowRuntime:Deployments:MaxPageSize must be between 1 and 1000.")]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>
    /// The shortest gap a cron trigger may have between two fires. Every fire is a run on the engine and a row in
    /// the history; a six-field every-second expression is almost always a mistake.
    /// </summary>
    [Range(1, 86_400, ErrorMessage = "WorkflowRuntime:Deployments:MinCronIntervalSeconds must be between 1 and 86400.")]
    public int MinCronIntervalSeconds { get; set; } = 10;
}
