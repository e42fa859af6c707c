using Ardalis.Result;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// The statistics of <c>MonitoringService</c>: validates the request (ranges, bucket sizes), asks the read model for
/// the aggregates and shapes them. Named apart from the generated <c>MonitoringService</c> base class on purpose.
/// </summary>
public sealed class MonitoringStatisticsService(IMonitoringReadModel readModel, TimeProvider clock)
{
    private static readonly ExecutionStatus[] FinishedRunStatuses =
        [ExecutionStatus.Success, ExecutionStatus.Error, ExecutionStatus.Timeout, ExecutionStatus.Canceled];

    public Task<Result<DeploymentStatsView>> GetDeploymentStatsAsync(DeploymentStatsQuery query, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(query);
            var userId = string.IsNullOrWhiteSpace(query.UserId) ? null : query.UserId.Trim();
            if (userId is { Length: > MonitoringLimits.MaxUserIdLength })
            {
                return Failure.Invalid<DeploymentStatsView>("user_id", $"user_id is longer than {MonitoringLimits.MaxUserIdLength} characters.");
            }

            var range = HistoryRange(query.From, query.To);
            if (!range.IsSuccess)
            {
                return range.Map(_ => default(DeploymentStatsView)!);
            }

            var counts = await readModel.CountDeploymentsAsync(userId, range.Value, cancellationToken);
            return Result.Success(Shape(range.Value, counts));
        });

    public Task<Result<SchedulingMetricsView>> GetSchedulingMetricsAsync(SchedulingMetricsQuery query, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(query);
            var range = HistoryRange(query.From, query.To);
            if (!range.IsSuccess)
            {
                return range.Map(_ => default(SchedulingMetricsView)!);
            }

            var counts = await readModel.CountSchedulingAsync(range.Value, cancellationToken);
            return Result.Success(new SchedulingMetricsView(range.Value, counts, counts.Lateness ?? Percentiles.None));
        });

    public Task<Result<JitterDistributionView>> GetJitterDistributionAsync(JitterDistributionQuery query, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(query);
            var bucket = query.BucketSeconds == 0 ? MonitoringLimits.DefaultJitterBucketSeconds : query.BucketSeconds;
            if (bucket is < 1 or > MonitoringLimits.MaxJitterBucketSeconds)
            {
                return Failure.Invalid<JitterDistributionView>("bucket_seconds",
                    $"bucket_seconds must be between 1 and {MonitoringLimits.MaxJitterBucketSeconds} (0 means {MonitoringLimits.DefaultJitterBucketSeconds}); got {query.BucketSeconds}.");
            }

            // Stored expressions are normalised (single spaces); parsing the filter the same way finds them and
            // refuses one that could never match a deployed trigger, naming the field (cron_expression).
            var expression = string.IsNullOrWhiteSpace(query.CronExpression) ? null : CronTriggerSpec.Create(query.CronExpression).Expression;
            var groups = await readModel.ListCronJitterGroupsAsync(expression, cancellationToken);
            return Result.Success(JitterHistogram.Build(groups, bucket));
        });

    public Task<Result<LoadDistributionView>> GetLoadDistributionAsync(LoadDistributionQuery query, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(query);
            var bucket = query.BucketSeconds == 0 ? MonitoringLimits.DefaultLoadBucketSeconds : query.BucketSeconds;
            if (bucket is < 1 or > MonitoringLimits.MaxLoadBucketSeconds)
            {
                return Failure.Invalid<LoadDistributionView>("bucket_seconds",
                    $"bucket_seconds must be between 1 and {MonitoringLimits.MaxLoadBucketSeconds} (0 means {MonitoringLimits.DefaultLoadBucketSeconds}); got {query.BucketSeconds}.");
            }

            var from = WholeSeconds(query.From ?? clock.GetUtcNow());
            var to = WholeSeconds(query.To ?? After(from, MonitoringLimits.DefaultLoadSpan));
            var invalid = ValidateRange(from, to, MonitoringLimits.MaxLoadSpan);
            if (invalid is not null)
            {
                return invalid.Map(_ => default(LoadDistributionView)!);
            }

            var range = new TimeRange(from, to);
            if (Math.Ceiling(range.Span.TotalSeconds / bucket) > MonitoringLimits.MaxLoadBuckets)
            {
                return Failure.Invalid<LoadDistributionView>("bucket_seconds",
                    $"{range.Span.TotalSeconds:0} s in buckets of {bucket} s is more than {MonitoringLimits.MaxLoadBuckets} buckets; use larger buckets or a shorter range.");
            }

            var groups = await readModel.ListDeployedCronSchedulesAsync(cancellationToken);
            var forecast = LoadForecast.Build(groups, range, bucket, MonitoringLimits.MaxForecastSteps);
            return forecast is null
                ? Failure.Invalid<LoadDistributionView>("to",
                    "the deployed schedules fire too often to forecast over this range; ask for a shorter range (to closer to from).")
                : Result.Success(forecast);
        });

    private Result<TimeRange> HistoryRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        var end = to ?? clock.GetUtcNow();
        var start = from ?? Before(end, MonitoringLimits.DefaultHistorySpan);
        return ValidateRange(start, end, MonitoringLimits.MaxHistorySpan) ?? Result.Success(new TimeRange(start, end));
    }

    // A default span next to the edge of the calendar (a caller's "to" of 0001-01-01) must not overflow: it stops at
    // the edge, and the range check then names the field.
    private static DateTimeOffset Before(DateTimeOffset instant, TimeSpan span) =>
        instant - DateTimeOffset.MinValue < span ? DateTimeOffset.MinValue : instant - span;

    private static DateTimeOffset After(DateTimeOffset instant, TimeSpan span) =>
        DateTimeOffset.MaxValue - instant < span ? DateTimeOffset.MaxValue : instant + span;

    private static Result<TimeRange>? ValidateRange(DateTimeOffset from, DateTimeOffset to, TimeSpan maxSpan)
    {
        if (from >= to)
        {
            return Failure.Invalid<TimeRange>("from", $"from ({from:O}) must be earlier than to ({to:O}).");
        }

        return to - from > maxSpan
            ? Failure.Invalid<TimeRange>("to", $"the range from {from:O} to {to:O} is longer than the maximum of {maxSpan.TotalDays:0} days.")
            : null;
    }

    private static DeploymentStatsView Shape(TimeRange range, DeploymentCounts counts)
    {
        var byStatus = Enum.GetValues<DeploymentStatus>().ToDictionary(Name, s => counts.ByStatus.GetValueOrDefault(s));
        var executionsByStatus = Enum.GetValues<ExecutionStatus>().ToDictionary(Name,
            s => counts.Executions.Where(e => e.Status == s).Sum(e => e.Count));
        var executionsByMode = Enum.GetValues<ExecutionMode>().ToDictionary(Name,
            m => counts.Executions.Where(e => e.Mode == m).Sum(e => e.Count));
        var finished = counts.Executions.Where(e => FinishedRunStatuses.Contains(e.Status)).Sum(e => e.Count);
        var succeeded = counts.Executions.Where(e => e.Status == ExecutionStatus.Success).Sum(e => e.Count);
        return new DeploymentStatsView(
            range,
            byStatus,
            byStatus.Values.Sum(),
            counts.ActiveTriggersByType.GetValueOrDefault(TriggerType.Cron),
            counts.ActiveTriggersByType.GetValueOrDefault(TriggerType.Webhook),
            counts.ActiveTriggersByType.GetValueOrDefault(TriggerType.Manual),
            executionsByStatus,
            executionsByMode,
            counts.Executions.Sum(e => e.Count),
            finished,
            finished == 0 ? 0 : (double)succeeded / finished,
            counts.Durations ?? Percentiles.None);
    }

    private static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToUpperInvariant();

    private static DateTimeOffset WholeSeconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());
}
