using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Executions;

namespace WorkflowRuntime.Infrastructure.Scheduling.Quartz;

/// <summary>
/// The other half of the misfire policy: Quartz calls this (before <see cref="JitteredCronTrigger.UpdateAfterMisfire"/>
/// moves the trigger on) for a fire later than the catch-up window. Every occurrence skipped that way is recorded as
/// a SKIPPED scheduled execution, so a miss shows in history instead of vanishing.
/// </summary>
internal sealed partial class MissedFireListener(IServiceScopeFactory scopes, IOptions<SchedulingOptions> options,
    TimeProvider clock, ILogger<MissedFireListener> logger) : ITriggerListener
{
    public string Name => "missed-fire-recorder";

    public async ValueTask TriggerMisfired(ITrigger trigger, IScheduler scheduler, CancellationToken cancellationToken)
    {
        if (trigger is not JitteredCronTrigger cron || trigger.JobKey.Group != QuartzKeys.Group)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var missed = new List<DateTimeOffset>();
        var total = 0;
        for (var fire = cron.NextFireTimeUtc; fire is { } at && at < now; fire = cron.GetFireTimeAfter(at))
        {
            // Fire times must move forward; a trigger that repeats one would otherwise hold Quartz's misfire
            // handler (and a core) forever.
            if (cron.GetFireTimeAfter(at) is { } next && next <= at)
            {
                break;
            }

            total++;
            if (missed.Count < options.Value.MaxMissedRecorded)
            {
                missed.Add(cron.OccurrenceOf(at));
            }
        }

        if (missed.Count == 0)
        {
            return;
        }

        var workflowId = QuartzKeys.WorkflowOf(trigger.JobKey);
        CronMisfired(logger, workflowId, QuartzKeys.TriggerOf(trigger.Key), total, missed[0], options.Value.CatchUpWindowSeconds);
        var reason = $"missed: the scheduler could not fire within the catch-up window of {options.Value.CatchUpWindowSeconds} s";
        await using var scope = scopes.CreateAsyncScope();
        var recorded = await scope.ServiceProvider.GetRequiredService<ExecutionCoordinator>()
            .RecordMissedAsync(workflowId, QuartzKeys.TriggerOf(trigger.Key), missed, reason, cancellationToken);
        ExecutionMetrics.Missed(recorded);
    }

    public ValueTask TriggerFired(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken) => default;

    public ValueTask<bool> VetoJobExecution(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken) => new(false);

    public ValueTask TriggerSkipped(ITrigger trigger, IScheduler scheduler, CancellationToken cancellationToken) => default;

    public ValueTask TriggerComplete(ITrigger trigger, IJobExecutionContext context, SchedulerInstruction triggerInstructionCode,
        CancellationToken cancellationToken) => default;

    public ValueTask TriggerRetriesExhausted(ITrigger trigger, IJobExecutionContext context, JobExecutionException exception,
        CancellationToken cancellationToken) => default;

    [LoggerMessage(EventId = 3012, EventName = "cron_misfired", Level = LogLevel.Warning,
        Message = "Cron trigger {TriggerId} of workflow {WorkflowId} missed {MissedCount} occurrences from {FirstMissed:O} (later than the catch-up window of {CatchUpWindowSeconds} s); recorded as skipped")]
    private static partial void CronMisfired(ILogger logger, Guid workflowId, Guid triggerId, int missedCount, DateTimeOffset firstMissed, int catchUpWindowSeconds);
}
