using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Hands an admitted run to the engine, records RUNNING (or the engine's refusal) and gives the run to the
/// <see cref="ExecutionTracker"/>. The row is committed before the engine is called, so the run proceeds even if the
/// caller gives up now (its response is lost; a retry with the same idempotency key finds this run).
/// </summary>
public sealed class ExecutionLauncher(
    IWorkflowEngine engine,
    ExecutionStateWriter writer,
    ExecutionTracker tracker,
    TimeProvider clock,
    ILogger<ExecutionLauncher> logger)
{
    public async Task<Execution> LaunchAsync(Deployment deployment, Execution execution, LockHandle? handle,
        IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(execution);
        EngineStartResult started;
        try
        {
            // Not the caller's token: the engine client bounds the call itself, and the run must not be abandoned.
            started = await engine.ExecuteAsync(EngineDispatch.For(deployment, execution, metadata), CancellationToken.None);
        }
        catch (Exception ex) when (ex is EngineUnavailableException or EngineRejectedException)
        {
            ExecutionLog.EngineUnavailable(logger, execution.Id, deployment.Id, ex.Message);
            var reason = $"the engine did not take the run: {ex.Message}";
            var failedAt = clock.GetUtcNow();
            await WriteOrDeferAsync(execution, handle, e => e.Fail(reason, failedAt));
            return execution;
        }

        var engineId = started.EngineExecutionId;
        var startedAt = clock.GetUtcNow();
        var recorded = await WriteOrDeferAsync(execution, handle, e => e.MarkRunning(engineId, startedAt));
        LogStarted(execution, engineId);
        if (recorded)
        {
            tracker.Track(execution, handle);
        }

        return execution;
    }

    /// <summary>
    /// The engine has acted by now, so a write the database refuses (busy, down, raced) must not be lost: it goes to
    /// the tracker, which writes it again with back-off (and then follows the run). True when written here.
    /// </summary>
    private async Task<bool> WriteOrDeferAsync(Execution execution, LockHandle? handle, Action<Execution> change)
    {
        try
        {
            await writer.RecordAsync(execution, change, handle, CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is PersistenceUnavailableException or ConcurrencyConflictException)
        {
            ExecutionLog.WriteDeferred(logger, execution, ex.Message);
            tracker.Track(execution, handle, change);
            return false;
        }
    }

    private void LogStarted(Execution execution, string engineId)
    {
        var mode = execution.Mode.ToString().ToUpperInvariant();
        var masked = SecretMasker.MaskJson(execution.TriggerData);
        ExecutionLog.Started(logger, execution.Id, execution.WorkflowId, mode, engineId, masked);
    }
}
