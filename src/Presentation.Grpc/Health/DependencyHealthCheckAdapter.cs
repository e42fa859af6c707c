using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>
/// One dependency's own check (the application port) as an ASP.NET Core <see cref="IHealthCheck"/>. A failure
/// reports the registration's failure status: <c>Unhealthy</c> for a critical dependency, <c>Degraded</c> otherwise.
/// </summary>
internal sealed class DependencyHealthCheckAdapter(IDependencyHealthCheck check) : IHealthCheck
{
    public const string LatencyKey = "latency_ms";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await check.CheckAsync(cancellationToken);
        var data = new Dictionary<string, object> { [LatencyKey] = report.LatencyMs };
        return report.Healthy
            ? HealthCheckResult.Healthy(report.Message, data)
            : new HealthCheckResult(context.Registration.FailureStatus, report.Message, data: data);
    }
}

/// <summary>
/// Registers every <see cref="IDependencyHealthCheck"/> of the container with the framework. The dependencies are
/// only known once the container exists (each adapter decides at registration whether it is there at all), so the
/// registrations are added when the health options are first read.
/// </summary>
internal sealed class DependencyHealthRegistration(IEnumerable<IDependencyHealthCheck> checks, TimeSpan timeout)
    : Microsoft.Extensions.Options.IConfigureOptions<HealthCheckServiceOptions>
{
    /// <summary>Tag of the dependencies the service cannot run without (readiness fails when one is down).</summary>
    public const string CriticalTag = "critical";

    /// <summary>Tag of the dependencies whose outage degrades the service but leaves it serving.</summary>
    public const string DegradedTag = "degraded";

    public void Configure(HealthCheckServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var check in checks)
        {
            options.Registrations.Add(new HealthCheckRegistration(
                check.Name,
                _ => new DependencyHealthCheckAdapter(check),
                check.IsCritical ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                [check.IsCritical ? CriticalTag : DegradedTag],
                timeout));
        }
    }
}
