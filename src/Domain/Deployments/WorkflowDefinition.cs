using System.Text.Json;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Deployments;

/// <summary>
/// The workflow graph handed to the engine, kept as the JSON the caller sent. Valid when it is an object whose
/// <c>nodes</c> is a non-empty array of objects with a unique non-empty <c>id</c> and a <c>type</c>, and whose
/// <c>connections</c>, when present, is an array of <c>{ "source": id, "target": id }</c> naming existing nodes.
/// </summary>
public sealed record WorkflowDefinition
{
    private const string Field = "workflow_definition";

    private WorkflowDefinition(string json)
    {
        Json = json;
    }

    public string Json { get; }

    /// <summary>Rebuilds a definition that was validated before it was stored; for the persistence adapter only.</summary>
    public static WorkflowDefinition FromStorage(string json) => new(json);

    public static WorkflowDefinition Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new DomainValidationException(Field, "workflow_definition is required: a JSON object with a non-empty 'nodes' array.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DomainValidationException(Field, $"workflow_definition is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DomainValidationException(Field, "workflow_definition must be a JSON object.");
            }

            if (JsonText.FindUnstorable(json) is { } problem)
            {
                throw new DomainValidationException(Field, $"workflow_definition cannot be stored: {problem}.");
            }

            var nodeIds = ReadNodeIds(root);
            CheckConnections(root, nodeIds);
            return new WorkflowDefinition(json);
        }
    }

    private static HashSet<string> ReadNodeIds(JsonElement root)
    {
        if (!root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array || nodes.GetArrayLength() == 0)
        {
            throw new DomainValidationException($"{Field}.nodes", "workflow_definition.nodes must be a non-empty array.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var node in nodes.EnumerateArray())
        {
            var path = $"{Field}.nodes[{index}]";
            if (node.ValueKind != JsonValueKind.Object)
            {
                throw new DomainValidationException(path, $"{path} must be an object.");
            }

            var id = node.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()
                : null;
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new DomainValidationException($"{path}.id", $"{path}.id must be a non-empty string.");
            }

            if (!ids.Add(id))
            {
                throw new DomainValidationException($"{path}.id", $"{path}.id '{InputText.Quote(id)}' is used by another node; node ids must be unique.");
            }

            if (!node.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(type.GetString()))
            {
                throw new DomainValidationException($"{path}.type", $"{path}.type must be a non-empty string.");
            }

            index++;
        }

        return ids;
    }

    private static void CheckConnections(JsonElement root, HashSet<string> nodeIds)
    {
        if (!root.TryGetProperty("connections", out var connections) || connections.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (connections.ValueKind != JsonValueKind.Array)
        {
            throw new DomainValidationException($"{Field}.connections", "workflow_definition.connections must be an array of {source, target} objects.");
        }

        var index = 0;
        foreach (var connection in connections.EnumerateArray())
        {
            var path = $"{Field}.connections[{index}]";
            if (connection.ValueKind != JsonValueKind.Object)
            {
                throw new DomainValidationException(path, $"{path} must be an object with 'source' and 'target'.");
            }

            foreach (var end in new[] { "source", "target" })
            {
                var nodeId = connection.TryGetProperty(end, out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
                if (nodeId is null || !nodeIds.Contains(nodeId))
                {
                    throw new DomainValidationException($"{path}.{end}", $"{path}.{end} '{InputText.Quote(nodeId)}' does not name a node of this workflow.");
                }
            }

            index++;
        }
    }
}
