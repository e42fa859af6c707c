namespace WorkflowRuntime.Application.Abstractions;

/// <summary>One external dependency (database, lock store, engine) that can say whether it is reachable.</summary>
public interface IDependencyHealthCheck
{
    /// <summary>The dependency's name as operators see it: <c>postgres</c>, <c>redis</c>, <c>engine</c>, …</summary>
    string Name { get; }

    /// <summary>Whether the service can run at all without it (false: an outage makes the service degraded, not down).</summary>
    bool IsCritical { get; }

    /// <summary>Never throws and never outlasts its own timeout: an unreachable dependency is a report, not an exception.</summary>
    Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default);
}

public sealed record DependencyHealth(string Name, bool Healthy, double LatencyMs, string Message);
