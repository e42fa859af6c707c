using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Scheduling;

/// <summary>
/// Makes the scheduler agree with the deployments table: deployed workflows have their cron triggers, paused ones
/// have them paused, everything else has none. Every step is idempotent, so it runs at start (filling an in-memory
/// scheduler, repairing a clustered one after a failed rollback) and periodically. A workflow's triggers are removed
/// as orphans only when two passes in a row find them without a deployment (<see cref="SuspectedOrphans"/>).
/// </summary>
public sealed partial class CronScheduleReconciler(IDeploymentRepository deployments, ICronScheduler scheduler,
    SuspectedOrphans suspects, ILogger<CronScheduleReconciler> logger)
{
    public async Task<ReconcileReport> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        // What the scheduler holds is read first: a workflow deployed while this pass runs is then either in the
        // deployments read below or absent from this snapshot, and never removed as an orphan.
        var scheduled = await scheduler.ListScheduledWorkflowsAsync(cancellationToken);
        var live = await deployments.ListByStatusAsync([DeploymentStatus.Deployed, DeploymentStatus.Paused], cancellationToken);
        foreach (var deployment in live)
        {
            await ReconcileOneAsync(deployment, cancellationToken);
        }

        // Reading the scheduler first is not enough on a cluster: a deploy on another replica schedules inside its
        // transaction, so its triggers can be seen before its deployment row is. Such a workflow is only suspected
        // here; the next pass finds its deployment and leaves it alone.
        var liveIds = live.Select(d => d.Id).ToHashSet();
        var orphans = scheduled.Where(id => !liveIds.Contains(id)).ToList();
        var confirmed = suspects.Confirm(orphans);
        foreach (var orphan in confirmed)
        {
            await scheduler.UnscheduleAsync(orphan, cancellationToken);
        }

        var report = new ReconcileReport(live.Count, confirmed.Count, orphans.Count - confirmed.Count);
        Reconciled(logger, report.Deployments, report.Removed, report.Suspected);
        return report;
    }

    // One workflow the scheduler cannot take must not stop the pass for all the others; the next pass retries it.
    private async Task ReconcileOneAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            await scheduler.ScheduleAsync(deployment, cancellationToken);
            if (deployment.Status == DeploymentStatus.Paused)
            {
                await scheduler.PauseAsync(deployment.Id, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SchedulerUnavailableException)
        {
            WorkflowNotReconciled(logger, deployment.Id, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 3022, EventName = "schedule_reconcile_skipped_workflow", Level = LogLevel.Warning,
        Message = "Workflow {WorkflowId} could not be scheduled in this reconcile pass ({ErrorType}: {Error}); the pass goes on and the next one retries it")]
    private static partial void WorkflowNotReconciled(ILogger logger, Guid workflowId, string errorType, string error);

    [LoggerMessage(EventId = 3020, EventName = "schedule_reconciled", Level = LogLevel.Information,
        Message = "Scheduler reconciled with {Deployments} deployed or paused workflows; {Removed} orphaned jobs removed, {Suspected} without a deployment kept until the next pass confirms them")]
    private static partial void Reconciled(ILogger logger, int deployments, int removed, int suspected);
}

/// <param name="Removed">Workflows whose triggers were removed: orphaned in this pass and the one before.</param>
/// <param name="Suspected">Workflows scheduled without a deployment for the first time: removed next pass if still so.</param>
public sealed record ReconcileReport(int Deployments, int Removed, int Suspected);
