namespace WorkflowRuntime.Infrastructure.Scheduling.Lag;

/// <summary>
/// How far behind the scheduler is: <see cref="Behind"/> is now minus the oldest occurrence that is due and not yet
/// fired (zero when nothing is due), <see cref="DueUnfired"/> how many occurrences are due and not yet fired.
/// Paused triggers are not due.
/// </summary>
internal readonly record struct SchedulerLag(TimeSpan Behind, long DueUnfired)
{
    public static SchedulerLag None => new(TimeSpan.Zero, 0);

    /// <summary>The lag at <paramref name="now"/> given the oldest due fire time, if any.</summary>
    public static SchedulerLag At(DateTimeOffset now, DateTimeOffset? oldestDue, long dueUnfired) =>
        oldestDue is { } oldest && dueUnfired > 0
            ? new SchedulerLag(oldest < now ? now - oldest : TimeSpan.Zero, dueUnfired)
            : None;
}

/// <summary>Measures the scheduler's lag from its job store.</summary>
internal interface ISchedulerLagProbe
{
    /// <summary>Throws when the store cannot answer; the health check turns that into its report.</summary>
    Task<SchedulerLag> MeasureAsync(CancellationToken cancellationToken);
}
