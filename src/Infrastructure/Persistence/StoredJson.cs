using System.Text.Json;
using System.Text.Json.Serialization;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>The JSON shapes of the <c>deployment_config</c> and <c>trigger_config</c> columns (snake_case, stable).</summary>
internal static class StoredJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    public static string FromConfig(DeploymentConfig config) =>
        JsonSerializer.Serialize(new ConfigDocument(config.OverlapPolicy, config.ExecutionTimeoutSeconds), Options);

    /// <summary>An empty document (the column default) reads as the default configuration.</summary>
    public static DeploymentConfig ToConfig(string json)
    {
        var document = JsonSerializer.Deserialize<ConfigDocument>(json, Options);
        return document is null
            ? DeploymentConfig.Default
            : DeploymentConfig.Create(document.OverlapPolicy ?? OverlapPolicy.Skip, document.ExecutionTimeoutSeconds ?? 0);
    }

    public static string FromTrigger(TriggerSpec spec) => JsonSerializer.Serialize(spec switch
    {
        CronTriggerSpec cron => new TriggerDocument("cron", cron.Expression, cron.TimeZoneId, cron.DisableJitter, cron.JitterWindowSeconds, null, null),
        WebhookTriggerSpec webhook => new TriggerDocument("webhook", null, null, null, null, webhook.Path, [.. webhook.Methods]),
        _ => new TriggerDocument("manual", null, null, null, null, null, null),
    }, Options);

    public static TriggerSpec ToTrigger(string json)
    {
        var document = JsonSerializer.Deserialize<TriggerDocument>(json, Options)
            ?? throw new JsonException("trigger_config is empty");
        return document.Type switch
        {
            "cron" => CronTriggerSpec.Create(document.CronExpression, document.Timezone, document.DisableJitter ?? false, document.JitterWindowSeconds ?? 0),
            "webhook" => WebhookTriggerSpec.Create(document.Path, document.Methods),
            "manual" => ManualTriggerSpec.Instance,
            _ => throw new JsonException($"trigger_config has unknown type '{document.Type}'"),
        };
    }

    private sealed record ConfigDocument(OverlapPolicy? OverlapPolicy, int? ExecutionTimeoutSeconds);

    private sealed record TriggerDocument(
        string Type,
        string? CronExpression,
        string? Timezone,
        bool? DisableJitter,
        int? JitterWindowSeconds,
        string? Path,
        string[]? Methods);
}
