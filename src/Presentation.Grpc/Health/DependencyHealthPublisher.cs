using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowRuntime.Application.Diagnostics;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>
/// Feeds the <c>workflow_runtime.dependency.healthy</c> gauge from the framework's periodic health run, so the
/// "database down" alert needs no probe of its own and a scrape never waits for a dependency.
/// </summary>
internal sealed class DependencyHealthPublisher : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        TelemetryGauges.SetDependencyHealth(report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy));
        return Task.CompletedTask;
    }
}
