using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Abstractions;

/// <summary>
/// Loads and stores <see cref="Execution"/>s. Writes go straight to the database, one statement each (<see cref="InsertAsync"/>,
/// <see cref="WriteStateAsync"/>, <see cref="TouchHeartbeatsAsync"/>); nothing waits for <see cref="IUnitOfWork.SaveChangesAsync"/>.
/// </summary>
public interface IExecutionRepository
{
    /// <summary>Tracked for change.</summary>
    Task<Execution?> FindAsync(Guid executionId, CancellationToken cancellationToken = default);

    /// <summary>A fresh read, not tracked: what the database holds now, whatever this scope changed or cached.</summary>
    Task<Execution?> ReadAsync(Guid executionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts a new run in one round trip and forgets it (nothing in this scope tracks it afterwards): later changes
    /// go through <see cref="WriteStateAsync"/>. Throws <see cref="UniqueConstraintViolationException"/>,
    /// <see cref="StaleDeploymentException"/> (the deployment changed since the version the run carries) or
    /// <see cref="PersistenceUnavailableException"/>; nothing is written then.
    /// </summary>
    Task InsertAsync(Execution execution, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the run's state (status, engine id, times, deadline, result, error, owner, lock token, revision) in one UPDATE,
    /// only if the stored row still has <paramref name="expectedRevision"/>; throws
    /// <see cref="ConcurrencyConflictException"/> when someone else changed it since, and
    /// <see cref="UniqueConstraintViolationException"/> when a promoted run finds the workflow's slot taken.
    /// </summary>
    Task WriteStateAsync(Execution execution, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Liveness of the runs an instance follows, in one UPDATE: sets <c>heartbeat_at</c> of those still active and
    /// still owned by <paramref name="instanceId"/>. Returns how many rows it touched.
    /// </summary>
    Task<int> TouchHeartbeatsAsync(IReadOnlyCollection<Guid> executionIds, string instanceId, DateTimeOffset now,
        CancellationToken cancellationToken = default);

    /// <summary>The most recently created execution of a workflow.</summary>
    Task<Execution?> FindLatestAsync(Guid workflowId, CancellationToken cancellationToken = default);

    Task<long> CountAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>The run that holds an idempotency key (read without tracking).</summary>
    Task<Execution?> FindByIdempotencyKeyAsync(Guid workflowId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The run of a cron occurrence (read without tracking).</summary>
    Task<Execution?> FindByOccurrenceAsync(Guid workflowId, DateTimeOffset scheduledFor, CancellationToken cancellationToken = default);

    /// <summary>Whether the workflow has a NEW or RUNNING exclusive run (the database's view of "the slot is taken").</summary>
    Task<bool> HasActiveExclusiveAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>The workflow's NEW or RUNNING exclusive run, if any (read without tracking): the one CANCEL_OTHER replaces.</summary>
    Task<Execution?> FindActiveExclusiveAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>The workflow's PENDING run that waited longest (creation time, then id), read without tracking.</summary>
    Task<Execution?> FindOldestPendingAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>Workflows that have PENDING runs and no NEW or RUNNING exclusive run: nobody promoted their next run.</summary>
    Task<IReadOnlyList<Guid>> ListIdleWithPendingAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The place in its workflow's queue (1 = next to start) of each PENDING run among <paramref name="pending"/>, in
    /// one query per workflow.
    /// </summary>
    Task<IReadOnlyDictionary<Guid, int>> PendingPositionsAsync(IReadOnlyCollection<Execution> pending,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the SKIPPED record (a miss, or a fire the overlap policy skipped) of a cron occurrence, so a backfill can
    /// run it; an occurrence that ran (or runs) is kept. Returns how many rows it deleted (0 or 1).
    /// </summary>
    Task<int> DeleteSkippedOccurrenceAsync(Guid workflowId, DateTimeOffset scheduledFor, CancellationToken cancellationToken = default);

    /// <summary>NEW or RUNNING runs whose heartbeat is older than <paramref name="heartbeatBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<Guid>> ListStaleAsync(DateTimeOffset heartbeatBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Newest first (creation time, then id), read without tracking.</summary>
    Task<ExecutionPage> ListHistoryAsync(ExecutionHistoryQuery query, CancellationToken cancellationToken = default);
}

/// <param name="Before">Keyset cursor: return executions strictly older than this position.</param>
public sealed record ExecutionHistoryQuery(
    Guid? WorkflowId,
    string? UserId,
    IReadOnlyCollection<ExecutionStatus> Statuses,
    IReadOnlyCollection<ExecutionMode> Modes,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int PageSize,
    ExecutionCursor? Before);

public sealed record ExecutionCursor(DateTimeOffset CreatedAt, Guid Id);

public sealed record ExecutionPage(IReadOnlyList<Execution> Items, bool HasMore);
