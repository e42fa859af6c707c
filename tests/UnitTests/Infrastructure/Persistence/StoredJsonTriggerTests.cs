using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Persistence;

namespace WorkflowRuntime.UnitTests.Infrastructure.Persistence;

/// <summary>A stored trigger never fails a read: old spellings are repaired, unusable rows kept as they are.</summary>
public sealed class StoredJsonTriggerTests
{
    [Fact]
    public void A_zone_stored_in_another_case_reads_as_its_canonical_spelling()
    {
        var spec = Assert.IsType<CronTriggerSpec>(StoredJson.ToTrigger(
            """{"type":"cron","cron_expression":"0 9 * * *","timezone":"europe/berlin","disable_jitter":false,"jitter_window_seconds":300}"""));

        Assert.Equal("Europe/Berlin", spec.TimeZoneId);
    }

    [Theory]
    [InlineData("""{"type":"cron","cron_expression":"0 9 * * *","timezone":"America"}""", TriggerType.Cron)]
    [InlineData("""{"type":"cron","cron_expression":"not cron","timezone":"UTC"}""", TriggerType.Cron)]
    [InlineData("""{"type":"sms"}""", TriggerType.Manual)]
    [InlineData("""[1,2]""", TriggerType.Manual)]
    [InlineData("""null""", TriggerType.Manual)]
    public void A_row_that_cannot_be_used_reads_as_unusable_and_writes_back_unchanged(string json, TriggerType type)
    {
        var spec = Assert.IsType<UnusableTriggerSpec>(StoredJson.ToTrigger(json));

        Assert.Equal(type, spec.Type);
        Assert.False(string.IsNullOrWhiteSpace(spec.Problem));
        Assert.Equal(json, StoredJson.FromTrigger(spec));
    }

    [Fact]
    public void An_unusable_cron_row_keeps_its_stored_fields_for_display()
    {
        var spec = Assert.IsType<UnusableTriggerSpec>(StoredJson.ToTrigger(
            """{"type":"cron","cron_expression":"0 9 * * *","timezone":"Europe"}"""));

        Assert.Equal("0 9 * * *", spec.Expression);
        Assert.Equal("Europe", spec.TimeZoneId);
    }

    [Fact]
    public void A_legacy_webhook_path_is_read_as_stored() =>
        Assert.Equal("legacy/", Assert.IsType<WebhookTriggerSpec>(StoredJson.ToTrigger("""{"type":"webhook","path":"legacy/","methods":["POST"]}""")).Path);
}
