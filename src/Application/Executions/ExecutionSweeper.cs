using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Finds runs whose tracker went quiet (its instance died) and takes them over: a run the engine had taken is
/// adopted and followed here; a run still <c>NEW</c> (its instance died between the insert and recording
/// <c>RUNNING</c>, so whether the engine has it is unknown) is sent to the engine again with its execution id as
/// idempotency key, which starts it once or returns the engine run it already has, and then adopted (ADR 0023).
/// Claims go through the execution's revision, so two sweepers never take over the same run. Last, it starts the next
/// pending run of every workflow whose slot is free (ADR 0026): the safety net for a replica that died between closing
/// a run and promoting the next, or a restart of every replica.
/// </summary>
public sealed class ExecutionSweeper(
    IServiceScopeFactory scopes,
    ExecutionTracker tracker,
    ExecutionStateWriter writer,
    IDistributedLock locks,
    IWorkflowEngine engine,
    IOptions<ExecutionOptions> options,
    RuntimeIdentity identity,
    TimeProvider clock,
    ILogger<ExecutionSweeper> logger,
    PendingRunStarter? pendingRuns = null)
{
    /// <summary>Why a stale NEW run whose workflow is gone is closed: nothing can be sent to the engine any more.</summary>
    public const string InstanceLostReason = "runtime instance lost";
    private const int BatchSize = 100;

    /// <summary>One pass; returns how many runs it adopted, re-dispatched or closed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var staleAfter = options.Value.StaleAfter;
        IReadOnlyList<Guid> candidates;
        await using (var scope = scopes.CreateAsyncScope())
        {
            candidates = await scope.ServiceProvider.GetRequiredService<IExecutionRepository>()
                .ListStaleAsync(clock.GetUtcNow() - staleAfter, BatchSize, cancellationToken);
        }

        var handled = 0;
        foreach (var id in candidates.Where(id => !tracker.IsTracking(id)))
        {
            try
            {
                handled += await TakeOverAsync(id, staleAfter, cancellationToken) ? 1 : 0;
            }
            catch (ConcurrencyConflictException)
            {
                // Another instance claimed it first.
            }
            catch (PersistenceUnavailableException ex)
            {
                // Nothing was written; the run is still stale and the next sweep looks at it again.
                ExecutionLog.SweepWriteFailed(logger, id, ex.Message);
            }
        }

        return handled + await StartIdleQueuesAsync(cancellationToken);
    }

    private async Task<int> StartIdleQueuesAsync(CancellationToken cancellationToken)
    {
        if (pendingRuns is null)
        {
            return 0;
        }

        IReadOnlyList<Guid> idle;
        await using (var scope = scopes.CreateAsyncScope())
        {
            idle = await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().ListIdleWithPendingAsync(BatchSize, cancellationToken);
        }

        var started = 0;
        foreach (var workflowId in idle)
        {
            try
            {
                started += await pendingRuns.PromoteAsync(workflowId, cancellationToken) is null ? 0 : 1;
            }
            catch (PersistenceUnavailableException ex)
            {
                ExecutionLog.PromotionFailed(logger, workflowId, ex.Message);
            }
        }

        return started;
    }

    private async Task<bool> TakeOverAsync(Guid executionId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var execution = await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().ReadAsync(executionId, cancellationToken);
        var now = clock.GetUtcNow();
        if (execution is null || !execution.IsStale(now, staleAfter))
        {
            return false;
        }

        var previousOwner = execution.OwnerInstanceId;
        var lockHandle = execution.LockToken is { } token ? locks.RestoreHandle(execution.WorkflowId.ToString(), token) : null;

        // The claim comes first: its revision bump is what keeps a second sweeper from taking the same run.
        await writer.RecordAsync(execution, e => e.ClaimBy(identity.InstanceId, now), lockHandle, cancellationToken);
        if (execution.EngineExecutionId is not null)
        {
            ExecutionLog.Adopted(logger, execution.Id, execution.WorkflowId, previousOwner);
            tracker.Track(execution, lockHandle);
            return true;
        }

        var deployment = await scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().ReadAsync(execution.WorkflowId, cancellationToken);
        await RedispatchAsync(execution, deployment, lockHandle, previousOwner, cancellationToken);
        return true;
    }

    private async Task RedispatchAsync(Execution execution, Domain.Deployments.Deployment? deployment, LockHandle? lockHandle,
        string? previousOwner, CancellationToken cancellationToken)
    {
        if (deployment is null)
        {
            await writer.CloseAsync(execution, e => e.Fail(InstanceLostReason, clock.GetUtcNow()), lockHandle, cancellationToken);
            ExecutionLog.Lost(logger, execution.Id, execution.WorkflowId, previousOwner);
            return;
        }

        EngineStartResult started;
        try
        {
            started = await engine.ExecuteAsync(
                EngineDispatch.For(deployment, execution, EngineDispatch.StoredMetadata(execution)), cancellationToken);
        }
        catch (EngineUnavailableException ex)
        {
            // Unknown again; the claim's fresh heartbeat makes the next attempt wait for StaleAfter (a natural back-off).
            ExecutionLog.RedispatchFailed(logger, execution.Id, execution.WorkflowId, ex.Message);
            return;
        }
        catch (EngineRejectedException ex)
        {
            var reason = $"the engine did not take the run: {ex.Message}";
            await writer.CloseAsync(execution, e => e.Fail(reason, clock.GetUtcNow()), lockHandle, cancellationToken);
            return;
        }

        var engineId = started.EngineExecutionId;
        var startedAt = clock.GetUtcNow();
        void Running(Execution e) => e.MarkRunning(engineId, startedAt);
        try
        {
            await writer.RecordAsync(execution, Running, lockHandle, cancellationToken);
            tracker.Track(execution, lockHandle);
        }
        catch (Exception ex) when (ex is PersistenceUnavailableException or ConcurrencyConflictException)
        {
            ExecutionLog.WriteDeferred(logger, execution, ex.Message);
            tracker.Track(execution, lockHandle, Running);
        }

        ExecutionLog.Redispatched(logger, execution.Id, execution.WorkflowId, previousOwner, engineId);
    }
}
