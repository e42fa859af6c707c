using System.Text.Json;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>The service's JSON log of the whole run, counted by level and event (the first message of each kept), read at the end.</summary>
internal static class ServiceLogSummary
{
    private const int MessageLength = 300;

    public static IReadOnlyList<LoggedEvent> Read(string path)
    {
        var events = new Dictionary<(string Level, string Event), (long Count, string First)>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var (level, name, message) = Parse(line);
            var key = (level, name);
            events[key] = events.TryGetValue(key, out var seen) ? (seen.Count + 1, seen.First) : (1, message);
        }

        return [.. events.OrderBy(e => Rank(e.Key.Level)).ThenByDescending(e => e.Value.Count)
            .Select(e => new LoggedEvent(e.Key.Level, e.Key.Event, e.Value.Count, e.Value.First))];
    }

    private static (string Level, string Event, string Message) Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var message = root.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            return (Text(root, "level"), Text(root, "event"), message.Length <= MessageLength ? message : message[..MessageLength] + "…");
        }
        catch (JsonException)
        {
            // Not the service's JSON (e.g. the runtime's own crash output): worth seeing as it is.
            return ("(not JSON)", "(raw line)", line.Length <= MessageLength ? line : line[..MessageLength] + "…");
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "?";

    /// <summary>The service writes <c>trace</c>, <c>debug</c>, <c>info</c>, <c>warning</c>, <c>error</c>, <c>critical</c>.</summary>
    public static bool IsRoutine(string level) => Rank(level) >= 4;

    private static int Rank(string level) => level.ToLowerInvariant() switch
    {
        "critical" => 0,
        "error" => 1,
        "warning" => 2,
        "(not json)" => 3,
        _ => 4,
    };
}

internal sealed record LoggedEvent(string Level, string Event, long Count, string FirstMessage);
