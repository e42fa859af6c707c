using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Application.Executions;

/// <summary>How executions are started, tracked and recovered; bound from <c>WorkflowRuntime:Executions</c>.</summary>
public sealed class ExecutionOptions
{
    public const string SectionName = "WorkflowRuntime:Executions";

    [Range(2, 16 * 1024 * 1024, ErrorMessage = "WorkflowRuntime:Executions:MaxTriggerDataBytes must be between 2 and 16777216.")]
    public int MaxTriggerDataBytes { get; set; } = 256 * 1024;

    /// <summary>First wait between two status polls of the engine; doubles up to <see cref="PollMaxMs"/>.</summary>
    [Range(10, 60_000, ErrorMessage = "WorkflowRuntime:Executions:PollInitialMs must be between 10 and 60000.")]
    public int PollInitialMs { get; set; } = 250;

    [Range(10, 300_000, ErrorMessage = "WorkflowRuntime:Executions:PollMaxMs must be between 10 and 300000.")]
    public int PollMaxMs { get; set; } = 5_000;

    /// <summary>
    /// How long after the engine took a run its status is first asked: it has only just started, so an immediate poll
    /// is an engine call that can only answer RUNNING (one per execution). 0 polls at once.
    /// </summary>
    [Range(0, 60_000, ErrorMessage = "WorkflowRuntime:Executions:FirstPollDelayMs must be between 0 and 60000.")]
    public int FirstPollDelayMs { get; set; } = 100;

    /// <summary>How often a tracker writes <c>heartbeat_at</c> and renews the workflow lock.</summary>
    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Executions:HeartbeatIntervalSeconds must be between 1 and 3600.")]
    public int HeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>A run whose heartbeat is older than this is taken for orphaned and adopted or closed by the sweeper.</summary>
    [Range(2, 86_400, ErrorMessage = "WorkflowRuntime:Executions:StaleAfterSeconds must be between 2 and 86400.")]
    public int StaleAfterSeconds { get; set; } = 60;

    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Executions:SweepIntervalSeconds must be between 1 and 3600.")]
    public int SweepIntervalSeconds { get; set; } = 15;

    /// <summary>The workflow lock's lease; renewed every heartbeat, so it only matters when an instance dies.</summary>
    [Range(2, 86_400, ErrorMessage = "WorkflowRuntime:Executions:LockTtlSeconds must be between 2 and 86400.")]
    public int LockTtlSeconds { get; set; } = 300;

    /// <summary>On shutdown, how long running executions are still tracked before they are left to the sweeper.</summary>
    [Range(0, 3600, ErrorMessage = "WorkflowRuntime:Executions:DrainTimeoutSeconds must be between 0 and 3600.")]
    public int DrainTimeoutSeconds { get; set; } = 25;

    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Executions:MaxWaitTimeoutSeconds must be between 1 and 3600.")]
    public int MaxWaitTimeoutSeconds { get; set; } = 300;

    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Executions:DefaultWaitTimeoutSeconds must be between 1 and 3600.")]
    public int DefaultWaitTimeoutSeconds { get; set; } = 30;

    [Range(1, 1000, ErrorMessage = "WorkflowRuntime:Executions:DefaultPageSize must be between 1 and 1000.")]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 1000, ErrorMessage = "WorkflowRuntime:Executions:MaxPageSize must be between 1 and 1000.")]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>
    /// A trigger is admitted only if the caller's deadline leaves at least this long for the insert; otherwise it is
    /// refused with <c>DEADLINE_EXCEEDED</c> and nothing is written.
    /// </summary>
    [Range(0, 10_000, ErrorMessage = "WorkflowRuntime:Executions:AdmissionDeadlineMarginMs must be between 0 and 10000.")]
    public int AdmissionDeadlineMarginMs { get; set; } = 100;

    /// <summary>
    /// How long the execution path keeps a deployment it read after its last use (0 turns the cache off): longer than
    /// the most frequent schedule, so an every-minute workflow finds its deployment at every fire. Staleness is not
    /// what this bounds: the database refuses a run admitted against an old version (ADR 0024); it lets unused
    /// entries go.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "WorkflowRuntime:Executions:DeploymentCacheSeconds must be between 0 and 3600.")]
    public int DeploymentCacheSeconds { get; set; } = 120;

    /// <summary>
    /// At most this many deployments (and webhook paths) are cached; past it a new entry is not kept until a compaction
    /// frees room, and its trigger reads the database as without a cache.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "WorkflowRuntime:Executions:DeploymentCacheEntries must be between 1 and 10000000.")]
    public int DeploymentCacheEntries { get; set; } = 100_000;

    public TimeSpan AdmissionDeadlineMargin => TimeSpan.FromMilliseconds(AdmissionDeadlineMarginMs);

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatIntervalSeconds);

    public TimeSpan StaleAfter => TimeSpan.FromSeconds(StaleAfterSeconds);

    public TimeSpan LockTtl => TimeSpan.FromSeconds(LockTtlSeconds);
}
