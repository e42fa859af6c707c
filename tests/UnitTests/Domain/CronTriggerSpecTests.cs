using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class CronTriggerSpecTests
{
    [Theory]
    [InlineData("0 9 * * *", false)]
    [InlineData("*/5 * * * *", false)]
    [InlineData("0 9 * * MON-FRI", false)]
    [InlineData("30 0 9 * * *", true)]
    [InlineData("*/10 * * * * *", true)]
    public void Create_accepts_five_and_six_field_expressions(string expression, bool hasSeconds)
    {
        var spec = CronTriggerSpec.Create(expression);

        Assert.Equal(expression, spec.Expression);
        Assert.Equal(hasSeconds, spec.HasSeconds);
        Assert.Equal(TriggerType.Cron, spec.Type);
    }

    [Fact]
    public void Create_trims_and_collapses_whitespace_between_fields()
    {
        var spec = CronTriggerSpec.Create("  0   9 *  * * ");

        Assert.Equal("0 9 * * *", spec.Expression);
        Assert.False(spec.HasSeconds);
    }

    [Theory]
    [InlineData("*/1 * * * *", 60)]       // every minute: the gap caps the window
    [InlineData("*/2 * * * *", 120)]
    [InlineData("0 9 * * *", 300)]        // daily: default window
    [InlineData("0 * * * *", 300)]        // hourly: gap (3600) above the default
    [InlineData("*/10 * * * * *", 10)]    // every ten seconds
    [InlineData("* * * * * *", 1)]        // every second
    public void EffectiveJitterWindowSeconds_is_the_default_capped_by_the_shortest_gap(string expression, int expected) =>
        Assert.Equal(expected, CronTriggerSpec.Create(expression).EffectiveJitterWindowSeconds);

    [Theory]
    [InlineData(60, 60)]
    [InlineData(0, JitterPolicy.DefaultWindowSeconds)]
    [InlineData(1, 1)]
    [InlineData(CronTriggerSpec.MaxJitterWindowSeconds, CronTriggerSpec.MaxJitterWindowSeconds)]
    public void Create_takes_the_configured_window_on_a_daily_cron(int configured, int expected)
    {
        var spec = CronTriggerSpec.Create("0 9 * * *", jitterWindowSeconds: configured);

        Assert.Equal(expected, spec.JitterWindowSeconds);
        Assert.Equal(expected, spec.EffectiveJitterWindowSeconds);
    }

    [Fact]
    public void A_configured_window_wider_than_the_gap_is_capped_by_the_gap()
    {
        var spec = CronTriggerSpec.Create("*/5 * * * *", jitterWindowSeconds: 3600);

        Assert.Equal(3600, spec.JitterWindowSeconds);
        Assert.Equal(300, spec.EffectiveJitterWindowSeconds);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(CronTriggerSpec.MaxJitterWindowSeconds + 1)]
    [InlineData(int.MinValue)]
    public void Create_refuses_a_window_outside_0_to_3600(int window)
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create("0 9 * * *", jitterWindowSeconds: window));

        Assert.Equal("jitter_window_seconds", ex.Field);
        Assert.Contains(window.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("* * * *")]                 // four fields
    [InlineData("0 0 9 * * * *")]           // seven fields
    [InlineData("61 * * * *")]              // minute out of range
    [InlineData("0 25 * * *")]              // hour out of range
    [InlineData("banana * * * *")]
    [InlineData("0 9 * * MOON")]
    public void Create_refuses_an_invalid_expression_naming_it(string expression)
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create(expression));

        Assert.Equal("cron_expression", ex.Field);
        Assert.Contains(expression, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_requires_an_expression(string? expression)
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create(expression));

        Assert.Equal("cron_expression", ex.Field);
    }

    [Fact]
    public void Create_refuses_an_expression_that_never_fires()
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create("0 0 30 2 *"));

        Assert.Equal("cron_expression", ex.Field);
        Assert.Contains("0 0 30 2 *", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("Not a zone")]
    public void Create_refuses_an_unknown_time_zone(string zone)
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create("0 9 * * *", zone));

        Assert.Equal("timezone", ex.Field);
        Assert.Contains(zone, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Create_defaults_an_empty_zone_to_utc(string? zone) =>
        Assert.Equal("UTC", CronTriggerSpec.Create("0 9 * * *", zone).TimeZoneId);

    [Fact]
    public void Create_keeps_a_known_zone() =>
        Assert.Equal("Europe/Berlin", CronTriggerSpec.Create("0 9 * * *", " Europe/Berlin ").TimeZoneId);

    [Theory]
    [InlineData("0 9 * * *", "wf-001")]
    [InlineData("*/1 * * * *", "wf-001")]
    [InlineData("*/10 * * * * *", "workflow-42")]
    [InlineData("0 9 * * *", "8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11")]
    public void JitterFor_is_the_policy_jitter_over_the_effective_window(string expression, string workflowId)
    {
        var spec = CronTriggerSpec.Create(expression);

        var jitter = spec.JitterFor(workflowId);

        Assert.Equal(JitterPolicy.CalculateJitter(workflowId, spec.EffectiveJitterWindowSeconds), jitter);
        Assert.InRange(jitter, 0, spec.EffectiveJitterWindowSeconds - 1);
    }

    [Fact]
    public void JitterFor_known_vectors()
    {
        Assert.Equal(157, CronTriggerSpec.Create("0 9 * * *").JitterFor("wf-001"));
        Assert.Equal(37, CronTriggerSpec.Create("*/1 * * * *").JitterFor("wf-001"));
    }

    [Fact]
    public void JitterFor_is_zero_when_jitter_is_disabled()
    {
        var spec = CronTriggerSpec.Create("0 9 * * *", disableJitter: true);

        Assert.True(spec.DisableJitter);
        Assert.Equal(0, spec.JitterFor("wf-001"));
    }

    [Fact]
    public void NextOccurrenceAfter_is_strictly_after_the_instant()
    {
        var spec = CronTriggerSpec.Create("0 9 * * *");

        Assert.Equal(Utc("2025-06-02T09:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-06-01T09:00:00Z")));
        Assert.Equal(Utc("2025-06-01T09:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-06-01T08:59:59Z")));
    }

    [Fact]
    public void NextOccurrenceAfter_converts_a_non_utc_offset()
    {
        var spec = CronTriggerSpec.Create("0 9 * * *");

        // 10:00+02:00 is 08:00Z, so 09:00Z the same day is next (reading 10:00 as UTC would give the next day).
        var next = spec.NextOccurrenceAfter(new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.FromHours(2)));

        Assert.Equal(Utc("2025-06-01T09:00:00Z"), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
    }

    [Fact]
    public void NextOccurrenceAfter_resolves_in_the_time_zone() =>
        Assert.Equal(Utc("2025-06-01T07:00:00Z"),
            CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin").NextOccurrenceAfter(Utc("2025-06-01T00:00:00Z")));

    [Fact]
    public void NextOccurrenceAfter_has_second_resolution_for_six_fields()
    {
        var spec = CronTriggerSpec.Create("*/10 * * * * *");

        Assert.Equal(Utc("2025-06-01T12:00:10Z"), spec.NextOccurrenceAfter(Utc("2025-06-01T12:00:00Z")));
        Assert.Equal(Utc("2025-06-01T12:00:10Z"), spec.NextOccurrenceAfter(Utc("2025-06-01T12:00:03.500Z")));
        Assert.Equal(Utc("2025-06-01T12:01:00Z"), spec.NextOccurrenceAfter(Utc("2025-06-01T12:00:50Z")));
    }

    [Fact]
    public void New_York_spring_forward_skipped_0200_fires_at_0300_EDT()
    {
        var spec = CronTriggerSpec.Create("0 2 * * *", "America/New_York");

        // 2025-03-09: clocks jump from 02:00 EST to 03:00 EDT (07:00Z); the day before is still EST.
        Assert.Equal(Utc("2025-03-08T07:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-03-08T05:00:00Z")));
        Assert.Equal(Utc("2025-03-09T07:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-03-09T05:00:00Z")));
        Assert.Equal(Utc("2025-03-10T06:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-03-09T07:00:00Z")));
    }

    [Fact]
    public void New_York_fall_back_repeated_0130_fires_once_at_the_first_0130_EDT()
    {
        var spec = CronTriggerSpec.Create("30 1 * * *", "America/New_York");

        // 2025-11-02: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST); only the first fires.
        var first = spec.NextOccurrenceAfter(Utc("2025-11-02T04:00:00Z"));
        Assert.Equal(Utc("2025-11-02T05:30:00Z"), first);
        Assert.Equal(Utc("2025-11-03T06:30:00Z"), spec.NextOccurrenceAfter(first!.Value));
    }

    [Fact]
    public void Berlin_spring_forward_skipped_0230_fires_at_0300_CEST_which_is_0100Z()
    {
        var spec = CronTriggerSpec.Create("30 2 * * *", "Europe/Berlin");

        // 2025-03-30: clocks jump from 02:00 CET (01:00Z) to 03:00 CEST; 02:30 does not exist and Cronos
        // fires at the first instant after the gap.
        Assert.Equal(Utc("2025-03-30T01:00:00Z"), spec.NextOccurrenceAfter(Utc("2025-03-30T00:00:00Z")));
        Assert.Equal(Utc("2025-03-31T00:30:00Z"), spec.NextOccurrenceAfter(Utc("2025-03-30T01:00:00Z")));
    }

    [Fact]
    public void Equal_arguments_make_equal_specs_with_equal_hash_codes()
    {
        var a = CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin", disableJitter: false, jitterWindowSeconds: 60);
        var b = CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin", disableJitter: false, jitterWindowSeconds: 60);

        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData("0 10 * * *", "Europe/Berlin", false, 60)]
    [InlineData("0 9 * * *", "UTC", false, 60)]
    [InlineData("0 9 * * *", "Europe/Berlin", true, 60)]
    [InlineData("0 9 * * *", "Europe/Berlin", false, 120)]
    public void Specs_differing_in_any_argument_are_not_equal(string expression, string zone, bool disableJitter, int window)
    {
        var reference = CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin", disableJitter: false, jitterWindowSeconds: 60);

        Assert.NotEqual(reference, CronTriggerSpec.Create(expression, zone, disableJitter, window));
    }

    private static DateTimeOffset Utc(string instant) =>
        DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}
