using Microsoft.Extensions.Logging;
using Quartz;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;

namespace WorkflowRuntime.Infrastructure.Scheduling;

/// <summary>
/// The scheduler port over Quartz: one durable job per workflow, one <see cref="JitteredCronTrigger"/> per active
/// cron trigger. Every call is idempotent, so the reconciler may repeat it freely.
/// </summary>
internal sealed partial class QuartzCronScheduler(ISchedulerFactory factory, ILogger<QuartzCronScheduler> logger) : ICronScheduler
{
    public async Task ScheduleAsync(Deployment deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var scheduler = await factory.GetScheduler(cancellationToken);
        var jobKey = QuartzKeys.Job(deployment.Id);
        var wanted = deployment.ActiveTriggers.Where(t => t.Spec is CronTriggerSpec).ToList();
        if (wanted.Count == 0)
        {
            await UnscheduleAsync(deployment.Id, cancellationToken);
            return;
        }

        var existing = (await scheduler.GetTriggersOfJob(jobKey, cancellationToken)).OfType<JitteredCronTrigger>()
            .ToDictionary(t => t.Key);
        var job = JobBuilder.Create<CronFireJob>()
            .WithIdentity(jobKey)
            .WithDescription(deployment.Name)
            .StoreDurably()
            // A node that dies mid-fire has the fire re-run elsewhere; the database deduplicates the occurrence.
            .RequestRecovery()
            .Build();

        var toSchedule = new List<ITrigger>();
        foreach (var trigger in wanted)
        {
            var spec = (CronTriggerSpec)trigger.Spec;
            var key = QuartzKeys.Trigger(trigger.Id);
            if (existing.TryGetValue(key, out var current) && current.CronExpression == spec.Expression
                && current.TimeZoneId == spec.TimeZoneId && current.JitterSeconds == trigger.JitterSeconds)
            {
                continue; // unchanged: keep its next fire time
            }

            toSchedule.Add(Build(key, jobKey, spec, trigger.JitterSeconds));
            CronScheduled(logger, deployment.Id, trigger.Id, spec.Expression, spec.TimeZoneId, trigger.JitterSeconds);
        }

        var wantedKeys = wanted.Select(t => QuartzKeys.Trigger(t.Id)).ToHashSet();
        var stale = existing.Keys.Where(k => !wantedKeys.Contains(k)).ToList();
        if (stale.Count > 0)
        {
            await scheduler.UnscheduleJobs(stale, cancellationToken);
        }

        if (toSchedule.Count > 0 || !await scheduler.Exists(jobKey, cancellationToken))
        {
            await scheduler.ScheduleJob(job, toSchedule, new ScheduleJobOptions { Replace = true }, cancellationToken);
        }
    }

    public async Task PauseAsync(Guid workflowId, CancellationToken cancellationToken = default)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        await scheduler.PauseJob(QuartzKeys.Job(workflowId), cancellationToken);
        CronPaused(logger, workflowId);
    }

    /// <summary>
    /// Fresh triggers rather than Quartz's resume: a resumed trigger would report the paused occurrences as misfires,
    /// but a pause is not a miss. The first fire is the next occurrence after now.
    /// </summary>
    public async Task ResumeAsync(Deployment deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var scheduler = await factory.GetScheduler(cancellationToken);
        await scheduler.DeleteJob(QuartzKeys.Job(deployment.Id), cancellationToken);
        await ScheduleAsync(deployment, cancellationToken);
    }

    public async Task UnscheduleAsync(Guid workflowId, CancellationToken cancellationToken = default)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        if (await scheduler.DeleteJob(QuartzKeys.Job(workflowId), cancellationToken))
        {
            CronUnscheduled(logger, workflowId);
        }
    }

    public async Task<IReadOnlyCollection<Guid>> ListScheduledWorkflowsAsync(CancellationToken cancellationToken = default)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        var keys = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(QuartzKeys.Group), cancellationToken);
        return [.. keys.Select(QuartzKeys.WorkflowOf)];
    }

    private static ITrigger Build(TriggerKey key, JobKey jobKey, CronTriggerSpec spec, int jitterSeconds) =>
        TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(jobKey)
            .WithSchedule(new JitteredCronScheduleBuilder(spec.Expression, spec.TimeZoneId, jitterSeconds))
            .UsingJobData(CronFireJob.JitterDataKey, jitterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .StartNow()
            .Build();

    [LoggerMessage(EventId = 3001, EventName = "cron_scheduled", Level = LogLevel.Information,
        Message = "Cron trigger {TriggerId} of workflow {WorkflowId} scheduled ('{CronExpression}' in {TimeZone}, jitter {JitterSeconds} s)")]
    private static partial void CronScheduled(ILogger logger, Guid workflowId, Guid triggerId, string cronExpression, string timeZone, int jitterSeconds);

    [LoggerMessage(EventId = 3002, EventName = "cron_paused", Level = LogLevel.Information, Message = "Cron triggers of workflow {WorkflowId} paused")]
    private static partial void CronPaused(ILogger logger, Guid workflowId);

    [LoggerMessage(EventId = 3003, EventName = "cron_unscheduled", Level = LogLevel.Information, Message = "Cron triggers of workflow {WorkflowId} removed")]
    private static partial void CronUnscheduled(ILogger logger, Guid workflowId);
}
