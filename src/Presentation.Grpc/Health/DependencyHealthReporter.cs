using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Presentation.Grpc.Health;

/// <summary>Asks every dependency at once and folds the answers into one verdict.</summary>
public sealed class DependencyHealthReporter(IEnumerable<IDependencyHealthCheck> checks)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    public async Task<SystemHealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var list = checks.ToList();
        var reports = await Task.WhenAll(list.Select(check => check.CheckAsync(cancellationToken)));
        var status = Healthy;
        for (var i = 0; i < list.Count; i++)
        {
            if (reports[i].Healthy)
            {
                continue;
            }

            if (list[i].IsCritical)
            {
                status = Unhealthy;
                break;
            }

            status = Degraded;
        }

        return new SystemHealthReport(status, reports);
    }
}

/// <param name="Status">One of healthy, degraded (a non-critical dependency is down), unhealthy.</param>
public sealed record SystemHealthReport(string Status, IReadOnlyList<DependencyHealth> Dependencies);
