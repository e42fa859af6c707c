using System.Text.RegularExpressions;

namespace WorkflowRuntime.IntegrationTests.Observability;

/// <summary>The metric names a PromQL expression refers to (ours, the .NET runtime's and ASP.NET Core's).</summary>
internal static partial class ExportedMetricNames
{
    public static IReadOnlyList<string> In(string promQl) =>
        MetricName().Matches(promQl).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"\b(?:workflow_runtime|dotnet|http_server|kestrel|aspnetcore)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
