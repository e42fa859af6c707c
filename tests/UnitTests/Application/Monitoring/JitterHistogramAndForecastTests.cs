using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Jitter;

namespace WorkflowRuntime.UnitTests.Application.Monitoring;

public sealed class JitterHistogramAndForecastTests
{
    private static readonly DateTimeOffset Nine = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_histogram_covers_the_effective_window_and_reports_mean_stddev_and_max_mean_ratio()
    {
        // Offsets 0, 10, 40, 40 in 30 s buckets over a 300 s window.
        IReadOnlyList<CronJitterGroup> groups =
        [
            new("0 9 * * *", "UTC", false, 300, 0, 1),
            new("0 9 * * *", "UTC", false, 300, 10, 1),
            new("0 9 * * *", "UTC", false, 300, 40, 2),
            new("0 9 * * *", "UTC", true, 300, 0, 5),
        ];

        var view = JitterHistogram.Build(groups, 30);

        Assert.Equal(300, view.WindowSeconds);
        Assert.Equal(10, view.Buckets.Count);
        Assert.Equal([2L, 2L, 0L], view.Buckets.Take(3).Select(b => b.Count));
        Assert.Equal([0L, 30L, 60L], view.Buckets.Take(3).Select(b => b.Start));
        Assert.Equal(4, view.Samples);
        Assert.Equal(5, view.Unjittered);
        Assert.Equal(22.5, view.MeanSeconds, 6);
        Assert.Equal(Math.Sqrt(((22.5 * 22.5) + (12.5 * 12.5) + (17.5 * 17.5 * 2)) / 4), view.StddevSeconds, 6);
        Assert.Equal(2 / 0.4, view.MaxMeanRatio, 6);
    }

    [Fact]
    public void The_window_of_an_every_minute_schedule_is_its_60_second_gap()
    {
        var view = JitterHistogram.Build([new("* * * * *", "UTC", false, 300, 59, 3)], 30);

        Assert.Equal(60, view.WindowSeconds);
        Assert.Equal(2, view.Buckets.Count);
        Assert.Equal(3, view.Buckets[1].Count);
    }

    [Fact]
    public void No_cron_triggers_give_an_empty_histogram()
    {
        var view = JitterHistogram.Build([], 30);

        Assert.Equal((0, 0L, 0d), (view.WindowSeconds, view.Samples, view.MaxMeanRatio));
        Assert.Empty(view.Buckets);
    }

    [Fact]
    public void A_thousand_real_jitters_of_one_schedule_spread_evenly()
    {
        var groups = Enumerable.Range(0, 1000)
            .Select(_ => JitterPolicy.CalculateJitter(Guid.NewGuid().ToString()))
            .GroupBy(j => j)
            .Select(g => new CronJitterGroup("0 9 * * *", "UTC", false, 300, g.Key, g.Count()))
            .ToList();

        var view = JitterHistogram.Build(groups, 30);

        Assert.Equal(1000, view.Buckets.Sum(b => b.Count));
        Assert.InRange(view.MaxMeanRatio, 1, 1.5);
    }

    [Fact]
    public void The_forecast_counts_every_fire_in_range_once_with_and_without_jitter()
    {
        IReadOnlyList<CronScheduleGroup> groups =
        [
            new("0 9 * * *", "UTC", 0, 2),
            new("0 9 * * *", "UTC", 90, 3),
            new("0 9 * * *", "UTC", 299, 1),
        ];
        var range = new TimeRange(Nine.AddMinutes(-1), Nine.AddMinutes(4));

        var view = LoadForecast.Build(groups, range, 60, long.MaxValue)!;

        Assert.Equal([0L, 6L, 0L, 0L, 0L], view.WithoutJitter.Select(b => b.Count));
        // 09:00:00 ×2, 09:01:30 ×3; 09:04:59 is past the range.
        Assert.Equal([0L, 2L, 3L, 0L, 0L], view.WithJitter.Select(b => b.Count));
        Assert.Equal((5L, 6L), (view.FiresWithJitter, view.FiresWithoutJitter));
        Assert.Equal((3L, 6L), (view.PeakWithJitter, view.PeakWithoutJitter));
        Assert.Equal(1.0, view.MeanWithJitter, 6);
        Assert.Equal(range.From.ToUnixTimeSeconds() + 60, view.WithJitter[1].Start);
        Assert.Equal(6, view.Triggers);
    }

    [Fact]
    public void A_fire_whose_occurrence_is_before_the_range_is_counted_when_its_jittered_time_is_inside()
    {
        var range = new TimeRange(Nine.AddSeconds(100), Nine.AddSeconds(400));

        var view = LoadForecast.Build([new CronScheduleGroup("0 9 * * *", "UTC", 200, 1)], range, 100, long.MaxValue)!;

        Assert.Equal([0L, 1L, 0L], view.WithJitter.Select(b => b.Count));
        Assert.Equal(0, view.FiresWithoutJitter);
    }

    [Fact]
    public void The_last_bucket_of_a_range_that_is_not_a_multiple_of_the_bucket_is_partial()
    {
        var range = new TimeRange(Nine, Nine.AddSeconds(150));

        var view = LoadForecast.Build([new CronScheduleGroup("* * * * *", "UTC", 0, 1)], range, 60, long.MaxValue)!;

        Assert.Equal(3, view.WithJitter.Count);
        Assert.Equal(3, view.FiresWithJitter);
    }
}
