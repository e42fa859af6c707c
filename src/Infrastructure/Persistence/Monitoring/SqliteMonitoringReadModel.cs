using Microsoft.EntityFrameworkCore;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Persistence.Monitoring;

/// <summary>
/// The embedded profile's monitoring aggregates: counts in SQL, percentiles and cron grouping in memory over the
/// rows of the range. SQLite has no <c>percentile_cont</c> nor JSON indexes; the embedded profile holds one
/// laptop's workflows, so the rows of a 31-day range stay few.
/// </summary>
internal sealed class SqliteMonitoringReadModel(WorkflowRuntimeDbContext db) : IMonitoringReadModel
{
    public Task<DeploymentCounts> CountDeploymentsAsync(string? userId, TimeRange executions, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(executions);
            var workflows = db.Deployments.AsNoTracking().Where(d => userId == null || d.UserId == userId);
            var byStatus = (await workflows.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.LongCount() })
                .ToListAsync(cancellationToken)).ToDictionary(g => g.Key, g => g.Count);
            var byType = (await db.Triggers.AsNoTracking()
                    .Where(t => t.IsActive && workflows.Any(d => d.Id == t.WorkflowId))
                    .GroupBy(t => t.Type).Select(g => new { g.Key, Count = g.LongCount() })
                    .ToListAsync(cancellationToken)).ToDictionary(g => g.Key, g => g.Count);
            var inRange = db.Executions.AsNoTracking()
                .Where(e => e.CreatedAt >= executions.From && e.CreatedAt < executions.To && workflows.Any(d => d.Id == e.WorkflowId));
            var counts = (await inRange.GroupBy(e => new { e.Status, e.Mode }).Select(g => new { g.Key.Status, g.Key.Mode, Count = g.LongCount() })
                .ToListAsync(cancellationToken)).Select(g => new ExecutionCount(g.Status, g.Mode, g.Count)).ToList();
            var runs = await inRange.Where(e => e.StartedAt != null && e.FinishedAt != null)
                .Select(e => new { e.StartedAt, e.FinishedAt }).ToListAsync(cancellationToken);
            var durations = ContinuousPercentiles.Of(runs.Select(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalMilliseconds));
            return new DeploymentCounts(byStatus, byType, counts, durations);
        });

    public Task<SchedulingCounts> CountSchedulingAsync(TimeRange range, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(range);
            var scheduledTriggers = await DeployedCronTriggers().LongCountAsync(cancellationToken);
            var rows = await db.Executions.AsNoTracking()
                .Where(e => e.Mode == ExecutionMode.Scheduled && e.CreatedAt >= range.From && e.CreatedAt < range.To && e.ScheduledFor != null)
                .Select(e => new { e.Status, e.SkipReason, e.CreatedAt, e.ScheduledFor, e.TriggerId, e.OwnerInstanceId })
                .ToListAsync(cancellationToken);
            var triggerIds = rows.Where(r => r.TriggerId != null).Select(r => r.TriggerId!.Value).Distinct().ToList();
            var jitters = await db.Triggers.AsNoTracking().Where(t => triggerIds.Contains(t.Id))
                .ToDictionaryAsync(t => t.Id, t => t.JitterSeconds, cancellationToken);

            var fires = rows.Where(r => !IsMissed(r.Status, r.SkipReason)).ToList();
            var lateness = fires.Where(r => r.Status != ExecutionStatus.Skipped).Select(r => (r.CreatedAt - r.ScheduledFor!.Value).TotalMilliseconds
                                             - (1000.0 * (r.TriggerId is { } id ? jitters.GetValueOrDefault(id) : 0)));
            var byInstance = fires.Where(r => r.OwnerInstanceId != null).GroupBy(r => r.OwnerInstanceId!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
            return new SchedulingCounts(scheduledTriggers, fires.Count, rows.Count - fires.Count,
                fires.LongCount(r => r.Status == ExecutionStatus.Skipped), ContinuousPercentiles.Of(lateness), byInstance);
        });

    public Task<IReadOnlyList<CronJitterGroup>> ListCronJitterGroupsAsync(string? cronExpression, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            var triggers = await db.Triggers.AsNoTracking().Where(t => t.IsActive && t.Type == TriggerType.Cron).ToListAsync(cancellationToken);
            return (IReadOnlyList<CronJitterGroup>)triggers
                .Select(t => (Trigger: t, Cron: (CronTriggerSpec)t.Spec))
                .Where(x => cronExpression is null || x.Cron.Expression == cronExpression)
                .GroupBy(x => (x.Cron.Expression, x.Cron.TimeZoneId, x.Cron.DisableJitter, x.Cron.JitterWindowSeconds, x.Trigger.JitterSeconds))
                .Select(g => new CronJitterGroup(g.Key.Expression, g.Key.TimeZoneId, g.Key.DisableJitter, g.Key.JitterWindowSeconds,
                    g.Key.JitterSeconds, g.LongCount()))
                .ToList();
        });

    public Task<IReadOnlyList<CronScheduleGroup>> ListDeployedCronSchedulesAsync(CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            var triggers = await DeployedCronTriggers().ToListAsync(cancellationToken);
            return (IReadOnlyList<CronScheduleGroup>)triggers
                .Select(t => (Trigger: t, Cron: (CronTriggerSpec)t.Spec))
                .GroupBy(x => (x.Cron.Expression, x.Cron.TimeZoneId, x.Trigger.JitterSeconds))
                .Select(g => new CronScheduleGroup(g.Key.Expression, g.Key.TimeZoneId, g.Key.JitterSeconds, g.LongCount()))
                .ToList();
        });

    private IQueryable<WorkflowTrigger> DeployedCronTriggers() =>
        db.Triggers.AsNoTracking().Where(t => t.IsActive && t.Type == TriggerType.Cron
            && db.Deployments.Any(d => d.Id == t.WorkflowId && d.Status == DeploymentStatus.Deployed));

    private static bool IsMissed(ExecutionStatus status, string? reason) =>
        status == ExecutionStatus.Skipped && reason is not null
        && reason.StartsWith(PostgresMonitoringReadModel.MissedReasonPattern.TrimEnd('%'), StringComparison.Ordinal);
}

/// <summary>Percentiles with linear interpolation between closest ranks, as PostgreSQL's <c>percentile_cont</c>.</summary>
internal static class ContinuousPercentiles
{
    public static Percentiles? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : new Percentiles(At(sorted, 0.5), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    public static double At(IReadOnlyList<double> sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var position = fraction * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }
}
