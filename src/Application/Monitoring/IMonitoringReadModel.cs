using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// The aggregates the monitoring RPCs report, computed by the database (PostgreSQL: indexed SQL; SQLite: simpler
/// queries). Read only. Throws <see cref="Abstractions.PersistenceUnavailableException"/> when the database is down.
/// </summary>
public interface IMonitoringReadModel
{
    /// <summary>Deployments by status, active triggers by type, and the executions created in <paramref name="executions"/>.</summary>
    Task<DeploymentCounts> CountDeploymentsAsync(string? userId, TimeRange executions, CancellationToken cancellationToken = default);

    /// <summary>The SCHEDULED executions recorded (<c>created_at</c>) in <paramref name="range"/>.</summary>
    Task<SchedulingCounts> CountSchedulingAsync(TimeRange range, CancellationToken cancellationToken = default);

    /// <summary>Active cron triggers grouped by schedule and stored jitter; only <paramref name="cronExpression"/>'s when set.</summary>
    Task<IReadOnlyList<CronJitterGroup>> ListCronJitterGroupsAsync(string? cronExpression, CancellationToken cancellationToken = default);

    /// <summary>Active cron triggers of DEPLOYED workflows (the ones that will fire), grouped by schedule and jitter.</summary>
    Task<IReadOnlyList<CronScheduleGroup>> ListDeployedCronSchedulesAsync(CancellationToken cancellationToken = default);
}

/// <summary>A half-open interval <c>[From, To)</c>.</summary>
public sealed record TimeRange(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Span => To - From;
}

/// <summary>Continuous percentiles (linear interpolation, as PostgreSQL's <c>percentile_cont</c>) and the maximum.</summary>
public sealed record Percentiles(double P50, double P95, double P99, double Max)
{
    public static Percentiles None { get; } = new(0, 0, 0, 0);
}

public sealed record ExecutionCount(ExecutionStatus Status, ExecutionMode Mode, long Count);

/// <param name="Durations">Of runs that started and finished in the range, in milliseconds; null when there were none.</param>
public sealed record DeploymentCounts(
    IReadOnlyDictionary<DeploymentStatus, long> ByStatus,
    IReadOnlyDictionary<TriggerType, long> ActiveTriggersByType,
    IReadOnlyList<ExecutionCount> Executions,
    Percentiles? Durations);

/// <param name="ScheduledTriggers">Active cron triggers of DEPLOYED workflows now.</param>
/// <param name="Fires">Cron fires recorded: runs started plus runs skipped by the overlap policy (misses excluded).</param>
/// <param name="Misfires">Occurrences recorded as missed (later than the catch-up window).</param>
/// <param name="SkippedOverlap">Cron fires skipped because the previous run was still going.</param>
/// <param name="Lateness">Record time − occurrence − jitter of the fires, in milliseconds; null without fires.</param>
/// <param name="FiresByInstance">Fires per <c>owner_instance_id</c> (the instance that recorded the fire, or adopted its run).</param>
public sealed record SchedulingCounts(
    long ScheduledTriggers,
    long Fires,
    long Misfires,
    long SkippedOverlap,
    Percentiles? Lateness,
    IReadOnlyDictionary<string, long> FiresByInstance);

/// <param name="WindowSeconds">The configured jitter window (the stored one; the effective one may be smaller).</param>
public sealed record CronJitterGroup(string Expression, string TimeZone, bool DisableJitter, int WindowSeconds, int JitterSeconds, long Triggers);

public sealed record CronScheduleGroup(string Expression, string TimeZone, int JitterSeconds, long Triggers);
