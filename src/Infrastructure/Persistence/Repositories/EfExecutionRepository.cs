using Microsoft.EntityFrameworkCore;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <param name="insertBatcher">PostgreSQL only: inserts concurrently admitted runs together (ADR 0027); null on SQLite.</param>
/// <param name="stateBatcher">PostgreSQL only: writes concurrent state changes together (ADR 0027); null on SQLite.</param>
/// <param name="slotProbe">PostgreSQL only: asks concurrent "is the slot taken?" questions together (ADR 0027); null on SQLite.</param>
internal sealed class EfExecutionRepository(WorkflowRuntimeDbContext db, DatabaseWriteGate writeGate,
    ExecutionInsertBatcher? insertBatcher = null, ExecutionStateBatcher? stateBatcher = null, ExecutionSlotProbe? slotProbe = null)
    : IExecutionRepository
{
    private static readonly ExecutionStatus[] ActiveStatuses = [ExecutionStatus.New, ExecutionStatus.Running];

    public Task<Execution?> FindAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.FirstOrDefaultAsync(e => e.Id == executionId, cancellationToken));

    public Task<Execution?> ReadAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking().FirstOrDefaultAsync(e => e.Id == executionId, cancellationToken));

    public async Task InsertAsync(Execution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        // What a batch leaves out (a unique index or the fence said no, or the statement failed) is inserted here,
        // on its own, so the caller gets the same answer as without batching.
        if (insertBatcher is not null && db.Database.CurrentTransaction is null && ExecutionInsertBatcher.Batches(execution.Status)
            && await insertBatcher.TryInsertAsync(execution))
        {
            return;
        }

        var entry = db.Executions.Add(execution);
        try
        {
            await WriteAsync(() => db.SaveChangesAsync(cancellationToken), cancellationToken);
        }
        finally
        {
            // Written or not, this scope forgets it: later changes are conditional UPDATEs (WriteStateAsync), and a
            // failed insert must not be retried by the next SaveChanges of the scope.
            entry.State = EntityState.Detached;
        }
    }

    public async Task WriteStateAsync(Execution execution, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        if (stateBatcher is not null && db.Database.CurrentTransaction is null && ExecutionStateBatcher.Batches(execution.Status)
            && await stateBatcher.TryWriteAsync(execution, expectedRevision))
        {
            return;
        }

        // Plain locals: EF turns each into a query parameter directly, where a member chain through the aggregate would
        // be evaluated by compiling a lambda on every call (continuous JIT in the benchmark's profile).
        var id = execution.Id;
        var status = execution.Status;
        var engineExecutionId = execution.EngineExecutionId;
        var resultData = execution.ResultData;
        var errorMessage = execution.ErrorMessage;
        var startedAt = execution.StartedAt;
        var finishedAt = execution.FinishedAt;
        var heartbeatAt = execution.HeartbeatAt;
        var deadlineAt = execution.DeadlineAt;
        var owner = execution.OwnerInstanceId;
        var lockToken = execution.LockToken;
        var revision = execution.Revision;
        var written = await WriteAsync(() => db.Executions
                .Where(e => e.Id == id && e.Revision == expectedRevision)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(e => e.Status, status)
                    .SetProperty(e => e.EngineExecutionId, engineExecutionId)
                    .SetProperty(e => e.ResultData, resultData)
                    .SetProperty(e => e.ErrorMessage, errorMessage)
                    .SetProperty(e => e.StartedAt, startedAt)
                    .SetProperty(e => e.FinishedAt, finishedAt)
                    .SetProperty(e => e.HeartbeatAt, heartbeatAt)
                    .SetProperty(e => e.DeadlineAt, deadlineAt)
                    .SetProperty(e => e.OwnerInstanceId, owner)
                    .SetProperty(e => e.LockToken, lockToken)
                    .SetProperty(e => e.Revision, revision), cancellationToken),
            cancellationToken);
        if (written == 0)
        {
            throw new ConcurrencyConflictException($"execution {execution.Id} is no longer at revision {expectedRevision} (or no longer exists)");
        }
    }

    public async Task<int> TouchHeartbeatsAsync(IReadOnlyCollection<Guid> executionIds, string instanceId, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionIds);
        if (executionIds.Count == 0)
        {
            return 0;
        }

        var ids = executionIds.ToList();
        // Not a change of the run (the revision stays): only liveness, so a concurrent close or claim never conflicts with it.
        return await WriteAsync(() => db.Executions
                .Where(e => ids.Contains(e.Id) && e.OwnerInstanceId == instanceId && ActiveStatuses.Contains(e.Status))
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.HeartbeatAt, now), cancellationToken),
            cancellationToken);
    }

    /// <summary>A write: in the writer slot (one writer at a time on SQLite, ADR 0022), errors in the port's terms.</summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        // Inside a transaction the transaction already holds the slot.
        using var slot = db.Database.CurrentTransaction is null ? await writeGate.EnterAsync(cancellationToken) : default;
        return await PersistenceErrors.GuardAsync(write);
    }

    public Task<Execution?> FindLatestAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking()
            .Where(e => e.WorkflowId == workflowId)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id)
            .FirstOrDefaultAsync(cancellationToken));

    public Task<long> CountAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.LongCountAsync(e => e.WorkflowId == workflowId, cancellationToken));

    public Task<Execution?> FindByIdempotencyKeyAsync(Guid workflowId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking()
            .FirstOrDefaultAsync(e => e.WorkflowId == workflowId && e.IdempotencyKey == idempotencyKey, cancellationToken));

    public Task<Execution?> FindByOccurrenceAsync(Guid workflowId, DateTimeOffset scheduledFor, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking()
            .FirstOrDefaultAsync(e => e.WorkflowId == workflowId && e.ScheduledFor == scheduledFor, cancellationToken));

    public async Task<bool> HasActiveExclusiveAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        (slotProbe is null ? null : await slotProbe.HasActiveExclusiveAsync(workflowId))
        ?? await PersistenceErrors.GuardAsync(() => db.Executions.AnyAsync(
            e => e.WorkflowId == workflowId && e.IsExclusive && ActiveStatuses.Contains(e.Status), cancellationToken));

    public Task<Execution?> FindActiveExclusiveAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking().FirstOrDefaultAsync(
            e => e.WorkflowId == workflowId && e.IsExclusive && ActiveStatuses.Contains(e.Status), cancellationToken));

    public Task<Execution?> FindOldestPendingAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking()
            .Where(e => e.WorkflowId == workflowId && e.Status == ExecutionStatus.Pending)
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .FirstOrDefaultAsync(cancellationToken));

    public Task<IReadOnlyList<Guid>> ListIdleWithPendingAsync(int limit, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync<IReadOnlyList<Guid>>(async () => await db.Executions.AsNoTracking()
            .Where(e => e.Status == ExecutionStatus.Pending)
            .Select(e => e.WorkflowId)
            .Distinct()
            .Where(workflowId => !db.Executions.Any(a => a.WorkflowId == workflowId && a.IsExclusive && ActiveStatuses.Contains(a.Status)))
            // A stable order for the page (EF warns about Take without one); each sweep starts every workflow it lists.
            .OrderBy(workflowId => workflowId)
            .Take(limit)
            .ToListAsync(cancellationToken));

    public Task<IReadOnlyDictionary<Guid, int>> PendingPositionsAsync(IReadOnlyCollection<Execution> pending,
        CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync<IReadOnlyDictionary<Guid, int>>(async () =>
        {
            ArgumentNullException.ThrowIfNull(pending);
            var positions = new Dictionary<Guid, int>();
            foreach (var workflowId in pending.Where(e => e.Status == ExecutionStatus.Pending).Select(e => e.WorkflowId).Distinct())
            {
                var queue = await db.Executions.AsNoTracking()
                    .Where(e => e.WorkflowId == workflowId && e.Status == ExecutionStatus.Pending)
                    .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
                    .Select(e => e.Id)
                    .ToListAsync(cancellationToken);
                for (var i = 0; i < queue.Count; i++)
                {
                    positions[queue[i]] = i + 1;
                }
            }

            return positions;
        });

    public Task<int> DeleteSkippedOccurrenceAsync(Guid workflowId, DateTimeOffset scheduledFor, CancellationToken cancellationToken = default) =>
        WriteAsync(() => db.Executions
                .Where(e => e.WorkflowId == workflowId && e.ScheduledFor == scheduledFor && e.Status == ExecutionStatus.Skipped)
                .ExecuteDeleteAsync(cancellationToken),
            cancellationToken);

    public Task<IReadOnlyList<Guid>> ListStaleAsync(DateTimeOffset heartbeatBefore, int limit, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync<IReadOnlyList<Guid>>(async () => await db.Executions.AsNoTracking()
            .Where(e => ActiveStatuses.Contains(e.Status) && e.HeartbeatAt < heartbeatBefore)
            .OrderBy(e => e.HeartbeatAt)
            .Select(e => e.Id)
            .Take(limit)
            .ToListAsync(cancellationToken));

    public Task<ExecutionPage> ListHistoryAsync(ExecutionHistoryQuery query, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            var executions = db.Executions.AsNoTracking();
            if (query.WorkflowId is { } workflowId)
            {
                executions = executions.Where(e => e.WorkflowId == workflowId);
            }

            if (query.UserId is { } userId)
            {
                var ownWorkflows = db.Deployments.Where(d => d.UserId == userId).Select(d => d.Id);
                executions = executions.Where(e => ownWorkflows.Contains(e.WorkflowId));
            }

            if (query.Statuses.Count > 0)
            {
                var statuses = query.Statuses.ToList();
                executions = executions.Where(e => statuses.Contains(e.Status));
            }

            if (query.Modes.Count > 0)
            {
                var modes = query.Modes.ToList();
                executions = executions.Where(e => modes.Contains(e.Mode));
            }

            if (query.From is { } from)
            {
                executions = executions.Where(e => e.CreatedAt >= from);
            }

            if (query.To is { } to)
            {
                executions = executions.Where(e => e.CreatedAt < to);
            }

            if (query.Before is { } before)
            {
                executions = executions.Where(e => e.CreatedAt < before.CreatedAt
                    || (e.CreatedAt == before.CreatedAt && e.Id.CompareTo(before.Id) < 0));
            }

            // One extra row tells whether another page follows.
            var items = await executions
                .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id)
                .Take(query.PageSize + 1)
                .ToListAsync(cancellationToken);
            var hasMore = items.Count > query.PageSize;
            return new ExecutionPage(hasMore ? items[..query.PageSize] : items, hasMore);
        });
}
