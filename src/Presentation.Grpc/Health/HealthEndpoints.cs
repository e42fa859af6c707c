using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>
/// Plain HTTP probes for the platform: <c>/health</c> (the full JSON report), <c>/health/live</c> (the process
/// answers) and <c>/health/ready</c> (critical dependencies reachable: 200, else 503).
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints, int httpPort)
    {
        var host = $"*:{httpPort}";
        endpoints.MapGet("/health", async (DependencyHealthReporter reporter, RuntimeInstance instance, TimeProvider clock, CancellationToken ct) =>
        {
            var report = await reporter.CheckAsync(ct);
            var body = new
            {
                status = report.Status,
                version = instance.Version,
                instance_id = instance.InstanceId,
                started_at = instance.StartedAt,
                time = clock.GetUtcNow(),
                dependencies = report.Dependencies.Select(d => new
                {
                    name = d.Name,
                    healthy = d.Healthy,
                    state = d.Healthy ? "up" : "down",
                    latency_ms = Math.Round(d.LatencyMs, 2),
                    message = d.Message,
                }),
            };
            return Results.Json(body, statusCode: report.Status == DependencyHealthReporter.Unhealthy ? 503 : 200);
        }).RequireHost(host);

        endpoints.MapGet("/health/live", () => Results.Json(new { status = "alive" })).RequireHost(host);

        endpoints.MapGet("/health/ready", async (DependencyHealthReporter reporter, CancellationToken ct) =>
        {
            var report = await reporter.CheckAsync(ct);
            return Results.Json(new { status = report.Status },
                statusCode: report.Status == DependencyHealthReporter.Unhealthy ? 503 : 200);
        }).RequireHost(host);
    }
}

/// <summary>Feeds <c>grpc.health.v1</c>: SERVING unless a critical dependency is down.</summary>
internal sealed class DependenciesHealthCheck(DependencyHealthReporter reporter) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = await reporter.CheckAsync(cancellationToken);
        var description = string.Join("; ", report.Dependencies.Select(d => $"{d.Name}: {(d.Healthy ? "up" : d.Message)}"));
        return report.Status switch
        {
            DependencyHealthReporter.Healthy => HealthCheckResult.Healthy(description),
            DependencyHealthReporter.Degraded => HealthCheckResult.Degraded(description),
            _ => HealthCheckResult.Unhealthy(description),
        };
    }
}
