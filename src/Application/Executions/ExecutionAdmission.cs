using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>What admitting a trigger came to.</summary>
public enum AdmissionVerdict
{
    /// <summary>A new run is recorded (NEW) and holds the workflow's slot if its policy is SKIP; it goes to the engine next.</summary>
    Admitted,

    /// <summary>The idempotency key or cron occurrence already has a run: this is that run.</summary>
    Duplicate,

    /// <summary>
    /// Another run holds the workflow's slot (SKIP), or the buffer is full (BUFFER_ONE, BUFFER_ALL): recorded SKIPPED,
    /// never run.
    /// </summary>
    Skipped,

    /// <summary>Recorded PENDING (BUFFER_ONE, BUFFER_ALL): it starts when the slot is free (<see cref="PendingRunStarter"/>).</summary>
    Buffered,
}

public sealed record Admission(AdmissionVerdict Verdict, Execution Execution, LockHandle? Lock = null);

/// <summary>
/// Decides whether a trigger becomes a run. The only place that knows the overlap lock, the database fence and their
/// races: the Redis lock is the fast path for SKIP; the unique indexes are the truth (one exclusive active run per
/// workflow, one run per idempotency key, one per cron occurrence). Nothing is probed before the insert: the insert
/// itself is the question, and a refusal names the index that answered (ADR 0008). A buffering policy queues every
/// trigger as PENDING, bounded inside the insert (ADR 0026); CANCEL_OTHER replaces the slot's holder and inserts again.
/// </summary>
public sealed class ExecutionAdmission(
    IExecutionRepository executions,
    IDistributedLock locks,
    ActiveRunReplacer replacer,
    IOptions<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<ExecutionAdmission> logger)
{
    public const string LockHeldReason = "another execution of this workflow is running (overlap policy SKIP)";
    public const string BufferOneFullReason = "buffer full: an execution is running and one trigger already waits (overlap policy BUFFER_ONE)";
    public const string BufferAllFullReason = "buffer full: the workflow's pending runs reached its buffer_limit (overlap policy BUFFER_ALL)";

    // CANCEL_OTHER against concurrent triggers: each round cancels a holder or waits for one to reach the engine, so
    // rounds make progress; the bound only stops a pathological loop (ABORTED, nothing of this trigger written).
    private const int ReplaceRounds = 400;
    private static readonly TimeSpan NotYetInEngineWait = TimeSpan.FromMilliseconds(20);
    private const int TwinLookups = 6;
    private static readonly TimeSpan TwinLookupInterval = TimeSpan.FromMilliseconds(50);

    private readonly ExecutionOptions _options = options.Value;

    /// <summary>
    /// Throws <see cref="StaleDeploymentException"/> when <paramref name="deployment"/> is no longer the stored version
    /// (nothing is written then; the caller reads the deployment again), and
    /// <see cref="Common.AdmissionDeadlineExceededException"/> when the caller's deadline leaves no time for the insert.
    /// </summary>
    public Task<Admission> AdmitAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, CancellationToken cancellationToken) =>
        AdmitAsync(deployment, mode, request, deadline, policy: null, cancellationToken);

    /// <param name="policy">The overlap policy to apply; null = the deployment's (a backfill names its own).</param>
    public async Task<Admission> AdmitAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, OverlapPolicy? policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        request = request with { DeploymentVersion = deployment.Version };
        var overlap = policy ?? deployment.Config.OverlapPolicy;
        if (overlap.Buffers())
        {
            return await QueueAsync(deployment, overlap, mode, request, deadline, cancellationToken);
        }

        if (overlap == OverlapPolicy.CancelOther)
        {
            return await ReplaceAsync(deployment, mode, request, deadline, cancellationToken);
        }

        LockHandle? handle = null;
        if (overlap == OverlapPolicy.Skip)
        {
            try
            {
                handle = await locks.AcquireLockAsync(deployment.Id.ToString(), _options.LockTtl, cancellationToken);
                // The database is the truth: a lock with no active run behind it (its instance died between taking
                // the lock and inserting the run) must not skip triggers until its lease runs out.
                if (handle is null && await executions.HasActiveExclusiveAsync(deployment.Id, cancellationToken))
                {
                    return await SkipAsync(deployment, mode, request, deadline, cancellationToken);
                }
            }
            catch (LockUnavailableException ex)
            {
                ExecutionLog.LockStoreUnavailable(logger, deployment.Id.ToString(), ex.Message);
            }
        }

        var execution = Execution.Start(deployment.Id, mode, request, overlap, deployment.Config.ExecutionTimeout, clock.GetUtcNow());
        if (handle is not null)
        {
            execution.AttachLock(handle.Token);
        }

        try
        {
            AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
            await executions.InsertAsync(execution, cancellationToken);
            return new Admission(AdmissionVerdict.Admitted, execution, handle);
        }
        catch (UniqueConstraintViolationException ex)
        {
            await locks.ReleaseQuietlyAsync(handle, logger);
            if (ex.ConstraintName == UniqueConstraints.ExclusiveExecution)
            {
                return await SkipAsync(deployment, mode, request, deadline, cancellationToken);
            }

            // The key or occurrence already has a run (an earlier trigger, or a concurrent one that won the insert).
            var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            return Duplicate(deployment, winner);
        }
        catch
        {
            await locks.ReleaseQuietlyAsync(handle, logger);
            throw;
        }
    }

    /// <summary>
    /// BUFFER_ONE / BUFFER_ALL: every trigger joins the queue as PENDING, even when the slot is free, so arrival order
    /// is start order; the coordinator then asks the <see cref="PendingRunStarter"/> to start the head of the queue.
    /// The database counts the queue inside the insert and refuses past the policy's bound.
    /// </summary>
    private async Task<Admission> QueueAsync(Deployment deployment, OverlapPolicy policy, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
        var pending = Execution.Queue(deployment.Id, mode, request, clock.GetUtcNow());
        try
        {
            await executions.InsertAsync(pending, cancellationToken);
        }
        catch (PendingLimitReachedException)
        {
            var reason = policy == OverlapPolicy.BufferOne ? BufferOneFullReason : BufferAllFullReason;
            return await RecordSkipAsync(deployment, mode, request, reason, cancellationToken);
        }
        catch (UniqueConstraintViolationException)
        {
            var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
            return winner is null ? throw new InvalidOperationException("a pending run collided with no earlier run") : Duplicate(deployment, winner);
        }

        return new Admission(AdmissionVerdict.Buffered, pending);
    }

    /// <summary>
    /// CANCEL_OTHER: insert as the slot's holder; when another run holds it, cancel that run (engine first) and insert
    /// again. Of concurrent triggers each round one wins the slot, so the last one admitted is the run that survives.
    /// </summary>
    private async Task<Admission> ReplaceAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var execution = Execution.Start(deployment.Id, mode, request, OverlapPolicy.CancelOther, deployment.Config.ExecutionTimeout,
            clock.GetUtcNow());
        for (var round = 0; round < ReplaceRounds; round++)
        {
            AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
            try
            {
                await executions.InsertAsync(execution, cancellationToken);
                return new Admission(AdmissionVerdict.Admitted, execution);
            }
            catch (UniqueConstraintViolationException ex) when (ex.ConstraintName == UniqueConstraints.ExclusiveExecution)
            {
                var active = await executions.FindActiveExclusiveAsync(deployment.Id, cancellationToken);
                if (active is not null && await replacer.ReplaceAsync(active, cancellationToken) == ReplaceOutcome.NotYetInEngine)
                {
                    // Wall-clock on purpose: this waits for another instance's engine dispatch to be recorded.
                    await Task.Delay(NotYetInEngineWait, cancellationToken);
                }
            }
            catch (UniqueConstraintViolationException)
            {
                var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
                return winner is null ? throw new InvalidOperationException("a run collided with no earlier run") : Duplicate(deployment, winner);
            }
        }

        throw new ConcurrencyConflictException(
            $"workflow {deployment.Id}: the slot kept being taken by other triggers while this one tried to replace its holder");
    }

    private async Task<Admission> RecordSkipAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request, string reason,
        CancellationToken cancellationToken)
    {
        var skipped = Execution.Skipped(deployment.Id, mode, request, reason, clock.GetUtcNow());
        try
        {
            await executions.InsertAsync(skipped, cancellationToken);
        }
        catch (UniqueConstraintViolationException ex)
            when (ex.ConstraintName is UniqueConstraints.ExecutionOccurrence or UniqueConstraints.ExecutionIdempotencyKey)
        {
            // Another node's fire of the same occurrence, or a concurrent repeat of the same key, got there first:
            // that record is the answer (a skipped run keeps the caller's key, ADR 0023).
            var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            return Duplicate(deployment, winner);
        }

        ExecutionLog.Skipped(logger, skipped.Id, deployment.Id, reason);
        return new Admission(AdmissionVerdict.Skipped, skipped);
    }

    private async Task<Admission> SkipAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        // A concurrent repeat of the same key or occurrence may be the very run that holds the slot: that is a
        // duplicate, not an overlap. The holder takes the lock a moment before its row commits, so look a few times.
        var earlier = await FindConcurrentTwinAsync(deployment.Id, request, cancellationToken);
        if (earlier is not null)
        {
            return Duplicate(deployment, earlier);
        }

        AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
        return await RecordSkipAsync(deployment, mode, request, LockHeldReason, cancellationToken);
    }

    private Admission Duplicate(Deployment deployment, Execution earlier)
    {
        ExecutionLog.Deduplicated(logger, earlier.Id, deployment.Id);
        return new Admission(AdmissionVerdict.Duplicate, earlier);
    }

    private async Task<Execution?> FindConcurrentTwinAsync(Guid workflowId, ExecutionRequest request, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is null && request.ScheduledFor is null)
        {
            return null;
        }

        for (var attempt = 0; ; attempt++)
        {
            var earlier = await FindEarlierRunAsync(workflowId, request, cancellationToken);
            if (earlier is not null || attempt == TwinLookups - 1)
            {
                return earlier;
            }

            // Wall-clock on purpose: this waits for another transaction to commit, not for scheduled time.
            await Task.Delay(TwinLookupInterval, cancellationToken);
        }
    }

    private async Task<Execution?> FindEarlierRunAsync(Guid workflowId, ExecutionRequest request, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is { } key)
        {
            return await executions.FindByIdempotencyKeyAsync(workflowId, key, cancellationToken);
        }

        return request.ScheduledFor is { } occurrence
            ? await executions.FindByOccurrenceAsync(workflowId, occurrence, cancellationToken)
            : null;
    }
}
