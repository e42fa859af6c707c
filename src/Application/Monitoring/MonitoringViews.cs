namespace WorkflowRuntime.Application.Monitoring;

/// <summary>A histogram bucket: <paramref name="Start"/> is seconds (a jitter offset, or Unix time for load).</summary>
public sealed record BucketCount(long Start, long Count);

/// <param name="DeploymentsByStatus">Every status, zero included, keyed by its upper-case name.</param>
/// <param name="ExecutionsByStatus">Executions created in <paramref name="Range"/>, every status, zero included.</param>
/// <param name="ExecutionsByMode">The same executions by mode.</param>
/// <param name="SuccessRate">SUCCESS / finished runs (SUCCESS, ERROR, TIMEOUT, CANCELED); 0 when none finished.</param>
/// <param name="Durations">Duration of runs that started and finished, milliseconds.</param>
public sealed record DeploymentStatsView(
    TimeRange Range,
    IReadOnlyDictionary<string, long> DeploymentsByStatus,
    long TotalDeployments,
    long CronTriggers,
    long WebhookTriggers,
    long ManualTriggers,
    IReadOnlyDictionary<string, long> ExecutionsByStatus,
    IReadOnlyDictionary<string, long> ExecutionsByMode,
    long Executions,
    long FinishedRuns,
    double SuccessRate,
    Percentiles Durations);

public sealed record SchedulingMetricsView(TimeRange Range, SchedulingCounts Counts, Percentiles Lateness);

/// <param name="WindowSeconds">The widest effective jitter window of the triggers counted; the buckets cover [0, it).</param>
/// <param name="Samples">Jittered triggers counted (triggers with jitter disabled are in <paramref name="Unjittered"/>).</param>
/// <param name="MaxMeanRatio">Fullest bucket / mean bucket; 1 is perfectly even.</param>
public sealed record JitterDistributionView(
    int WindowSeconds,
    int BucketSeconds,
    IReadOnlyList<BucketCount> Buckets,
    long Samples,
    double MeanSeconds,
    double StddevSeconds,
    double MaxMeanRatio,
    long Unjittered);

/// <param name="WithJitter">Fires due per bucket (occurrence + jitter), Unix-second bucket starts.</param>
/// <param name="WithoutJitter">The same schedules if nothing were jittered (the occurrences themselves).</param>
public sealed record LoadDistributionView(
    TimeRange Range,
    int BucketSeconds,
    IReadOnlyList<BucketCount> WithJitter,
    IReadOnlyList<BucketCount> WithoutJitter,
    long PeakWithJitter,
    long PeakWithoutJitter,
    double MeanWithJitter,
    double MeanWithoutJitter,
    long FiresWithJitter,
    long FiresWithoutJitter,
    long Triggers);

public sealed record DeploymentStatsQuery(string? UserId, DateTimeOffset? From, DateTimeOffset? To);

public sealed record SchedulingMetricsQuery(DateTimeOffset? From, DateTimeOffset? To);

/// <param name="BucketSeconds">0: 30.</param>
/// <param name="CronExpression">Only triggers with this expression; empty: every cron trigger.</param>
public sealed record JitterDistributionQuery(int BucketSeconds, string? CronExpression);

/// <param name="BucketSeconds">0: 60.</param>
public sealed record LoadDistributionQuery(DateTimeOffset? From, DateTimeOffset? To, int BucketSeconds);
