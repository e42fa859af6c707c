using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

internal sealed partial class EfDeploymentRepository(WorkflowRuntimeDbContext db, ILogger<EfDeploymentRepository> logger) : IDeploymentRepository
{
    public Task<Deployment?> FindAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () => ReportUnusable(await db.Deployments
            .Include(d => d.Triggers)
            // One statement, so one snapshot: a change committed between two statements would mix versions.
            .AsSingleQuery()
            .FirstOrDefaultAsync(d => d.Id == workflowId, cancellationToken)));

    public Task<Deployment?> ReadAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () => ReportUnusable(await db.Deployments
            .AsNoTracking()
            .Include(d => d.Triggers)
            // One deployment and its few triggers: one statement (a join) beats two round trips.
            .AsSingleQuery()
            .FirstOrDefaultAsync(d => d.Id == workflowId, cancellationToken)));

    public void Add(Deployment deployment) => db.Deployments.Add(deployment);

    public Task<WorkflowTrigger?> FindActiveWebhookAsync(string path, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(() => db.Triggers
            .AsNoTracking()
            .FirstOrDefaultAsync(t => t.IsActive && t.WebhookPath == path, cancellationToken));

    public Task<DeploymentPage> ListAsync(DeploymentQuery query, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            var filtered = db.Deployments.AsNoTracking();
            if (query.UserId is not null)
            {
                filtered = filtered.Where(d => d.UserId == query.UserId);
            }

            if (query.Statuses.Count > 0)
            {
                var statuses = query.Statuses.ToList();
                filtered = filtered.Where(d => statuses.Contains(d.Status));
            }

            var total = await filtered.LongCountAsync(cancellationToken);

            var page = filtered;
            if (query.After is { } after)
            {
                page = page.Where(d => d.CreatedAt > after.CreatedAt || (d.CreatedAt == after.CreatedAt && d.Id.CompareTo(after.Id) > 0));
            }

            // One extra row tells whether another page follows without a second count.
            var items = await page
                .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)
                .Take(query.PageSize + 1)
                .Include(d => d.Triggers)
                .AsSingleQuery() // one snapshot: see ListByStatusAsync
                .ToListAsync(cancellationToken);
            ReportUnusable(items);
            var hasMore = items.Count > query.PageSize;
            return new DeploymentPage(hasMore ? items[..query.PageSize] : items, total, hasMore);
        });

    public Task<IReadOnlyList<Deployment>> ListByStatusAsync(IReadOnlyCollection<DeploymentStatus> statuses,
        CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync<IReadOnlyList<Deployment>>(async () =>
        {
            var wanted = statuses.ToList();
            var live = await db.Deployments.AsNoTracking()
                .Where(d => wanted.Contains(d.Status))
                .Include(d => d.Triggers)
                // One statement, so one snapshot. Split (deployments, then their triggers) a workflow deployed between
                // the two statements made EF match trigger rows to the wrong deployments: the reconciler got a
                // deployed workflow without triggers and unscheduled it. A deployment has a trigger or two, so the
                // join repeats few rows.
                .AsSingleQuery()
                .ToListAsync(cancellationToken);
            ReportUnusable(live);
            return live;
        });

    // The read goes on; the row is shown as it is stored and never fires until its owner replaces the trigger.
    private Deployment? ReportUnusable(Deployment? deployment)
    {
        foreach (var trigger in deployment?.Triggers ?? [])
        {
            if (trigger.Spec is UnusableTriggerSpec unusable)
            {
                UnusableTrigger(logger, trigger.WorkflowId, trigger.Id, unusable.Problem);
            }
        }

        return deployment;
    }

    private void ReportUnusable(List<Deployment> deployments)
    {
        foreach (var deployment in deployments)
        {
            ReportUnusable(deployment);
        }
    }

    [LoggerMessage(EventId = 1310, EventName = "stored_trigger_unusable", Level = LogLevel.Warning,
        Message = "Trigger {TriggerId} of workflow {WorkflowId} is stored in a form that can no longer be used ({Problem}); it is shown as stored and does not fire until the deployment's triggers are replaced")]
    private static partial void UnusableTrigger(ILogger logger, Guid workflowId, Guid triggerId, string problem);
}
