using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Tells the <see cref="PendingRunStarter"/> that a workflow's slot was freed (an exclusive run was closed). A channel
/// and not a call: the close path (<see cref="ExecutionStateWriter"/>) must not wait for the next run's engine dispatch,
/// and the starter launches through the launcher, which writes through the writer.
/// </summary>
public sealed class PendingRunSignal
{
    private readonly Channel<Guid> _freed = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public void SlotFreed(Guid workflowId) => _freed.Writer.TryWrite(workflowId);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => _freed.Reader.ReadAllAsync(cancellationToken);
}

/// <summary>
/// Starts a workflow's next PENDING run (BUFFER_ONE, BUFFER_ALL) once its slot is free, from any replica (ADR 0026):
/// the oldest pending run is promoted to NEW by one conditional UPDATE (its revision) that the exclusive-run index
/// also guards, so of every replica that sees the slot free (the one that closed the run, a new trigger's admission,
/// any sweeper) exactly one promotes it, and nobody promotes while another run holds the slot. The winner launches it.
/// </summary>
public sealed class PendingRunStarter(
    IServiceScopeFactory scopes,
    ExecutionLauncher launcher,
    ExecutionStateWriter writer,
    DeploymentCache cache,
    PendingRunSignal signal,
    RuntimeIdentity identity,
    TimeProvider clock,
    ILogger<PendingRunStarter> logger)
{
    /// <summary>Why a pending run of an archived workflow is canceled: it can never start.</summary>
    public const string ArchivedReason = "the workflow was archived before this pending run could start";

    /// <summary>Follows <see cref="PendingRunSignal"/> until <paramref name="cancellationToken"/> ends.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var workflowId in signal.ReadAllAsync(cancellationToken))
        {
            // A cached deployment whose policy never buffers has no pending runs: no query per closed SKIP run. A
            // policy changed elsewhere meanwhile is the sweeper's case (it looks at every workflow with pending runs).
            if (cache.Peek(workflowId) is { } cached && !cached.Config.OverlapPolicy.Buffers())
            {
                continue;
            }

            try
            {
                await PromoteAsync(workflowId, cancellationToken);
            }
            catch (Exception ex) when (ex is PersistenceUnavailableException or ConcurrencyConflictException)
            {
                ExecutionLog.PromotionFailed(logger, workflowId, ex.Message);
            }
        }
    }

    /// <summary>
    /// Promotes and launches the workflow's oldest pending run if its slot is free; null when there was nothing to
    /// start, the slot is taken, or another replica promoted it first. A paused workflow keeps its pending runs (they
    /// start after resume, by the sweeper); an archived one has them canceled.
    /// </summary>
    public async Task<Execution?> PromoteAsync(Guid workflowId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var executions = scope.ServiceProvider.GetRequiredService<IExecutionRepository>();
        var pending = await executions.FindOldestPendingAsync(workflowId, cancellationToken);
        if (pending is null)
        {
            return null;
        }

        var deployment = await scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().ReadAsync(workflowId, cancellationToken);
        if (deployment is null || deployment.Status == DeploymentStatus.Paused)
        {
            return null;
        }

        if (deployment.Status != DeploymentStatus.Deployed)
        {
            await CancelAllAsync(executions, pending, cancellationToken);
            return null;
        }

        var expectedRevision = pending.Revision;
        pending.Promote(identity.InstanceId, deployment.Config.ExecutionTimeout, clock.GetUtcNow());
        try
        {
            await executions.WriteStateAsync(pending, expectedRevision, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            return null; // another replica promoted (or canceled) it first
        }
        catch (UniqueConstraintViolationException ex) when (ex.ConstraintName == UniqueConstraints.ExclusiveExecution)
        {
            return null; // a run holds the slot; its close signals again
        }

        ExecutionLog.Promoted(logger, pending.Id, workflowId);
        return await launcher.LaunchAsync(deployment, pending, handle: null, EngineDispatch.StoredMetadata(pending));
    }

    private async Task CancelAllAsync(IExecutionRepository executions, Execution first, CancellationToken cancellationToken)
    {
        for (var pending = first; pending is not null; pending = await executions.FindOldestPendingAsync(first.WorkflowId, cancellationToken))
        {
            try
            {
                await writer.CloseAsync(pending, e => e.Cancel(ArchivedReason, clock.GetUtcNow()), lockHandle: null, cancellationToken);
            }
            catch (ConcurrencyConflictException)
            {
                // Someone else changed it meanwhile; the next read finds what is still pending.
            }
        }
    }
}
