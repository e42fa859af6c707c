using Quartz;
using WorkflowRuntime.Infrastructure.Scheduling.Lag;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Infrastructure.Scheduling;

/// <summary>
/// The embedded store's lag, on a real in-memory Quartz scheduler that is never started (so nothing fires while
/// the probe looks): due and unfired counts, paused, future and foreign triggers do not.
/// </summary>
public sealed class InMemorySchedulerLagProbeTests : IAsyncLifetime
{
    private readonly StandaloneSchedulerFactory _factory = QuartzSchedulerBuilder.Create(quartz =>
    {
        quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = $"lag-probe-{Guid.NewGuid():N}");
        quartz.UseDefaultThreadPool(1);
        quartz.UseInMemoryStore();
    }).Build();

    private IScheduler _scheduler = null!;

    public async Task InitializeAsync() => _scheduler = await _factory.GetScheduler();

    public async Task DisposeAsync()
    {
        await _scheduler.Shutdown();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Only_due_unpaused_triggers_of_our_group_count_and_the_oldest_gives_the_lag()
    {
        // Quartz moves a first fire time in the past up to now, so the probe's clock runs ahead instead.
        var now = DateTimeOffset.UtcNow;
        var job = JobBuilder.Create<NoOpJob>().WithIdentity(QuartzKeys.Job(Guid.NewGuid())).StoreDurably().Build();
        await _scheduler.AddJob(job);
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now);
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now.AddSeconds(35));
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now.AddMinutes(5));
        var paused = QuartzKeys.Trigger(Guid.NewGuid());
        await Schedule(job, paused, now);
        await _scheduler.PauseTrigger(paused);
        await Schedule(job, new TriggerKey(Guid.NewGuid().ToString(), "someone-else"), now);
        var probeClock = new FixedTimeProvider(now.AddSeconds(40));

        var lag = await new InMemorySchedulerLagProbe(_factory, probeClock).MeasureAsync(CancellationToken.None);

        Assert.Equal(2, lag.DueUnfired);
        // The oldest due trigger fires at now (or the few milliseconds later Quartz stored), 40 s before the probe's clock.
        Assert.InRange(lag.Behind.TotalSeconds, 39, 40);
    }

    [Fact]
    public async Task An_empty_store_has_no_lag()
    {
        var lag = await new InMemorySchedulerLagProbe(_factory, TimeProvider.System).MeasureAsync(CancellationToken.None);

        Assert.Equal(SchedulerLag.None, lag);
    }

    private async Task Schedule(IJobDetail job, TriggerKey key, DateTimeOffset firstFire) =>
        await _scheduler.ScheduleJob(TriggerBuilder.Create().WithIdentity(key).ForJob(job).StartAt(firstFire)
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()).Build());

    private sealed class NoOpJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
