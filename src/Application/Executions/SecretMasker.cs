using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowRuntime.Application.Executions;

/// <summary>Hides the values of secret-looking keys in a JSON payload before it reaches a log line.</summary>
public static class SecretMasker
{
    public const string Mask = "***";

    private static readonly string[] SecretKeyFragments = ["password", "passwd", "token", "secret", "authorization", "api_key", "apikey"];

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

    public static bool IsSecretKey(string key) =>
        SecretKeyFragments.Any(fragment => key.Replace("-", "_", StringComparison.Ordinal).Contains(fragment, StringComparison.OrdinalIgnoreCase));

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
