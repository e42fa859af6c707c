namespace RuntimeSmokeClient;

/// <summary>
/// <c>--grpc http://host:50051 --http http://host:8080 [--timezone Europe/Berlin] [--expect SUCCESS]
/// [--workflow-id UUID] [--timeout-seconds 60]</c>.
/// </summary>
internal sealed record SmokeArguments(Uri Grpc, Uri Http, string TimeZone, string ExpectedStatus, string? WorkflowId, int TimeoutSeconds)
{
    public const string Usage =
        "usage: RuntimeSmokeClient --grpc http://127.0.0.1:50051 --http http://127.0.0.1:8080 "
        + "[--timezone Europe/Berlin] [--expect SUCCESS|ERROR] [--workflow-id UUID] [--timeout-seconds 60]";

    /// <summary>The arguments, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static SmokeArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                error = $"'{args[i]}' needs a value. {Usage}";
                return null;
            }

            values[args[i][2..]] = args[i + 1];
        }

        if (!values.TryGetValue("grpc", out var grpc) || !Uri.TryCreate(grpc, UriKind.Absolute, out var grpcUri)
            || !values.TryGetValue("http", out var http) || !Uri.TryCreate(http, UriKind.Absolute, out var httpUri))
        {
            error = $"--grpc and --http must be absolute URLs. {Usage}";
            return null;
        }

        var timeout = values.TryGetValue("timeout-seconds", out var seconds) && int.TryParse(seconds, out var parsed) ? parsed : 60;
        error = null;
        return new SmokeArguments(
            grpcUri,
            httpUri,
            values.GetValueOrDefault("timezone", "Europe/Berlin"),
            values.GetValueOrDefault("expect", "SUCCESS"),
            values.GetValueOrDefault("workflow-id"),
            timeout);
    }
}
