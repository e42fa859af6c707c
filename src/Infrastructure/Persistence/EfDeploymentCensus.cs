using Microsoft.EntityFrameworkCore;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>One <c>GROUP BY deployment_status</c>; run every sample interval, never per scrape.</summary>
public sealed class EfDeploymentCensus(WorkflowRuntimeDbContext db) : IDeploymentCensus
{
    public async Task<IReadOnlyDictionary<DeploymentStatus, long>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        var rows = await db.Deployments.AsNoTracking()
            .GroupBy(d => d.Status)
            .Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Status, r => r.Count);
    }
}
