using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Abstractions;

/// <summary>Loads and stores <see cref="Deployment"/> aggregates (with their triggers). Changes land on <see cref="IUnitOfWork.SaveChangesAsync"/>.</summary>
public interface IDeploymentRepository
{
    /// <summary>The deployment with its triggers, tracked for change; null when there is none.</summary>
    Task<Deployment?> FindAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The deployment with its triggers as stored now, not tracked (nothing this scope does changes it): what the
    /// execution path reads, and caches.
    /// </summary>
    Task<Deployment?> ReadAsync(Guid workflowId, CancellationToken cancellationToken = default);

    void Add(Deployment deployment);

    /// <summary>The active webhook trigger that holds <paramref name="path"/>, if any.</summary>
    Task<WorkflowTrigger?> FindActiveWebhookAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>A page in a stable order (creation time, then id), read without tracking.</summary>
    Task<DeploymentPage> ListAsync(DeploymentQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every deployment in the given states, for the scheduler reconciler.</summary>
    Task<IReadOnlyList<Deployment>> ListByStatusAsync(IReadOnlyCollection<DeploymentStatus> statuses, CancellationToken cancellationToken = default);
}

/// <param name="After">Keyset cursor: return deployments strictly after this position.</param>
public sealed record DeploymentQuery(string? UserId, IReadOnlyCollection<DeploymentStatus> Statuses, int PageSize, DeploymentCursor? After);

public sealed record DeploymentCursor(DateTimeOffset CreatedAt, Guid Id);

public sealed record DeploymentPage(IReadOnlyList<Deployment> Items, long TotalCount, bool HasMore);
