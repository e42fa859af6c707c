using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;

namespace WorkflowRuntime.UnitTests.Infrastructure.Scheduling;

public sealed class JitteredCronTriggerTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_fire_is_the_next_occurrence_plus_the_jitter()
    {
        var trigger = Trigger("0 9 * * *", jitterSeconds: 157);

        var first = trigger.ComputeFirstFireTimeUtc(null);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 2, 37, TimeSpan.Zero), first);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), trigger.OccurrenceOf(first!.Value));
    }

    [Fact]
    public void Each_fire_moves_to_the_next_occurrence_plus_the_same_jitter()
    {
        var trigger = Trigger("*/10 * * * * *", jitterSeconds: 7);
        trigger.ComputeFirstFireTimeUtc(null);

        var fires = new List<DateTimeOffset>();
        for (var i = 0; i < 3; i++)
        {
            fires.Add(trigger.NextFireTimeUtc!.Value);
            trigger.Triggered(null);
        }

        Assert.Equal([Start.AddSeconds(7), Start.AddSeconds(17), Start.AddSeconds(27)], fires);
        Assert.Equal(Start.AddSeconds(27), trigger.PreviousFireTimeUtc);
    }

    [Fact]
    public void An_occurrence_whose_jittered_fire_is_still_ahead_is_not_skipped()
    {
        var trigger = Trigger("0 * * * *", jitterSeconds: 120);

        // At 10:01 the 10:00 occurrence (fire 10:02) is still to come.
        var next = trigger.GetFireTimeAfter(new DateTimeOffset(2026, 3, 1, 10, 1, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 2, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void The_jitter_applies_to_occurrences_in_the_cron_time_zone_across_a_dst_change()
    {
        var trigger = Trigger("30 8 * * *", jitterSeconds: 60, zone: "Europe/Berlin");

        // 29 March 2026: Berlin moves from UTC+1 to UTC+2.
        var before = trigger.GetFireTimeAfter(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero));
        var after = trigger.GetFireTimeAfter(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 3, 28, 7, 31, 0, TimeSpan.Zero), before);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 6, 31, 0, TimeSpan.Zero), after);
    }

    [Fact]
    public void A_repeated_local_hour_fires_once_in_Berlin_and_a_skipped_one_fires_right_after_the_gap_in_New_York()
    {
        var berlin = Trigger("30 2 * * *", jitterSeconds: 30, zone: "Europe/Berlin");
        var newYork = Trigger("30 2 * * *", jitterSeconds: 30, zone: "America/New_York");

        // 25 Oct 2026, Berlin falls back from CEST to CET: 02:30 happens twice; the trigger fires only the first.
        var fallBack = berlin.GetFireTimeAfter(new DateTimeOffset(2026, 10, 24, 23, 0, 0, TimeSpan.Zero));
        var dayAfter = berlin.GetFireTimeAfter(fallBack);
        // 8 Mar 2026, New York springs forward at 02:00: 02:30 does not exist and fires at 03:00 EDT (07:00Z).
        var springForward = newYork.GetFireTimeAfter(new DateTimeOffset(2026, 3, 8, 5, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 30, TimeSpan.Zero), fallBack);
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 1, 30, 30, TimeSpan.Zero), dayAfter);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 0, 30, TimeSpan.Zero), springForward);
    }

    [Fact]
    public void A_trigger_started_mid_second_still_moves_forward_on_every_fire()
    {
        var clock = new FakeTimeProvider(Start);
        var trigger = Trigger("*/10 * * * * *", jitterSeconds: 2, clock);
        // Created 0.3 ms into the second of its first jittered fire (Start + 2 s), as StartNow() can do.
        trigger.StartTimeUtc = Start.AddSeconds(2).AddTicks(3_000);

        var first = trigger.ComputeFirstFireTimeUtc(null);
        trigger.Triggered(null);

        Assert.Equal(Start.AddSeconds(2), first);
        Assert.Equal(Start.AddSeconds(12), trigger.NextFireTimeUtc);
    }

    [Fact]
    public void After_a_misfire_the_trigger_skips_to_the_first_fire_after_now()
    {
        var clock = new FakeTimeProvider(Start);
        var trigger = Trigger("*/10 * * * * *", jitterSeconds: 3, clock);
        trigger.ComputeFirstFireTimeUtc(null);
        clock.Advance(TimeSpan.FromMinutes(5));

        trigger.UpdateAfterMisfire(null);

        Assert.Equal(Start.AddMinutes(5).AddSeconds(3), trigger.NextFireTimeUtc);
    }

    [Fact]
    public void The_schedule_builder_round_trips_the_trigger_settings()
    {
        var trigger = Trigger("15 4 * * 1", jitterSeconds: 42, zone: "America/New_York");

        var rebuilt = (JitteredCronTrigger)trigger.GetScheduleBuilder().Build();

        Assert.Equal("15 4 * * 1", rebuilt.CronExpression);
        Assert.Equal("America/New_York", rebuilt.TimeZoneId);
        Assert.Equal(42, rebuilt.JitterSeconds);
        Assert.Equal(JitteredCronTrigger.SkipToNextOccurrence, rebuilt.MisfireInstructionCode);
    }

    [Fact]
    public void A_negative_jitter_or_a_bad_expression_fails_validation()
    {
        Assert.ThrowsAny<Exception>(() => Trigger("0 9 * * *", jitterSeconds: -1).Validate());
        Assert.ThrowsAny<Exception>(() => Trigger("not a cron", jitterSeconds: 0).Validate());
    }

    private static JitteredCronTrigger Trigger(string cron, int jitterSeconds, FakeTimeProvider? clock = null, string zone = "UTC") =>
        new(clock ?? new FakeTimeProvider(Start))
        {
            CronExpression = cron,
            TimeZoneId = zone,
            JitterSeconds = jitterSeconds,
            StartTimeUtc = Start,
            MisfireInstructionCode = JitteredCronTrigger.SkipToNextOccurrence,
        };
}
