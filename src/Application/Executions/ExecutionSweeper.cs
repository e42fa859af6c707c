using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Finds runs whose tracker went quiet (its instance died) and takes them over: a run the engine had taken is
/// adopted and followed here; one the engine never got is closed ERROR "runtime instance lost". Claims go through
/// the execution's revision, so two sweepers never adopt the same run.
/// </summary>
public sealed class ExecutionSweeper(
    IServiceScopeFactory scopes,
    ExecutionTracker tracker,
    IDistributedLock locks,
    IOptions<ExecutionOptions> options,
    RuntimeIdentity identity,
    TimeProvider clock,
    ILogger<ExecutionSweeper> logger)
{
    public const string InstanceLostReason = "runtime instance lost";
    private const int BatchSize = 100;

    /// <summary>One pass; returns how many runs it adopted or closed.</summary>
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
        }

        return handled;
    }

    private async Task<bool> TakeOverAsync(Guid executionId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var executions = scope.ServiceProvider.GetRequiredService<IExecutionRepository>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
        var execution = await executions.FindAsync(executionId, cancellationToken);
        var now = clock.GetUtcNow();
        if (execution is null || !execution.IsStale(now, staleAfter))
        {
            return false;
        }

        var previousOwner = execution.OwnerInstanceId;
        var lockHandle = execution.LockToken is { } token ? locks.RestoreHandle(execution.WorkflowId.ToString(), token) : null;
        if (execution.EngineExecutionId is null)
        {
            execution.Fail(InstanceLostReason, now);
            await unitOfWork.SaveChangesAsync(cancellationToken);
            ExecutionLog.Lost(logger, execution.Id, execution.WorkflowId, previousOwner);
            await locks.ReleaseQuietlyAsync(lockHandle, logger);
            return true;
        }

        execution.Heartbeat(identity.InstanceId, now);
        await unitOfWork.SaveChangesAsync(cancellationToken);
        ExecutionLog.Adopted(logger, execution.Id, execution.WorkflowId, previousOwner);
        tracker.Track(execution, lockHandle);
        return true;
    }
}
