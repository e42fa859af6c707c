using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>
/// The simulated engine runs in this process, so it is always there; it is still listed in health so an operator
/// sees which engine the instance runs on (a production instance showing this entry is misconfigured).
/// </summary>
public sealed class SimulatedEngineHealthCheck : IDependencyHealthCheck
{
    public string Name => "engine";

    public bool IsCritical => false;

    public Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new DependencyHealth(Name, true, 0, "The simulated engine runs in this process (no WorkflowRuntime:Engine:Address set)."));
}
