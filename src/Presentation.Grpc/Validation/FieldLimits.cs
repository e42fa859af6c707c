using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Presentation.Grpc.Validation;

/// <summary>
/// The size of every request field, by its proto name: checked before anything else reads the request. Ids are a
/// few dozen characters, names and notes follow the domain's own limits, and the two JSON payloads follow the
/// configured byte limits. A field not listed here gets <see cref="DefaultStringLength"/>.
/// </summary>
internal sealed class FieldLimits
{
    public const int DefaultStringLength = 1024;
    public const int DefaultRepeatedCount = 100;
    public const int IdLength = 64;
    public const int MetadataEntries = 64;
    public const int MetadataKeyLength = 128;
    public const int MetadataValueLength = 512;

    /// <summary>Room for everything but the largest JSON payload in the largest legal request (metadata, triggers, names).</summary>
    public const int MessageHeadroomBytes = 256 * 1024;

    private static readonly Dictionary<string, int> StringLengths = new(StringComparer.Ordinal)
    {
        ["workflow_id"] = IdLength,
        ["execution_id"] = IdLength,
        ["trigger_id"] = IdLength,
        ["user_id"] = Deployment.MaxUserIdLength,
        ["name"] = Deployment.MaxNameLength,
        ["description"] = Deployment.MaxDescriptionLength,
        ["note"] = Deployment.MaxPauseNoteLength,
        ["reason"] = Deployment.MaxPauseNoteLength,
        ["idempotency_key"] = 255,
        ["triggered_by"] = 255,
        ["path"] = 2 * WebhookPath.MaxLength,
        ["webhook_path"] = 2 * WebhookPath.MaxLength,
        ["method"] = 16,
        ["methods"] = 16,
        ["cron_expression"] = CronTriggerSpec.MaxExpressionLength,
        ["timezone"] = 64,
        ["page_token"] = 512,
    };

    private static readonly Dictionary<string, int> RepeatedCounts = new(StringComparer.Ordinal)
    {
        ["triggers"] = Deployment.MaxTriggers,
        ["methods"] = 8,
        ["statuses"] = 16,
        ["modes"] = 16,
        ["metadata"] = MetadataEntries,
    };

    public FieldLimits(DeploymentOptions deployments, ExecutionOptions executions)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        ArgumentNullException.ThrowIfNull(executions);
        JsonPayloadBytes = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["workflow_definition"] = deployments.MaxDefinitionBytes,
            ["trigger_data"] = executions.MaxTriggerDataBytes,
        };
    }

    /// <summary>JSON payload fields and their byte limits; over the limit is RESOURCE_EXHAUSTED, not INVALID_ARGUMENT.</summary>
    public IReadOnlyDictionary<string, int> JsonPayloadBytes { get; }

    /// <summary>The gRPC server's receive limit: the largest legal request, so an over-long field is refused before it is read.</summary>
    public int MaxReceiveMessageSize => JsonPayloadBytes.Values.Max() + MessageHeadroomBytes;

    public static int MaxLength(string field) => StringLengths.GetValueOrDefault(field, DefaultStringLength);

    public static int MaxCount(string field) => RepeatedCounts.GetValueOrDefault(field, DefaultRepeatedCount);
}
