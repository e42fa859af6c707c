using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moq;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Infrastructure.Scheduling;
using WorkflowRuntime.Infrastructure.Scheduling.Lag;
using WorkflowRuntime.UnitTests.Application.Diagnostics;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Infrastructure.Scheduling;

/// <summary>The <c>scheduler</c> health entry: degraded past the lag bound or when the lag cannot be measured; gauges and one log line per change.</summary>
[Collection(SharedTelemetryCollection.Name)]
public sealed class SchedulerLagHealthCheckTests
{
    private const int BehindEventId = 3030;
    private const int CaughtUpEventId = 3031;

    private readonly Mock<ISchedulerLagProbe> _probe = new();
    private readonly RecordingLogger _logger = new();

    [Fact]
    public async Task Within_the_bound_the_scheduler_is_on_time_and_the_gauges_carry_the_lag()
    {
        Answer(TimeSpan.FromSeconds(2.5), due: 3);
        WorkflowRuntimeTelemetry.EnsureCreated();
        using var lag = new RecordedMeasurements("workflow_runtime.scheduler.lag");
        using var due = new RecordedMeasurements("workflow_runtime.scheduler.due_unfired");

        var health = await Check().CheckAsync();
        lag.Observe();
        due.Observe();

        Assert.True(health.Healthy, health.Message);
        Assert.Equal("scheduler", health.Name);
        Assert.Contains("3 occurrences due and unfired, the oldest due 2.5 s ago", health.Message);
        Assert.Equal([2.5], lag.All.Select(m => m.Value));
        Assert.Equal([3d], due.All.Select(m => m.Value));
        VerifyLogged(BehindEventId, Times.Never());
    }

    [Fact]
    public async Task Past_the_bound_it_is_degraded_and_says_so_once_until_it_catches_up()
    {
        var check = Check(boundSeconds: 10);

        Answer(TimeSpan.FromSeconds(25), due: 4_000);
        var behind = await check.CheckAsync();
        var stillBehind = await check.CheckAsync();
        Answer(TimeSpan.Zero, due: 0);
        var caughtUp = await check.CheckAsync();

        Assert.False(behind.Healthy);
        Assert.Contains("behind: 4000 occurrences due and unfired, the oldest due 25.0 s ago (degraded past 10 s)", behind.Message);
        Assert.False(stillBehind.Healthy);
        Assert.True(caughtUp.Healthy, caughtUp.Message);
        Assert.Equal("on time: no occurrence is due and unfired", caughtUp.Message);
        VerifyLogged(BehindEventId, Times.Once(), LogLevel.Warning);
        VerifyLogged(CaughtUpEventId, Times.Once(), LogLevel.Information);
        Assert.False(check.IsCritical);
    }

    [Fact]
    public async Task A_job_store_that_fails_leaves_the_lag_unknown_and_the_entry_degraded()
    {
        _probe.Setup(p => p.MeasureAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("connection refused"));

        var health = await Check().CheckAsync();

        Assert.False(health.Healthy);
        Assert.Equal("lag unknown: the job store did not answer (connection refused)", health.Message);
    }

    [Fact]
    public async Task A_job_store_that_hangs_is_cut_off_at_the_timeout()
    {
        _probe.Setup(p => p.MeasureAsync(It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<SchedulerLag>().Task);

        var health = await Check(timeout: TimeSpan.FromMilliseconds(50)).CheckAsync();

        Assert.False(health.Healthy);
        Assert.Equal("lag unknown: the job store did not answer (no answer within 50 ms)", health.Message);
    }

    [Fact]
    public void The_lag_is_zero_when_nothing_is_due_and_never_negative()
    {
        var now = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(SchedulerLag.None, SchedulerLag.At(now, null, 0));
        Assert.Equal(new SchedulerLag(TimeSpan.FromSeconds(7), 2), SchedulerLag.At(now, now.AddSeconds(-7), 2));
        Assert.Equal(new SchedulerLag(TimeSpan.Zero, 1), SchedulerLag.At(now, now.AddSeconds(1), 1));
    }

    private SchedulerLagHealthCheck Check(int boundSeconds = 10, TimeSpan? timeout = null) =>
        new(_probe.Object, Options.Create(new SchedulingOptions { LagDegradedAfterSeconds = boundSeconds }),
            timeout ?? TimeSpan.FromSeconds(3), _logger);

    private void Answer(TimeSpan behind, long due) =>
        _probe.Setup(p => p.MeasureAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new SchedulerLag(behind, due));

    private void VerifyLogged(int eventId, Times times, LogLevel? level = null)
    {
        var count = _logger.Events.Count(e => e.Id.Id == eventId && (level is null || e.Level == level));
        Assert.True(times.Validate(count), $"event {eventId} logged {count} times");
    }

    private sealed class RecordingLogger : ILogger<SchedulerLagHealthCheck>
    {
        public List<(LogLevel Level, EventId Id)> Events { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Add((logLevel, eventId));
    }
}
