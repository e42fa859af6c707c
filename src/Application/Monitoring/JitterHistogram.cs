using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// Histogram of the stored jitter offsets over the effective window. Pure: the groups come from the read model,
/// the effective window from the domain (the same one the jitter was computed with).
/// </summary>
public static class JitterHistogram
{
    public static JitterDistributionView Build(IReadOnlyList<CronJitterGroup> groups, int bucketSeconds)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketSeconds);

        var jittered = groups.Where(g => !g.DisableJitter && g.Triggers > 0).ToList();
        var unjittered = groups.Where(g => g.DisableJitter).Sum(g => g.Triggers);
        var windows = EffectiveWindows(jittered);
        var window = jittered.Count == 0 ? 0 : jittered.Max(g => windows[(g.Expression, g.TimeZone, g.WindowSeconds)]);
        var bucketCount = window == 0 ? 0 : (window + bucketSeconds - 1) / bucketSeconds;
        var counts = new long[bucketCount];
        long samples = 0;
        double sum = 0;
        double sumOfSquares = 0;
        foreach (var group in jittered)
        {
            // A stored offset is always inside its window; clamp anyway so a hand-edited row cannot throw.
            var index = Math.Clamp(group.JitterSeconds / bucketSeconds, 0, bucketCount - 1);
            counts[index] += group.Triggers;
            samples += group.Triggers;
            sum += (double)group.JitterSeconds * group.Triggers;
            sumOfSquares += (double)group.JitterSeconds * group.JitterSeconds * group.Triggers;
        }

        var mean = samples == 0 ? 0 : sum / samples;
        var variance = samples == 0 ? 0 : Math.Max(0, (sumOfSquares / samples) - (mean * mean));
        var meanBucket = bucketCount == 0 ? 0 : (double)samples / bucketCount;
        var ratio = meanBucket == 0 ? 0 : counts.Max() / meanBucket;
        var buckets = counts.Select((count, i) => new BucketCount((long)i * bucketSeconds, count)).ToList();
        return new JitterDistributionView(window, bucketSeconds, buckets, samples, mean, Math.Sqrt(variance), ratio, unjittered);
    }

    private static Dictionary<(string, string, int), int> EffectiveWindows(IEnumerable<CronJitterGroup> groups)
    {
        var windows = new Dictionary<(string, string, int), int>();
        foreach (var group in groups)
        {
            var key = (group.Expression, group.TimeZone, group.WindowSeconds);
            if (!windows.ContainsKey(key))
            {
                windows[key] = CronTriggerSpec.Create(group.Expression, group.TimeZone, false, group.WindowSeconds).EffectiveJitterWindowSeconds;
            }
        }

        return windows;
    }
}
