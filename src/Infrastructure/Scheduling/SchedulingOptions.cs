using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Infrastructure.Scheduling;

/// <summary>The cron scheduler (Quartz); bound from <c>WorkflowRuntime:Scheduling</c>.</summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "WorkflowRuntime:Scheduling";

    /// <summary>
    /// A fire later than this still runs, once; a later one is recorded as missed instead (Quartz's misfire
    /// threshold). Keep it below the shortest cron interval you deploy to avoid back-to-back catch-up runs.
    /// </summary>
    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Scheduling:CatchUpWindowSeconds must be between 1 and 3600.")]
    public int CatchUpWindowSeconds { get; set; } = 60;

    /// <summary>How often a clustered node checks in; a node silent for longer is presumed dead and its fires recovered.</summary>
    [Range(1000, 300_000, ErrorMessage = "WorkflowRuntime:Scheduling:ClusterCheckinIntervalMs must be between 1000 and 300000.")]
    public int ClusterCheckinIntervalMs { get; set; } = 5000;

    /// <summary>Fires handled at once per node (each only starts a run; tracking is asynchronous).</summary>
    [Range(1, 200, ErrorMessage = "WorkflowRuntime:Scheduling:MaxConcurrency must be between 1 and 200.")]
    public int MaxConcurrency { get; set; } = 20;

    /// <summary>How often the reconciler makes the scheduler agree with the deployments table (also once at start).</summary>
    [Range(5, 86_400, ErrorMessage = "WorkflowRuntime:Scheduling:ReconcileIntervalSeconds must be between 5 and 86400.")]
    public int ReconcileIntervalSeconds { get; set; } = 300;

    /// <summary>
    /// The scheduler's lag (now minus the oldest occurrence that is due and not yet fired) past which the
    /// <c>scheduler</c> health entry reports degraded. Keep it below <see cref="CatchUpWindowSeconds"/>: past that,
    /// occurrences are already being recorded as missed.
    /// </summary>
    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Scheduling:LagDegradedAfterSeconds must be between 1 and 3600.")]
    public int LagDegradedAfterSeconds { get; set; } = 10;

    /// <summary>Most missed occurrences recorded for one misfire (the rest are counted in the log).</summary>
    [Range(1, 10_000, ErrorMessage = "WorkflowRuntime:Scheduling:MaxMissedRecorded must be between 1 and 10000.")]
    public int MaxMissedRecorded { get; set; } = 100;
}
