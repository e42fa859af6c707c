using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class CronFieldRulesTests
{
    [Theory]
    [InlineData("1-0 * * * *", "runs backwards")]
    [InlineData("* 23-1 * * *", "runs backwards")]
    [InlineData("0 0 * DEC-JAN *", "runs backwards")]
    [InlineData("0 0 * * FRI-MON", "runs backwards")]
    [InlineData("0 0 * * 5-1/2", "runs backwards")]
    [InlineData("59-0 * * * * *", "runs backwards")]
    [InlineData("? ? ? ? ?", "'?' in the minute field")]
    [InlineData("0 ? * * *", "'?' in the hour field")]
    [InlineData("0 0 1 ? *", "'?' in the month field")]
    [InlineData("? 0 0 * * *", "'?' in the seconds field")]
    public void Backwards_ranges_and_misplaced_question_marks_are_refused(string expression, string expected)
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create(expression));

        Assert.Equal("cron_expression", ex.Field);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0-59 * * * *")]
    [InlineData("5-5 * * * *")]
    [InlineData("0 9 ? * MON-FRI")]
    [InlineData("0 9 * JAN-MAR ?")]
    [InlineData("0 9 L * *")]
    [InlineData("0 9 * * 5L")]
    [InlineData("0 9 * * MON#2")]
    [InlineData("0 0/15 * * * *")]
    public void Forward_ranges_and_day_field_question_marks_are_accepted(string expression) =>
        Assert.NotNull(CronTriggerSpec.Create(expression));

    [Fact]
    public void An_over_long_expression_is_refused_with_a_short_quote()
    {
        var ex = Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create(new string('1', 10_000)));

        Assert.True(ex.Message.Length < 200, ex.Message);
    }

    [Fact]
    public void A_NUL_in_an_expression_is_refused() =>
        Assert.Throws<DomainValidationException>(() => CronTriggerSpec.Create("0 9 * * *\0"));

    [Fact]
    public void FromStorage_reads_an_old_lower_case_zone_as_its_canonical_spelling()
    {
        var spec = CronTriggerSpec.FromStorage("0 9 * * *", "europe/berlin", disableJitter: false, jitterWindowSeconds: 0);

        Assert.Equal("Europe/Berlin", spec.TimeZoneId);
        Assert.Equal(300, spec.JitterWindowSeconds);
    }

    [Fact]
    public void FromStorage_refuses_a_zone_no_spelling_can_repair() =>
        Assert.Throws<DomainValidationException>(() => CronTriggerSpec.FromStorage("0 9 * * *", "Mars/Olympus", false, 60));
}
