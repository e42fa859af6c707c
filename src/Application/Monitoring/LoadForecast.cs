using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// Fires due per bucket in a future range, from the deployed schedules and their stored jitter, with the
/// scheduler's arithmetic (<see cref="JitteredFires"/>). Each distinct (expression, zone) is expanded once and
/// shifted by each of its jitter values, so 100,000 triggers on a few schedules cost a few expansions.
/// </summary>
public static class LoadForecast
{
    /// <returns>The forecast, or null when it would take more than <paramref name="maxSteps"/> steps.</returns>
    public static LoadDistributionView? Build(IReadOnlyList<CronScheduleGroup> groups, TimeRange range, int bucketSeconds, long maxSteps)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketSeconds);

        var bucketCount = (int)Math.Ceiling(range.Span.TotalSeconds / bucketSeconds);
        var withJitter = new long[bucketCount];
        var withoutJitter = new long[bucketCount];
        long steps = 0;
        foreach (var schedule in groups.Where(g => g.Triggers > 0).GroupBy(g => (g.Expression, g.TimeZone)))
        {
            var spec = CronTriggerSpec.Create(schedule.Key.Expression, schedule.Key.TimeZone);
            var jitters = schedule.GroupBy(g => g.JitterSeconds).Select(g => (Jitter: g.Key, Triggers: g.Sum(x => x.Triggers))).ToList();
            var widest = TimeSpan.FromSeconds(jitters.Max(j => j.Jitter));
            var occurrences = new List<DateTimeOffset>();
            foreach (var occurrence in JitteredFires.OccurrencesBetween(spec, range.From - widest, range.To))
            {
                occurrences.Add(occurrence);
                steps += jitters.Count + 1;
                if (steps > maxSteps)
                {
                    return null;
                }
            }

            var triggers = jitters.Sum(j => j.Triggers);
            foreach (var occurrence in occurrences)
            {
                if (occurrence >= range.From)
                {
                    withoutJitter[BucketOf(occurrence, range, bucketSeconds)] += triggers;
                }

                foreach (var (jitter, count) in jitters)
                {
                    var fire = JitteredFires.FireOf(occurrence, jitter);
                    if (fire >= range.From && fire < range.To)
                    {
                        withJitter[BucketOf(fire, range, bucketSeconds)] += count;
                    }
                }
            }
        }

        var start = range.From.ToUnixTimeSeconds();
        var with = withJitter.Select((count, i) => new BucketCount(start + ((long)i * bucketSeconds), count)).ToList();
        var without = withoutJitter.Select((count, i) => new BucketCount(start + ((long)i * bucketSeconds), count)).ToList();
        var firesWith = withJitter.Sum();
        var firesWithout = withoutJitter.Sum();
        return new LoadDistributionView(range, bucketSeconds, with, without,
            bucketCount == 0 ? 0 : withJitter.Max(), bucketCount == 0 ? 0 : withoutJitter.Max(),
            bucketCount == 0 ? 0 : (double)firesWith / bucketCount, bucketCount == 0 ? 0 : (double)firesWithout / bucketCount,
            firesWith, firesWithout, groups.Sum(g => g.Triggers));
    }

    private static int BucketOf(DateTimeOffset at, TimeRange range, int bucketSeconds) =>
        (int)((at - range.From).Ticks / TimeSpan.FromSeconds(bucketSeconds).Ticks);
}
