using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Executions;

namespace WorkflowRuntime.Infrastructure.Scheduling.Quartz;

/// <summary>
/// What a cron fire does: hand occurrence <c>T</c> (the scheduled fire time minus the jitter) to the coordinator as
/// a SCHEDULED run. The database deduplicates a repeated fire of the same occurrence (a recovered fire after a node
/// died, for instance), so the job itself needs no lock.
/// </summary>
internal sealed partial class CronFireJob(IServiceScopeFactory scopes, ILogger<CronFireJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var workflowId = QuartzKeys.WorkflowOf(context.JobDetail.Key);
        var (triggerId, scheduledFire) = OriginalFire(context);
        var jitter = JitterOf(context);
        var occurrence = scheduledFire - jitter;
        var lateness = (context.FireTimeUtc - scheduledFire).TotalMilliseconds;
        using var activity = ExecutionMetrics.CronFired(workflowId, occurrence, jitter, context.FireTimeUtc - scheduledFire, context.Recovering);
        CronFired(logger, workflowId, triggerId, occurrence, (long)lateness, context.Recovering);

        await using var scope = scopes.CreateAsyncScope();
        var coordinator = scope.ServiceProvider.GetRequiredService<ExecutionCoordinator>();
        // The scheduler's misfire threshold is the service's catch-up window; a deployment may narrow it for its own
        // triggers (DeploymentConfig.CatchUpWindowSeconds), which the coordinator applies from this lateness.
        var outcome = await coordinator.FireScheduledAsync(workflowId, triggerId, occurrence, context.FireTimeUtc - scheduledFire,
            cancellationToken);
        if (!outcome.IsSuccess)
        {
            CronFireRefused(logger, workflowId, occurrence, string.Join("; ", outcome.Errors.Concat(outcome.ValidationErrors.Select(e => e.ErrorMessage))));
        }
    }

    /// <summary>
    /// The trigger and scheduled time of the fire, also when this is a recovery of a dead node's fire. Quartz.NET hands
    /// the original scheduled time over as <c>Convert.ToString(DateTimeOffset, InvariantCulture)</c>
    /// ("11/29/2026 09:26:40 +00:00": whole seconds, which is all our fire times have), not as epoch milliseconds.
    /// </summary>
    private static (Guid TriggerId, DateTimeOffset ScheduledFire) OriginalFire(IJobExecutionContext context)
    {
        if (context.Recovering && context.MergedJobDataMap.TryGetString(SchedulerConstants.FailedJobOriginalTriggerScheduledFireTime, out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var scheduled)
            && context.RecoveringTriggerKey is { } original)
        {
            return (QuartzKeys.TriggerOf(original), scheduled.ToUniversalTime());
        }

        return (QuartzKeys.TriggerOf(context.Trigger.Key), context.ScheduledFireTimeUtc ?? context.FireTimeUtc);
    }

    /// <summary>A recovery fire runs under a plain trigger; the original's jitter travels in its job data.</summary>
    private static TimeSpan JitterOf(IJobExecutionContext context) =>
        context.Trigger is JitteredCronTrigger cron ? cron.Jitter
        : context.MergedJobDataMap.TryGetString(JitterDataKey, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;

    public const string JitterDataKey = "jitter_seconds";

    [LoggerMessage(EventId = 3010, EventName = "cron_fired", Level = LogLevel.Information,
        Message = "Cron trigger {TriggerId} of workflow {WorkflowId} fired for occurrence {Occurrence:O}, {LatenessMs} ms after its jittered time (recovering: {Recovering})")]
    private static partial void CronFired(ILogger logger, Guid workflowId, Guid triggerId, DateTimeOffset occurrence, long latenessMs, bool recovering);

    [LoggerMessage(EventId = 3011, EventName = "cron_fire_refused", Level = LogLevel.Warning,
        Message = "Cron fire of workflow {WorkflowId} for {Occurrence:O} did not start a run: {Reason}")]
    private static partial void CronFireRefused(ILogger logger, Guid workflowId, DateTimeOffset occurrence, string reason);
}
