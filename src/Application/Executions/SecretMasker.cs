using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowRuntime.Application.Logging;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Hides the values of secret-looking keys in a JSON payload before it reaches a log line. The names are the
/// process's <see cref="SecretKeyList"/>, the same list the log redactor applies to every line.
/// </summary>
public static class SecretMasker
{
    public const string Mask = "***";

    /// <summary>The payload with every secret value replaced; a payload that is not JSON is hidden whole.</summary>
    public static string MaskJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{}";
        }

        try
        {
            var node = JsonNode.Parse(json);
            MaskNode(node);
            return node?.ToJsonString() ?? "null";
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // ArgumentException: a repeated key, which JsonDocument (trigger-data validation) accepts but the node model refuses.
            return Mask;
        }
    }

    public static bool IsSecretKey(string key) => SecretKeyList.Configured.IsSecretKey(key);

    private static void MaskNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (IsSecretKey(key))
                    {
                        obj[key] = Mask;
                    }
                    else
                    {
                        MaskNode(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    MaskNode(item);
                }

                break;
        }
    }
}
