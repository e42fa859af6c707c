using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Domain.Executions;

/// <summary>
/// One run of a workflow. <c>NEW → RUNNING → SUCCESS | ERROR | CANCELED | TIMEOUT</c>; <c>NEW</c> may also end
/// directly (engine unreachable, canceled before start); <c>SKIPPED</c> is born terminal. Terminal states are final.
/// A buffered trigger is born <c>PENDING</c> and waits for the workflow's slot: <c>PENDING → NEW</c> (promoted) or
/// <c>PENDING → CANCELED</c>.
/// </summary>
public sealed class Execution
{
    private static readonly Dictionary<ExecutionStatus, ExecutionStatus[]> AllowedTransitions = new()
    {
        [ExecutionStatus.New] = [ExecutionStatus.Running, ExecutionStatus.Error, ExecutionStatus.Canceled, ExecutionStatus.Timeout],
        [ExecutionStatus.Running] = [ExecutionStatus.Success, ExecutionStatus.Error, ExecutionStatus.Canceled, ExecutionStatus.Timeout],
        [ExecutionStatus.Success] = [],
        [ExecutionStatus.Error] = [],
        [ExecutionStatus.Canceled] = [],
        [ExecutionStatus.Timeout] = [],
        [ExecutionStatus.Skipped] = [],
        [ExecutionStatus.Pending] = [ExecutionStatus.New, ExecutionStatus.Canceled],
    };

    // For the persistence adapter's materialiser.
    private Execution()
    {
        TriggerData = "{}";
    }

    public Guid Id { get; private set; }

    public Guid WorkflowId { get; private set; }

    public ExecutionStatus Status { get; private set; }

    public ExecutionMode Mode { get; private set; }

    public Guid? TriggerId { get; private set; }

    public string? TriggeredBy { get; private set; }

    public string? IdempotencyKey { get; private set; }

    /// <summary>The cron occurrence this run is for (scheduled runs only); unique per workflow.</summary>
    public DateTimeOffset? ScheduledFor { get; private set; }

    /// <summary>Whether this run holds (or, PENDING, waits for) the workflow's one-at-a-time slot (every policy but ALLOW_ALL).</summary>
    public bool IsExclusive { get; private set; }

    public string? EngineExecutionId { get; private set; }

    public string TriggerData { get; private set; }

    public string? ResultData { get; private set; }

    public string? ErrorMessage { get; private set; }

    public string? SkipReason { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public DateTimeOffset? DeadlineAt { get; private set; }

    public DateTimeOffset? HeartbeatAt { get; private set; }

    /// <summary>The runtime instance tracking this run; the sweeper adopts runs whose owner went quiet.</summary>
    public string? OwnerInstanceId { get; private set; }

    /// <summary>The token of the workflow lock this run holds, so whoever adopts the run can renew or release it.</summary>
    public string? LockToken { get; private set; }

    /// <summary>The deployment version this run was admitted against (null for records written without admission: misses).</summary>
    public long? DeploymentVersion { get; private set; }

    /// <summary>Bumped by every change: the optimistic-concurrency token between a tracker, a sweeper and a cancel.</summary>
    public long Revision { get; private set; }

    public TimeSpan? Duration => StartedAt is { } started && FinishedAt is { } finished ? finished - started : null;

    public static Execution Start(Guid workflowId, ExecutionMode mode, ExecutionRequest request, OverlapPolicy overlapPolicy,
        TimeSpan timeout, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (mode == ExecutionMode.Scheduled && request.ScheduledFor is null)
        {
            throw new DomainValidationException("scheduled_for", "a scheduled execution needs the occurrence it is for.");
        }

        return new Execution
        {
            Id = Guid.NewGuid(),
            WorkflowId = workflowId,
            Status = ExecutionStatus.New,
            Mode = mode,
            TriggerId = request.TriggerId,
            TriggeredBy = request.TriggeredBy,
            IdempotencyKey = request.IdempotencyKey,
            ScheduledFor = request.ScheduledFor,
            TriggerData = request.TriggerData,
            IsExclusive = overlapPolicy.IsExclusive(),
            DeploymentVersion = request.DeploymentVersion,
            CreatedAt = now,
            DeadlineAt = now + timeout,
            HeartbeatAt = now,
            OwnerInstanceId = request.InstanceId,
        };
    }

    /// <summary>
    /// A trigger that waits for the workflow's slot (BUFFER_ONE, BUFFER_ALL). No owner and no heartbeat: nobody follows
    /// a pending run, so it can never look stale; whoever sees the slot free promotes it (<see cref="Promote"/>).
    /// </summary>
    public static Execution Queue(Guid workflowId, ExecutionMode mode, ExecutionRequest request, DateTimeOffset now)
    {
        var pending = Start(workflowId, mode, request, OverlapPolicy.BufferAll, TimeSpan.Zero, now);
        pending.Status = ExecutionStatus.Pending;
        pending.DeadlineAt = null;
        pending.HeartbeatAt = null;
        pending.OwnerInstanceId = null;
        return pending;
    }

    /// <summary>
    /// A pending run takes the workflow's slot: NEW, owned by <paramref name="instanceId"/>, its deadline counted from
    /// now (not from when it was queued). The write is conditional on the revision and the exclusive-run index, so of
    /// every replica that sees the slot free exactly one promotes a given run.
    /// </summary>
    public void Promote(string instanceId, TimeSpan timeout, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        MoveTo(ExecutionStatus.New);
        OwnerInstanceId = instanceId;
        HeartbeatAt = now;
        DeadlineAt = now + timeout;
    }

    /// <summary>A trigger that lost the race for the workflow's slot: recorded, never run.</summary>
    public static Execution Skipped(Guid workflowId, ExecutionMode mode, ExecutionRequest request, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new Execution
        {
            Id = Guid.NewGuid(),
            WorkflowId = workflowId,
            Status = ExecutionStatus.Skipped,
            Mode = mode,
            TriggerId = request.TriggerId,
            TriggeredBy = request.TriggeredBy,
            // A skip is the answer to that request: a retry with the same key (or a repeated fire of the same cron
            // occurrence) finds this record instead of running (ADR 0023).
            IdempotencyKey = request.IdempotencyKey,
            ScheduledFor = request.ScheduledFor,
            TriggerData = request.TriggerData,
            SkipReason = reason,
            DeploymentVersion = request.DeploymentVersion,
            CreatedAt = now,
            FinishedAt = now,
            OwnerInstanceId = request.InstanceId,
        };
    }

    /// <summary>Records the lock taken for this run (overlap policy SKIP).</summary>
    public void AttachLock(string lockToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lockToken);
        EnsureNotTerminal("attach a lock");
        LockToken = lockToken;
        Revision++;
    }

    /// <summary>
    /// A cron occurrence the scheduler could not fire within its catch-up window: recorded (never run) against the
    /// occurrence, so the miss is visible in history and a late fire of the same occurrence is deduplicated.
    /// </summary>
    public static Execution Missed(Guid workflowId, Guid triggerId, DateTimeOffset occurrence, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new Execution
        {
            Id = Guid.NewGuid(),
            WorkflowId = workflowId,
            Status = ExecutionStatus.Skipped,
            Mode = ExecutionMode.Scheduled,
            TriggerId = triggerId,
            TriggeredBy = "scheduler",
            ScheduledFor = occurrence,
            SkipReason = reason,
            CreatedAt = now,
            FinishedAt = now,
        };
    }

    public void MarkRunning(string engineExecutionId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(engineExecutionId);
        MoveTo(ExecutionStatus.Running);
        EngineExecutionId = engineExecutionId;
        StartedAt = now;
        HeartbeatAt = now;
    }

    /// <summary>
    /// Takes the run over for <paramref name="instanceId"/> (the sweeper adopting an orphan). A change like any other:
    /// it bumps the revision, so of two instances claiming the same run only one write succeeds. Routine liveness
    /// (the tracker's heartbeat) is not a change of the run and is written in bulk, outside the aggregate.
    /// </summary>
    public void ClaimBy(string instanceId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        EnsureNotTerminal("heartbeat");
        OwnerInstanceId = instanceId;
        HeartbeatAt = now;
        Revision++;
    }

    public void Succeed(string? resultData, DateTimeOffset now)
    {
        MoveTo(ExecutionStatus.Success);
        ResultData = resultData;
        Finish(now);
    }

    public void Fail(string errorMessage, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(errorMessage);
        MoveTo(ExecutionStatus.Error);
        ErrorMessage = errorMessage;
        Finish(now);
    }

    public void Cancel(string? reason, DateTimeOffset now)
    {
        MoveTo(ExecutionStatus.Canceled);
        ErrorMessage = string.IsNullOrWhiteSpace(reason) ? "canceled" : reason.Trim();
        Finish(now);
    }

    public void TimeOut(DateTimeOffset now)
    {
        MoveTo(ExecutionStatus.Timeout);
        ErrorMessage = $"execution exceeded its deadline of {DeadlineAt:O}";
        Finish(now);
    }

    /// <summary>
    /// Records what the engine reports: a terminal engine state ends the run as SUCCESS, ERROR or CANCELED; any other
    /// state changes nothing. True when the run ended.
    /// </summary>
    public bool RecordEngineOutcome(EngineExecutionState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        switch (state.Status)
        {
            case EngineStatus.Success:
                Succeed(state.ResultData, now);
                return true;
            case EngineStatus.Error:
                Fail(string.IsNullOrWhiteSpace(state.ErrorMessage) ? "the engine reported ERROR" : state.ErrorMessage, now);
                return true;
            case EngineStatus.Canceled:
                Cancel(state.ErrorMessage ?? "canceled in the engine", now);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether an engine state is an end (SUCCESS, ERROR, CANCELED) that <see cref="RecordEngineOutcome"/> records.</summary>
    public static bool EndsTheRun(EngineStatus status) => status is EngineStatus.Success or EngineStatus.Error or EngineStatus.Canceled;

    /// <summary>Whether its tracker has gone quiet for longer than <paramref name="staleAfter"/> (its instance probably died).</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan staleAfter) =>
        Status is ExecutionStatus.New or ExecutionStatus.Running && (HeartbeatAt ?? CreatedAt) < now - staleAfter;

    public bool IsPastDeadline(DateTimeOffset now) => DeadlineAt is { } deadline && now >= deadline;

    public static bool CanTransition(ExecutionStatus from, ExecutionStatus to) => AllowedTransitions[from].Contains(to);

    private void Finish(DateTimeOffset now)
    {
        StartedAt ??= now;
        FinishedAt = now;
    }

    private void MoveTo(ExecutionStatus target)
    {
        if (!CanTransition(Status, target))
        {
            throw new InvalidStateTransitionException("Execution", Status.ToString().ToUpperInvariant(), target.ToString().ToUpperInvariant());
        }

        Status = target;
        Revision++;
    }

    private void EnsureNotTerminal(string action)
    {
        if (Status.IsTerminal())
        {
            throw new InvalidStateTransitionException("Execution", Status.ToString().ToUpperInvariant(), action);
        }
    }
}
