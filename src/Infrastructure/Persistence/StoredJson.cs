using System.Text.Json;
using System.Text.Json.Serialization;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;
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

    /// <summary>
    /// <c>max_pending</c> is derived (policy and limit), stored so the database's pending-run bound (ADR 0026) reads it
    /// from the row the deployment fence already looks at, and ignored when read back.
    /// </summary>
    public static string FromConfig(DeploymentConfig config) =>
        JsonSerializer.Serialize(new ConfigDocument(config.OverlapPolicy, config.ExecutionTimeoutSeconds,
            config.CatchUpWindowSeconds, config.BufferLimit, config.MaxPending), Options);

    /// <summary>An empty document (the column default) reads as the default configuration.</summary>
    public static DeploymentConfig ToConfig(string json)
    {
        var document = JsonSerializer.Deserialize<ConfigDocument>(json, Options);
        return document is null
            ? DeploymentConfig.Default
            : DeploymentConfig.Create(document.OverlapPolicy ?? OverlapPolicy.Skip, document.ExecutionTimeoutSeconds ?? 0,
                document.CatchUpWindowSeconds ?? 0, document.BufferLimit ?? 0);
    }

    public static string FromTrigger(TriggerSpec spec) => spec is UnusableTriggerSpec unusable
        ? unusable.StoredConfig
        : JsonSerializer.Serialize(spec switch
    {
        CronTriggerSpec cron => new TriggerDocument("cron", cron.Expression, cron.TimeZoneId, cron.DisableJitter, cron.JitterWindowSeconds, null, null),
        WebhookTriggerSpec webhook => new TriggerDocument("webhook", null, null, null, null, webhook.Path, [.. webhook.Methods]),
        _ => new TriggerDocument("manual", null, null, null, null, null, null),
    }, Options);

    /// <summary>
    /// Reads a stored trigger under the rules it was stored with. A row that cannot be used any more becomes an
    /// <see cref="UnusableTriggerSpec"/> instead of an exception: one bad row must not fail a whole page or the
    /// scheduler's reconcile pass (the repository logs it).
    /// </summary>
    public static TriggerSpec ToTrigger(string json)
    {
        TriggerDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<TriggerDocument>(json, Options);
        }
        catch (JsonException ex)
        {
            return new UnusableTriggerSpec(TriggerType.Manual, json, $"trigger_config is not readable: {ex.Message}");
        }

        if (document is null)
        {
            return new UnusableTriggerSpec(TriggerType.Manual, json, "trigger_config is empty");
        }

        try
        {
            return document.Type switch
            {
                "cron" => CronTriggerSpec.FromStorage(document.CronExpression, document.Timezone, document.DisableJitter ?? false,
                    document.JitterWindowSeconds ?? 0),
                "webhook" => WebhookTriggerSpec.FromStorage(document.Path, document.Methods),
                "manual" => ManualTriggerSpec.Instance,
                _ => new UnusableTriggerSpec(TriggerType.Manual, json, $"trigger_config has unknown type '{document.Type}'"),
            };
        }
        catch (DomainValidationException ex)
        {
            var type = document.Type == "webhook" ? TriggerType.Webhook : TriggerType.Cron;
            return new UnusableTriggerSpec(type, json, ex.Message)
            {
                Expression = document.CronExpression,
                TimeZoneId = document.Timezone,
                Path = document.Path,
            };
        }
    }

    private sealed record ConfigDocument(OverlapPolicy? OverlapPolicy, int? ExecutionTimeoutSeconds, int? CatchUpWindowSeconds = null,
        int? BufferLimit = null, int? MaxPending = null);

    private sealed record TriggerDocument(
        string Type,
        string? CronExpression,
        string? Timezone,
        bool? DisableJitter,
        int? JitterWindowSeconds,
        string? Path,
        string[]? Methods);
}
