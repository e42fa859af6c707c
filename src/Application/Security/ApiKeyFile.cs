using System.Text.Json;

namespace WorkflowRuntime.Application.Security;

/// <summary>
/// Reads the API key file (a JSON array of <c>{"name","sha256","allow"}</c>). Strict on purpose: an unknown property,
/// a duplicate name or hash, a malformed hash or permission is an error naming the entry, so a typo cannot silently
/// lock the gateway out or let a key do more than meant.
/// </summary>
public static class ApiKeyFile
{
    private static readonly string[] KnownProperties = ["name", "sha256", "allow"];

    /// <exception cref="ApiKeyFileException">The text is not a valid key file; the message says what and where.</exception>
    public static IReadOnlyList<ApiKey> Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ApiKeyFileException($"API key file {source} is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ApiKeyFileException($"API key file {source} must be a JSON array of {{\"name\",\"sha256\",\"allow\"}} objects.");
            }

            var keys = new List<ApiKey>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                index++;
                keys.Add(ParseEntry(element, $"API key file {source}, entry {index}"));
            }

            if (keys.Count == 0)
            {
                throw new ApiKeyFileException($"API key file {source} lists no keys; every call would be refused.");
            }

            RejectDuplicates(keys, source);
            return keys;
        }
    }

    private static ApiKey ParseEntry(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ApiKeyFileException($"{where} must be an object with \"name\", \"sha256\" and \"allow\".");
        }

        var unknown = element.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !KnownProperties.Contains(n));
        if (unknown is not null)
        {
            throw new ApiKeyFileException($"{where} has an unknown property \"{unknown}\" (allowed: name, sha256, allow).");
        }

        var name = StringProperty(element, "name");
        if (string.IsNullOrWhiteSpace(name) || name.Length > 255)
        {
            throw new ApiKeyFileException($"{where} needs a \"name\" of 1 to 255 characters (it becomes the caller's name in logs and triggered_by).");
        }

        where = $"{where} (\"{name}\")";
        var hash = ApiKeyHash.FromHex(StringProperty(element, "sha256"))
                   ?? throw new ApiKeyFileException(
                       $"{where}: \"sha256\" must be the 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum).");

        if (!element.TryGetProperty("allow", out var allow) || allow.ValueKind != JsonValueKind.Array || allow.GetArrayLength() == 0)
        {
            throw new ApiKeyFileException($"{where}: \"allow\" must be a non-empty array such as [\"WorkflowRuntimeService/TriggerWorkflow\"].");
        }

        var permissions = new List<RpcPermission>();
        foreach (var entry in allow.EnumerateArray())
        {
            var permission = RpcPermission.TryParse(entry.ValueKind == JsonValueKind.String ? entry.GetString() : entry.GetRawText(), out var error)
                             ?? throw new ApiKeyFileException($"{where}: \"allow\" entry {error}.");
            permissions.Add(permission);
        }

        return new ApiKey(name, hash, permissions);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void RejectDuplicates(List<ApiKey> keys, string source)
    {
        var name = keys.GroupBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (name is not null)
        {
            throw new ApiKeyFileException($"API key file {source} names \"{name}\" twice; names identify callers and must be unique.");
        }

        var hash = keys.GroupBy(k => ApiKeyHash.ToHex(k.Sha256.Span), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (hash is not null)
        {
            throw new ApiKeyFileException(
                $"API key file {source} has the same sha256 for {string.Join(" and ", hash.Select(k => $"\"{k.Name}\""))}; one key must name one caller.");
        }
    }
}

/// <summary>The API key file is unusable; the message names the file, the entry and the problem.</summary>
public sealed class ApiKeyFileException(string message) : Exception(message);
