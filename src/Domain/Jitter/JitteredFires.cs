using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Domain.Jitter;

/// <summary>
/// When a jittered cron trigger fires: occurrence <c>T</c> of the schedule fires at <c>T + jitter</c>. This is the
/// arithmetic of <see cref="WorkflowTrigger.NextFireAfter"/> (and of the scheduler's jittered trigger), written out
/// for a range so that load forecasts count exactly the fires the scheduler will make.
/// </summary>
public static class JitteredFires
{
    /// <summary>The occurrences <c>T</c> of <paramref name="schedule"/> with <c>from ≤ T &lt; to</c>, in order.</summary>
    public static IEnumerable<DateTimeOffset> OccurrencesBetween(CronTriggerSpec schedule, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        // Occurrences are whole seconds, so "strictly after one tick before from" is "at or after from".
        var next = schedule.NextOccurrenceAfter(from.AddTicks(-1));
        while (next is { } occurrence && occurrence < to)
        {
            yield return occurrence;
            next = schedule.NextOccurrenceAfter(occurrence);
        }
    }

    /// <summary>The fire time of occurrence <paramref name="occurrence"/> for a trigger with <paramref name="jitterSeconds"/>.</summary>
    public static DateTimeOffset FireOf(DateTimeOffset occurrence, int jitterSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jitterSeconds);
        return occurrence + TimeSpan.FromSeconds(jitterSeconds);
    }

    /// <summary>The fires <c>T + jitter</c> with <c>from ≤ fire &lt; to</c>, in order.</summary>
    public static IEnumerable<DateTimeOffset> FiresBetween(CronTriggerSpec schedule, int jitterSeconds, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jitterSeconds);
        var offset = TimeSpan.FromSeconds(jitterSeconds);
        return OccurrencesBetween(schedule, from - offset, to - offset).Select(occurrence => FireOf(occurrence, jitterSeconds));
    }
}
