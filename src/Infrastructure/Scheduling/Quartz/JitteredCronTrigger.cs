using Quartz;
using Quartz.Extensibility;
using Quartz.Impl.Triggers;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Scheduling.Quartz;

/// <summary>
/// A Quartz trigger that fires occurrence <c>T</c> of a cron schedule (in its time zone) at <c>T + jitter</c>.
/// Quartz computes every next fire from it, persists it (<see cref="JitteredCronTriggerPersistenceDelegate"/>) and
/// applies the misfire policy — nothing in this process waits out the offset. The cron arithmetic is the domain's
/// (<see cref="CronTriggerSpec"/>), so the next fire the API shows and the one Quartz uses are the same.
/// </summary>
public sealed class JitteredCronTrigger : TriggerBase
{
    /// <summary>Misfire instruction: skip what was missed and wait for the next occurrence (the listener records the miss).</summary>
    public const int SkipToNextOccurrence = 1;

    // Quartz's reserved instruction codes (its MisfireInstruction constants are not public in 4.x).
    private const int IgnoreMisfirePolicy = -1;
    private const int SmartPolicy = 0;
    private const int YearToGiveUpAt = 2299;
    private readonly TimeProvider _clock;
    private CronTriggerSpec? _schedule;

    public JitteredCronTrigger() : this(System.TimeProvider.System)
    {
    }

    public JitteredCronTrigger(TimeProvider timeProvider) : base(timeProvider)
    {
        _clock = timeProvider;
    }

    public string CronExpression { get; set; } = string.Empty;

    public string TimeZoneId { get; set; } = CronTriggerSpec.UtcZone;

    /// <summary>The resolved per-workflow offset in seconds (already capped by the effective window).</summary>
    public int JitterSeconds { get; set; }

    public TimeSpan Jitter => TimeSpan.FromSeconds(JitterSeconds);

    /// <summary>
    /// Whole seconds, as Quartz's own cron trigger keeps it. <see cref="TriggerBase"/> drops only the milliseconds and
    /// keeps the sub-millisecond ticks, so a trigger created in the very second of its first fire would have that fire
    /// just before its start, and <see cref="GetFireTimeAfter"/> would return the same fire again and again.
    /// </summary>
    public override DateTimeOffset StartTimeUtc
    {
        get => base.StartTimeUtc;
        set => base.StartTimeUtc = new DateTimeOffset(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second, value.Offset);
    }

    public override DateTimeOffset? NextFireTimeUtc { get; set; }

    public override DateTimeOffset? PreviousFireTimeUtc { get; set; }

    public override DateTimeOffset? FinalFireTimeUtc => null;

    protected override bool HasMillisecondPrecision => false;

    public override bool MayFireAgain => NextFireTimeUtc is not null;

    /// <summary>The cron occurrence a fire time belongs to.</summary>
    public DateTimeOffset OccurrenceOf(DateTimeOffset fireTimeUtc) => fireTimeUtc - Jitter;

    public override IScheduleBuilder GetScheduleBuilder() =>
        new JitteredCronScheduleBuilder(CronExpression, TimeZoneId, JitterSeconds);

    public override DateTimeOffset? GetFireTimeAfter(DateTimeOffset? afterTime)
    {
        var after = afterTime ?? _clock.GetUtcNow();
        if (after < StartTimeUtc)
        {
            after = StartTimeUtc.AddSeconds(-1);
        }

        // The first occurrence T whose fire time T + jitter lies after `after`.
        var occurrence = Schedule.NextOccurrenceAfter(after - Jitter);
        var fireTime = occurrence + Jitter;
        return fireTime is null || (EndTimeUtc is { } end && fireTime > end) || fireTime.Value.Year > YearToGiveUpAt
            ? null
            : fireTime;
    }

    public override DateTimeOffset? ComputeFirstFireTimeUtc(ICalendar? calendar)
    {
        NextFireTimeUtc = SkipExcluded(GetFireTimeAfter(StartTimeUtc.AddSeconds(-1)), calendar);
        return NextFireTimeUtc;
    }

    public override void Triggered(ICalendar? calendar)
    {
        PreviousFireTimeUtc = NextFireTimeUtc;
        NextFireTimeUtc = SkipExcluded(GetFireTimeAfter(NextFireTimeUtc), calendar);
    }

    /// <summary>
    /// Called by Quartz for a fire later than the misfire threshold (our catch-up window): the missed occurrence is
    /// not run; the trigger moves on to the first fire after now.
    /// </summary>
    public override void UpdateAfterMisfire(ICalendar? calendar)
    {
        if (MisfireInstructionCode == IgnoreMisfirePolicy)
        {
            return;
        }

        NextFireTimeUtc = SkipExcluded(GetFireTimeAfter(_clock.GetUtcNow()), calendar);
    }

    public override void UpdateWithNewCalendar(ICalendar calendar, TimeSpan misfireThreshold)
    {
        NextFireTimeUtc = SkipExcluded(GetFireTimeAfter(PreviousFireTimeUtc), calendar);
    }

    public override void Validate()
    {
        base.Validate();
        _ = Schedule;
        if (JitterSeconds < 0)
        {
            throw new SchedulerException("JitterSeconds must not be negative.");
        }
    }

    protected override bool ValidateMisfireInstruction(int misfireInstruction) =>
        misfireInstruction is IgnoreMisfirePolicy or SmartPolicy or SkipToNextOccurrence;

    private CronTriggerSpec Schedule =>
        _schedule is { } cached && cached.Expression == CronExpression && cached.TimeZoneId == TimeZoneId
            ? cached
            : _schedule = CronTriggerSpec.Create(CronExpression, TimeZoneId);

    private DateTimeOffset? SkipExcluded(DateTimeOffset? fireTime, ICalendar? calendar)
    {
        while (fireTime is { } candidate && calendar is not null && !calendar.IsTimeIncluded(candidate))
        {
            fireTime = GetFireTimeAfter(candidate);
        }

        return fireTime;
    }
}

/// <summary>Rebuilds a <see cref="JitteredCronTrigger"/> (Quartz's trigger builders and persistence go through this).</summary>
public sealed class JitteredCronScheduleBuilder(string cronExpression, string timeZoneId, int jitterSeconds) : IScheduleBuilder
{
    public IMutableTrigger Build() => new JitteredCronTrigger
    {
        CronExpression = cronExpression,
        TimeZoneId = timeZoneId,
        JitterSeconds = jitterSeconds,
        MisfireInstructionCode = JitteredCronTrigger.SkipToNextOccurrence,
    };
}
