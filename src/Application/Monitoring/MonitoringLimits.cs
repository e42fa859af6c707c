namespace WorkflowRuntime.Application.Monitoring;

/// <summary>The documented bounds of the monitoring requests (docs/api/workflow-runtime-api.md, "Monitoring").</summary>
public static class MonitoringLimits
{
    /// <summary>Default history range when none is sent: the last 24 hours.</summary>
    public static readonly TimeSpan DefaultHistorySpan = TimeSpan.FromHours(24);

    /// <summary>Longest history range of GetDeploymentStats and GetSchedulingMetrics.</summary>
    public static readonly TimeSpan MaxHistorySpan = TimeSpan.FromDays(31);

    /// <summary>Default look-ahead of GetLoadDistribution: the next hour.</summary>
    public static readonly TimeSpan DefaultLoadSpan = TimeSpan.FromHours(1);

    /// <summary>Longest look-ahead of GetLoadDistribution.</summary>
    public static readonly TimeSpan MaxLoadSpan = TimeSpan.FromDays(7);

    public const int DefaultJitterBucketSeconds = 30;
    public const int MaxJitterBucketSeconds = 3600;
    public const int DefaultLoadBucketSeconds = 60;
    public const int MaxLoadBucketSeconds = 86_400;

    /// <summary>Most buckets one GetLoadDistribution answer may hold (7 days of one-minute buckets).</summary>
    public const int MaxLoadBuckets = 10_080;

    /// <summary>
    /// Most (occurrence × distinct jitter) steps one forecast may expand. A schedule that fires every second over
    /// seven days alone needs 604,800 per jitter value; the bound keeps one call from monopolising a core.
    /// </summary>
    public const long MaxForecastSteps = 20_000_000;

    public const int MaxUserIdLength = 255;
}
