using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Monitoring;

public sealed class MonitoringStatisticsServiceTests
{
    private static readonly DateTimeOffset Now = Samples.Now;
    private readonly Mock<IMonitoringReadModel> _readModel = new(MockBehavior.Strict);
    private readonly MonitoringStatisticsService _service;

    public MonitoringStatisticsServiceTests() => _service = new MonitoringStatisticsService(_readModel.Object, new FixedTimeProvider(Now));

    [Fact]
    public async Task Deployment_stats_default_to_the_last_24_hours_and_fill_every_status_and_mode()
    {
        TimeRange? asked = null;
        _readModel.Setup(r => r.CountDeploymentsAsync("alice", It.IsAny<TimeRange>(), It.IsAny<CancellationToken>()))
            .Callback((string? _, TimeRange range, CancellationToken _) => asked = range)
            .ReturnsAsync(new DeploymentCounts(
                new Dictionary<DeploymentStatus, long> { [DeploymentStatus.Deployed] = 7, [DeploymentStatus.Paused] = 2 },
                new Dictionary<TriggerType, long> { [TriggerType.Cron] = 5, [TriggerType.Webhook] = 3 },
                [
                    new ExecutionCount(ExecutionStatus.Success, ExecutionMode.Scheduled, 6),
                    new ExecutionCount(ExecutionStatus.Error, ExecutionMode.Webhook, 1),
                    new ExecutionCount(ExecutionStatus.Timeout, ExecutionMode.Manual, 1),
                    new ExecutionCount(ExecutionStatus.Skipped, ExecutionMode.Scheduled, 4),
                ],
                new Percentiles(100, 900, 990, 1000)));

        var result = await _service.GetDeploymentStatsAsync(new DeploymentStatsQuery(" alice ", null, null));

        Assert.True(result.IsSuccess);
        Assert.Equal(new TimeRange(Now.AddHours(-24), Now), asked);
        var view = result.Value;
        Assert.Equal(9, view.TotalDeployments);
        Assert.Equal(0, view.DeploymentsByStatus["DRAFT"]);
        Assert.Equal(7, view.DeploymentsByStatus["DEPLOYED"]);
        Assert.Equal(4, view.DeploymentsByStatus.Count);
        Assert.Equal((5, 3, 0), (view.CronTriggers, view.WebhookTriggers, view.ManualTriggers));
        Assert.Equal(8, view.ExecutionsByStatus.Count);
        Assert.Equal(4, view.ExecutionsByStatus["SKIPPED"]);
        Assert.Equal(10, view.ExecutionsByMode["SCHEDULED"]);
        Assert.Equal(0, view.ExecutionsByMode["RETRY"]);
        Assert.Equal(12, view.Executions);
        // Skipped runs are not finished runs: 6 of 8 succeeded.
        Assert.Equal(8, view.FinishedRuns);
        Assert.Equal(0.75, view.SuccessRate, 6);
        Assert.Equal(990, view.Durations.P99);
    }

    [Fact]
    public async Task Deployment_stats_without_any_finished_run_report_a_zero_success_rate_and_zero_durations()
    {
        _readModel.Setup(r => r.CountDeploymentsAsync(null, It.IsAny<TimeRange>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DeploymentCounts(new Dictionary<DeploymentStatus, long>(), new Dictionary<TriggerType, long>(), [], null));

        var view = (await _service.GetDeploymentStatsAsync(new DeploymentStatsQuery(null, Now.AddDays(-2), Now.AddDays(-1)))).Value;

        Assert.Equal(0, view.SuccessRate);
        Assert.Equal(Percentiles.None, view.Durations);
        Assert.Equal(new TimeRange(Now.AddDays(-2), Now.AddDays(-1)), view.Range);
    }

    public static TheoryData<int, int, string> BadHistoryRanges => new()
    {
        { 0, 0, "from" },        // empty
        { 1, 0, "from" },        // reversed
        { -32 * 24, 0, "to" },   // longer than 31 days
    };

    [Theory]
    [MemberData(nameof(BadHistoryRanges))]
    public async Task A_bad_history_range_is_invalid_and_names_the_field(int fromHours, int toHours, string field)
    {
        var query = new SchedulingMetricsQuery(Now.AddHours(fromHours), Now.AddHours(toHours));

        var scheduling = await _service.GetSchedulingMetricsAsync(query);
        var stats = await _service.GetDeploymentStatsAsync(new DeploymentStatsQuery(null, query.From, query.To));

        Assert.Equal(ResultStatus.Invalid, scheduling.Status);
        Assert.Equal(field, Assert.Single(scheduling.ValidationErrors).Identifier);
        Assert.Equal(field, Assert.Single(stats.ValidationErrors).Identifier);
        _readModel.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_range_at_the_edge_of_the_calendar_is_invalid_not_an_overflow()
    {
        var history = await _service.GetSchedulingMetricsAsync(new SchedulingMetricsQuery(null, DateTimeOffset.MinValue));
        var load = await _service.GetLoadDistributionAsync(new LoadDistributionQuery(DateTimeOffset.MaxValue, null, 60));

        Assert.Equal(ResultStatus.Invalid, history.Status);
        Assert.Equal(ResultStatus.Invalid, load.Status);
        _readModel.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_too_long_user_id_is_invalid()
    {
        var result = await _service.GetDeploymentStatsAsync(new DeploymentStatsQuery(new string('u', 256), null, null));

        Assert.Equal("user_id", Assert.Single(result.ValidationErrors).Identifier);
    }

    [Fact]
    public async Task Scheduling_metrics_pass_the_counts_through_with_zero_lateness_when_nothing_fired()
    {
        var counts = new SchedulingCounts(12, 0, 3, 0, null, new Dictionary<string, long>());
        _readModel.Setup(r => r.CountSchedulingAsync(new TimeRange(Now.AddHours(-1), Now), It.IsAny<CancellationToken>())).ReturnsAsync(counts);

        var view = (await _service.GetSchedulingMetricsAsync(new SchedulingMetricsQuery(Now.AddHours(-1), null))).Value;

        Assert.Same(counts, view.Counts);
        Assert.Equal(Percentiles.None, view.Lateness);
    }

    [Fact]
    public async Task A_database_outage_is_unavailable()
    {
        _readModel.Setup(r => r.CountSchedulingAsync(It.IsAny<TimeRange>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PersistenceUnavailableException("connection refused", new InvalidOperationException()));

        var result = await _service.GetSchedulingMetricsAsync(new SchedulingMetricsQuery(null, null));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3601)]
    public async Task A_jitter_bucket_out_of_range_is_invalid(int bucket)
    {
        var result = await _service.GetJitterDistributionAsync(new JitterDistributionQuery(bucket, null));

        Assert.Equal("bucket_seconds", Assert.Single(result.ValidationErrors).Identifier);
    }

    [Fact]
    public async Task A_jitter_filter_that_is_not_a_cron_expression_is_invalid()
    {
        var result = await _service.GetJitterDistributionAsync(new JitterDistributionQuery(0, "every morning"));

        Assert.Equal("cron_expression", Assert.Single(result.ValidationErrors).Identifier);
        _readModel.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task The_jitter_filter_is_normalised_like_stored_expressions_and_the_bucket_defaults_to_30_seconds()
    {
        _readModel.Setup(r => r.ListCronJitterGroupsAsync("0 9 * * *", It.IsAny<CancellationToken>()))
            .ReturnsAsync([new CronJitterGroup("0 9 * * *", "UTC", false, 300, 45, 2)]);

        var view = (await _service.GetJitterDistributionAsync(new JitterDistributionQuery(0, "  0  9 * * * "))).Value;

        Assert.Equal(30, view.BucketSeconds);
        Assert.Equal(10, view.Buckets.Count);
        Assert.Equal(2, view.Buckets[1].Count);
    }

    public static TheoryData<int, int, int, string> BadLoadRequests => new()
    {
        { 0, 0, 60, "from" },
        { 0, 8 * 24, 3600, "to" },
        { 0, 1, -5, "bucket_seconds" },
        { 0, 1, 86_401, "bucket_seconds" },
        { 0, 7 * 24, 30, "bucket_seconds" }, // 20,160 buckets
    };

    [Theory]
    [MemberData(nameof(BadLoadRequests))]
    public async Task A_bad_load_request_is_invalid_and_names_the_field(int fromHours, int toHours, int bucket, string field)
    {
        var result = await _service.GetLoadDistributionAsync(new LoadDistributionQuery(Now.AddHours(fromHours), Now.AddHours(toHours), bucket));

        Assert.Equal(field, Assert.Single(result.ValidationErrors).Identifier);
        _readModel.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Load_defaults_to_the_next_hour_in_one_minute_buckets()
    {
        _readModel.Setup(r => r.ListDeployedCronSchedulesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([new CronScheduleGroup("*/5 * * * *", "UTC", 30, 4)]);

        var view = (await _service.GetLoadDistributionAsync(new LoadDistributionQuery(null, null, 0))).Value;

        Assert.Equal(new TimeRange(Now, Now.AddHours(1)), view.Range);
        Assert.Equal(60, view.WithJitter.Count);
        Assert.Equal(12 * 4, view.FiresWithJitter);
        Assert.Equal(12 * 4, view.FiresWithoutJitter);
        Assert.Equal(4, view.PeakWithJitter);
        Assert.Equal(4, view.WithJitter[0].Count);       // 12:00:30
        Assert.Equal(4, view.WithoutJitter[0].Count);    // 12:00:00
    }

    [Fact]
    public async Task A_forecast_that_would_expand_too_many_occurrences_is_refused_naming_to()
    {
        // An every-second schedule over 7 days with 40 distinct jitters: 604,800 × 41 steps > the budget.
        _readModel.Setup(r => r.ListDeployedCronSchedulesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([.. Enumerable.Range(0, 40).Select(j => new CronScheduleGroup("* * * * * *", "UTC", 0, 1))
                .Select((g, j) => g with { JitterSeconds = j })]);

        var result = await _service.GetLoadDistributionAsync(new LoadDistributionQuery(Now, Now.AddDays(7), 3600));

        Assert.Equal("to", Assert.Single(result.ValidationErrors).Identifier);
    }

    [Fact]
    public void The_fires_of_a_range_agree_with_the_trigger_s_next_fire_arithmetic()
    {
        var spec = CronTriggerSpec.Create("*/7 * * * *", "Europe/Berlin");
        var deployment = Samples.Deployed(spec);
        var trigger = deployment.ActiveTriggers.Single();
        var from = new DateTimeOffset(2025, 10, 25, 22, 0, 0, TimeSpan.Zero); // across the Berlin fall-back
        var to = from.AddHours(6);

        var fires = JitteredFires.FiresBetween(spec, trigger.JitterSeconds, from, to).ToList();

        var expected = new List<DateTimeOffset>();
        for (var next = trigger.NextFireAfter(from.AddTicks(-1)); next < to; next = trigger.NextFireAfter(next!.Value))
        {
            expected.Add(next!.Value);
        }

        Assert.NotEmpty(fires);
        Assert.Equal(expected, fires);
    }
}
