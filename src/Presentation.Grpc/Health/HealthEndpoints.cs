using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>
/// Plain HTTP probes for the platform: <c>/health</c> (the full JSON report; <c>HEAD</c> answers the same status
/// without a body), <c>/health/live</c> (the process answers) and <c>/health/ready</c> (critical dependencies
/// reachable: 200, else 503). All read the one framework report through <see cref="DependencyHealthReporter"/>.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints, int httpPort)
    {
        var host = $"*:{httpPort}";
        endpoints.MapMethods("/health", [HttpMethods.Get, HttpMethods.Head], async (DependencyHealthReporter reporter, RuntimeInstance instance, TimeProvider clock, CancellationToken ct) =>
        {
            var report = await reporter.CheckAsync(ct);
            var now = clock.GetUtcNow();
            var body = new
            {
                status = report.Status,
                version = instance.Version,
                instance_id = instance.InstanceId,
                started_at = instance.StartedAt,
                time = now,
                timestamp = now,
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
