using Quartz;
using WorkflowRuntime.Infrastructure.Scheduling.Lag;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Scheduling;

/// <summary>
/// The clustered store's lag, read from Quartz's own table in a real PostgreSQL: a scheduler of its own name on a
/// scratch database, never started (so nothing fires while the probe looks). Quartz moves a first fire time in the
/// past up to now, so the probe's clock runs ahead instead.
/// </summary>
public sealed class SchedulerLagProbeTests : IAsyncLifetime
{
    private readonly string _schedulerName = $"lag-{Guid.NewGuid():N}";
    private string _database = "";
    private StandaloneSchedulerFactory? _factory;
    private IScheduler _scheduler = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateScratchAsync();
        _factory = QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = _schedulerName);
            quartz.UseDefaultThreadPool(1);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(TestSettings.PostgresConnectionStringFor(_database));
                store.UseSystemTextJsonSerializer(_ => { });
                store.ProvisionSchema();
                store.ConfigureStore(ado => ado.TablePrefix = "qrtz_");
            });
        }).Build();
        _scheduler = await _factory.GetScheduler();
    }

    public async Task DisposeAsync()
    {
        await _scheduler.Shutdown();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await PostgresDatabase.DropAsync(_database);
    }

    [Fact]
    public async Task Due_waiting_triggers_of_our_scheduler_and_group_count_and_paused_or_future_ones_do_not()
    {
        var now = DateTimeOffset.UtcNow;
        var job = JobBuilder.Create<NoOpJob>().WithIdentity(QuartzKeys.Job(Guid.NewGuid())).StoreDurably().Build();
        await _scheduler.AddJob(job);
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now);
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now.AddSeconds(30));
        await Schedule(job, QuartzKeys.Trigger(Guid.NewGuid()), now.AddMinutes(5));
        var paused = QuartzKeys.Trigger(Guid.NewGuid());
        await Schedule(job, paused, now);
        await _scheduler.PauseTrigger(paused);
        await Schedule(job, new TriggerKey(Guid.NewGuid().ToString(), "someone-else"), now);

        var lag = await Probe(_schedulerName, now.AddSeconds(40)).MeasureAsync(CancellationToken.None);
        var otherScheduler = await Probe("another-cluster", now.AddSeconds(40)).MeasureAsync(CancellationToken.None);
        var beforeAnyIsDue = await Probe(_schedulerName, now.AddSeconds(-1)).MeasureAsync(CancellationToken.None);

        Assert.Equal(2, lag.DueUnfired);
        // The oldest fires at now (or the few milliseconds later Quartz stored), 40 s before the probe's clock.
        Assert.InRange(lag.Behind.TotalSeconds, 39, 40);
        Assert.Equal(SchedulerLag.None, otherScheduler);
        Assert.Equal(SchedulerLag.None, beforeAnyIsDue);
    }

    [Fact]
    public async Task A_database_whose_quartz_tables_are_not_there_yet_has_no_lag()
    {
        var fresh = await PostgresDatabase.CreateScratchAsync();
        try
        {
            var lag = await new PostgresSchedulerLagProbe(TestSettings.PostgresConnectionStringFor(fresh), _schedulerName, TimeProvider.System)
                .MeasureAsync(CancellationToken.None);

            Assert.Equal(SchedulerLag.None, lag);
        }
        finally
        {
            await PostgresDatabase.DropAsync(fresh);
        }
    }

    [Fact]
    public async Task A_store_that_cannot_be_reached_fails_the_measurement()
    {
        var unreachable = new Npgsql.NpgsqlConnectionStringBuilder(TestSettings.PostgresConnectionStringFor(_database))
        {
            Port = FreePort.Next(),
            Timeout = 2,
        }.ConnectionString;

        await Assert.ThrowsAnyAsync<Exception>(() =>
            new PostgresSchedulerLagProbe(unreachable, _schedulerName, TimeProvider.System).MeasureAsync(CancellationToken.None));
    }

    private PostgresSchedulerLagProbe Probe(string schedulerName, DateTimeOffset clock) =>
        new(TestSettings.PostgresConnectionStringFor(_database), schedulerName, new AheadClock(clock));

    private async Task Schedule(IJobDetail job, TriggerKey key, DateTimeOffset firstFire) =>
        await _scheduler.ScheduleJob(TriggerBuilder.Create().WithIdentity(key).ForJob(job).StartAt(firstFire)
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()).Build());

    private sealed class AheadClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class NoOpJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
