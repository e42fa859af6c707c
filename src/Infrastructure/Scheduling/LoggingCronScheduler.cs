using Microsoft.Extensions.Logging;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Scheduling;

/// <summary>
/// Stand-in scheduler until the Quartz adapter lands: records what it was asked to do and fires nothing.
/// Next fire times shown by the API are computed from the domain (cron occurrence + jitter), not from here.
/// </summary>
internal sealed partial class LoggingCronScheduler(ILogger<LoggingCronScheduler> logger) : ICronScheduler
{
    public Task ScheduleAsync(Deployment deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        foreach (var trigger in deployment.ActiveTriggers.Where(t => t.Type == TriggerType.Cron))
        {
            CronScheduled(logger, deployment.Id, trigger.Id, ((CronTriggerSpec)trigger.Spec).Expression, trigger.JitterSeconds);
        }

        return Task.CompletedTask;
    }

    public Task PauseAsync(Guid workflowId, CancellationToken cancellationToken = default)
    {
        CronPaused(logger, workflowId);
        return Task.CompletedTask;
    }

    public Task ResumeAsync(Deployment deployment, CancellationToken cancellationToken = default) =>
        ScheduleAsync(deployment, cancellationToken);

    public Task UnscheduleAsync(Guid workflowId, CancellationToken cancellationToken = default)
    {
        CronUnscheduled(logger, workflowId);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> GetNextFireTimeAsync(Guid workflowId, Guid triggerId, CancellationToken cancellationToken = default) =>
        Task.FromResult<DateTimeOffset?>(null);

    [LoggerMessage(EventId = 3001, EventName = "cron_scheduled", Level = LogLevel.Information,
        Message = "Cron trigger {TriggerId} of workflow {WorkflowId} registered ('{CronExpression}', jitter {JitterSeconds} s); no scheduler fires it yet")]
    private static partial void CronScheduled(ILogger logger, Guid workflowId, Guid triggerId, string cronExpression, int jitterSeconds);

    [LoggerMessage(EventId = 3002, EventName = "cron_paused", Level = LogLevel.Information,
        Message = "Cron triggers of workflow {WorkflowId} paused")]
    private static partial void CronPaused(ILogger logger, Guid workflowId);

    [LoggerMessage(EventId = 3003, EventName = "cron_unscheduled", Level = LogLevel.Information,
        Message = "Cron triggers of workflow {WorkflowId} removed")]
    private static partial void CronUnscheduled(ILogger logger, Guid workflowId);
}
