using Microsoft.EntityFrameworkCore;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

internal sealed class EfExecutionRepository(WorkflowRuntimeDbContext db) : IExecutionRepository
{
    public Task<Execution?> FindAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.FirstOrDefaultAsync(e => e.Id == executionId, cancellationToken));

    public void Add(Execution execution) => db.Executions.Add(execution);

    public Task<Execution?> FindLatestAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.AsNoTracking()
            .Where(e => e.WorkflowId == workflowId)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id)
            .FirstOrDefaultAsync(cancellationToken));

    public Task<long> CountAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Executions.LongCountAsync(e => e.WorkflowId == workflowId, cancellationToken));
}
