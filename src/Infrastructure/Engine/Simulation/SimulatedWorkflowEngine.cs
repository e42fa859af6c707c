using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>The embedded profile's <see cref="IWorkflowEngine"/>: the <see cref="EngineSimulation"/>, called in process.</summary>
public sealed class SimulatedWorkflowEngine(EngineSimulation simulation) : IWorkflowEngine
{
    public Task<EngineStartResult> ExecuteAsync(EngineStartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        var run = simulation.Execute(
            request.WorkflowId.ToString(),
            request.WorkflowDefinition,
            request.Mode,
            request.TriggeredBy ?? string.Empty,
            request.InputData,
            request.Metadata,
            request.IdempotencyKey);
        return Task.FromResult(new EngineStartResult(run.ExecutionId, run.Status, "accepted"));
    }

    public Task<EngineExecutionState> GetStatusAsync(string engineExecutionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(engineExecutionId);
        cancellationToken.ThrowIfCancellationRequested();

        var run = simulation.Find(engineExecutionId)
            ?? throw new EngineRejectedException($"The simulated engine has no execution {engineExecutionId}.");
        return Task.FromResult(new EngineExecutionState(run.Status, run.ResultData, run.ErrorMessage));
    }

    public Task<EngineCancelResult> CancelAsync(string engineExecutionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(engineExecutionId);
        cancellationToken.ThrowIfCancellationRequested();

        // A run that already finished keeps its status, as with the real engine: not an error, and its end is reported.
        return Task.FromResult(simulation.Cancel(engineExecutionId, reason) switch
        {
            SimulatedCancelOutcome.Canceled => EngineCancelResult.Canceled(),
            SimulatedCancelOutcome.AlreadyFinished when simulation.Find(engineExecutionId) is { } run =>
                EngineCancelResult.AlreadyFinished(new EngineExecutionState(run.Status, run.ResultData, run.ErrorMessage)),
            _ => EngineCancelResult.UnknownRun($"The simulated engine has no execution {engineExecutionId}."),
        });
    }
}
