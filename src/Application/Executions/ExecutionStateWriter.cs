using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Writes a change of a run, and is the one way a run is closed. Every writer of a run (launcher, tracker, cancel,
/// sweeper) goes through here: the change is applied to the aggregate and written in one conditional UPDATE against
/// the revision the caller's copy was at (a concurrent writer makes it throw <see cref="ConcurrencyConflictException"/>:
/// the caller reads the run again); a change that ended the run releases its lock and logs <c>execution_finished</c>,
/// here and nowhere else, and the end of an exclusive run wakes the <see cref="PendingRunStarter"/>. After a throw the caller's copy is ahead of the database and must be read again.
/// </summary>
public sealed class ExecutionStateWriter(IServiceScopeFactory scopes, IDistributedLock locks, ILogger<ExecutionStateWriter> logger,
    PendingRunSignal? pendingRuns = null)
{
    /// <summary>Applies and writes <paramref name="change"/>; true when it ended the run (and the run was closed).</summary>
    public async Task<bool> RecordAsync(Execution execution, Action<Execution> change, LockHandle? lockHandle,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(change);
        var expectedRevision = execution.Revision;
        change(execution);
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IExecutionRepository>()
                .WriteStateAsync(execution, expectedRevision, cancellationToken);
        }

        if (!execution.Status.IsTerminal())
        {
            return false;
        }

        await locks.ReleaseQuietlyAsync(lockHandle, logger);
        ExecutionLog.Finished(logger, execution);
        if (execution.IsExclusive)
        {
            // "The active run ended": the workflow's next pending run may start now (ADR 0026).
            pendingRuns?.SlotFreed(execution.WorkflowId);
        }

        return true;
    }

    /// <summary>Ends a run: <paramref name="end"/> must leave it terminal (checked before anything is written).</summary>
    public Task CloseAsync(Execution execution, Action<Execution> end, LockHandle? lockHandle, CancellationToken cancellationToken) =>
        RecordAsync(execution, e =>
        {
            end(e);
            if (!e.Status.IsTerminal())
            {
                throw new InvalidOperationException($"closing execution {e.Id} left it {e.Status}.");
            }
        }, lockHandle, cancellationToken);
}
