using Quartz;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;

namespace WorkflowRuntime.Infrastructure.Scheduling.Lag;

/// <summary>
/// The embedded (in-memory) store's lag: it has no table to ask, so the probe walks our group's triggers. That is
/// one dictionary read per trigger, fine for the few hundred workflows a laptop holds; the clustered store has
/// <see cref="PostgresSchedulerLagProbe"/>.
/// </summary>
internal sealed class InMemorySchedulerLagProbe(ISchedulerFactory schedulers, TimeProvider clock) : ISchedulerLagProbe
{
    public async Task<SchedulerLag> MeasureAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var now = clock.GetUtcNow();
        DateTimeOffset? oldest = null;
        long due = 0;
        foreach (var key in await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(QuartzKeys.Group), cancellationToken))
        {
            if (await scheduler.GetTrigger(key, cancellationToken) is not { } trigger
                || trigger.NextFireTimeUtc is not { } next
                || next > now
                || await scheduler.GetTriggerState(key, cancellationToken) is not (TriggerState.Normal or TriggerState.Blocked))
            {
                continue;
            }

            due++;
            oldest = oldest is { } current && current <= next ? current : next;
        }

        return SchedulerLag.At(now, oldest, due);
    }
}
