using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>
/// Reads ASP.NET Core's <see cref="HealthCheckService"/> (every dependency registered there by
/// <see cref="DependencyHealthRegistration"/>, run in parallel, each with its timeout) and folds its report into the
/// service's own vocabulary, so <c>/health</c>, <c>/health/ready</c> and <c>GetSystemHealth</c> read one report.
/// </summary>
public sealed class DependencyHealthReporter(HealthCheckService health)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    public async Task<SystemHealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        return new SystemHealthReport(StatusOf(report.Status), report.Entries.Select(Describe).ToList());
    }

    public static string StatusOf(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => Healthy,
        HealthStatus.Degraded => Degraded,
        _ => Unhealthy,
    };

    private static DependencyHealth Describe(KeyValuePair<string, HealthReportEntry> entry)
    {
        var (name, result) = entry;
        // The dependency measured its own round trip; a check the framework cut off at its timeout did not.
        var latency = result.Data.TryGetValue(DependencyHealthCheckAdapter.LatencyKey, out var value) && value is double ms
            ? ms
            : result.Duration.TotalMilliseconds;
        var message = result.Description ?? result.Exception?.Message
            ?? (result.Status == HealthStatus.Healthy ? "reachable" : "no answer within the check's timeout");
        return new DependencyHealth(name, result.Status == HealthStatus.Healthy, latency, message);
    }
}

/// <param name="Status">One of healthy, degraded (a non-critical dependency is down), unhealthy.</param>
public sealed record SystemHealthReport(string Status, IReadOnlyList<DependencyHealth> Dependencies);
