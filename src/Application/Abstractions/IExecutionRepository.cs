using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Abstractions;

/// <summary>Loads and stores <see cref="Execution"/>s. Changes land on <see cref="IUnitOfWork.SaveChangesAsync"/>.</summary>
public interface IExecutionRepository
{
    Task<Execution?> FindAsync(Guid executionId, CancellationToken cancellationToken = default);

    void Add(Execution execution);

    /// <summary>The most recently created execution of a workflow.</summary>
    Task<Execution?> FindLatestAsync(Guid workflowId, CancellationToken cancellationToken = default);

    Task<long> CountAsync(Guid workflowId, CancellationToken cancellationToken = default);
}
