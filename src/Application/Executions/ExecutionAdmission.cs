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

    /// <summary>Another run holds the workflow's slot (overlap policy SKIP): recorded SKIPPED, never run.</summary>
    Skipped,
}

public sealed record Admission(AdmissionVerdict Verdict, Execution Execution, LockHandle? Lock = null);

/// <summary>
/// Decides whether a trigger becomes a run. The only place that knows the overlap lock, the database fence and their
/// races: the Redis lock is the fast path for SKIP; the unique indexes are the truth (one exclusive active run per
/// workflow, one run per idempotency key, one per cron occurrence). Nothing is probed before the insert: the insert
/// itself is the question, and a refusal names the index that answered (ADR 0008).
/// </summary>
public sealed class ExecutionAdmission(
    IExecutionRepository executions,
    IDistributedLock locks,
    IOptions<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<ExecutionAdmission> logger)
{
    public const string LockHeldReason = "another execution of this workflow is running (overlap policy SKIP)";
    private const int TwinLookups = 6;
    private static readonly TimeSpan TwinLookupInterval = TimeSpan.FromMilliseconds(50);

    private readonly ExecutionOptions _options = options.Value;

    /// <summary>
    /// Throws <see cref="StaleDeploymentException"/> when <paramref name="deployment"/> is no longer the stored version
    /// (nothing is written then; the caller reads the deployment again), and
    /// <see cref="Common.AdmissionDeadlineExceededException"/> when the caller's deadline leaves no time for the insert.
    /// </summary>
    public async Task<Admission> AdmitAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        request = request with { DeploymentVersion = deployment.Version };
        LockHandle? handle = null;
        if (deployment.Config.OverlapPolicy == OverlapPolicy.Skip)
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

        var execution = Execution.Start(deployment.Id, mode, request, deployment.Config.OverlapPolicy,
            deployment.Config.ExecutionTimeout, clock.GetUtcNow());
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
        var skipped = Execution.Skipped(deployment.Id, mode, request, LockHeldReason, clock.GetUtcNow());
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

        ExecutionLog.Skipped(logger, skipped.Id, deployment.Id, LockHeldReason);
        return new Admission(AdmissionVerdict.Skipped, skipped);
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
