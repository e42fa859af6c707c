using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Monitoring;

/// <summary>
/// The four statistics RPCs of MonitoringService over real gRPC against PostgreSQL holding known rows (seeded with
/// SQL, not RPCs): every number is checked against what the rows say.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class MonitoringRpcTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private const string Daily = "0 9 * * *";
    private static readonly DateTimeOffset Origin = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly MonitoringService.MonitoringServiceClient _monitoring = fixture.Host.Monitoring;

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    // The seeded cron workflows are removed again so that no scheduler reconcile adopts them later.
    public Task DisposeAsync() => PostgresDatabase.ResetAsync();

    [Fact]
    public async Task The_jitter_histogram_of_1000_daily_workflows_is_even_and_matches_their_stored_offsets()
    {
        var jitters = await SeedCronWorkflowsAsync(1000, Daily);
        await SeedCronWorkflowsAsync(20, "*/5 * * * *");

        var response = await _monitoring.GetJitterDistributionAsync(new GetJitterDistributionRequest { CronExpression = Daily });

        Assert.Equal(300, response.WindowSeconds);
        Assert.Equal(30, response.BucketSeconds);
        Assert.Equal(1000, response.Samples);
        Assert.Equal(10, response.Buckets.Count);
        var expected = Enumerable.Range(0, 10).Select(b => (long)jitters.Count(j => j / 30 == b)).ToList();
        Assert.Equal(expected, response.Buckets.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 10).Select(b => b * 30L), response.Buckets.Select(b => b.Start));
        Assert.Equal(jitters.Average(), response.MeanSeconds, 6);
        Assert.InRange(response.MaxMeanRatio, 1.0, 1.5);
        Assert.Equal(expected.Max() / 100.0, response.MaxMeanRatio, 6);

        var all = await _monitoring.GetJitterDistributionAsync(new GetJitterDistributionRequest { BucketSeconds = 60 });
        Assert.Equal(1020, all.Samples);
        Assert.Equal(5, all.Buckets.Count);
    }

    [Fact]
    public async Task The_load_ahead_puts_every_occurrence_due_in_a_bucket_with_and_without_jitter()
    {
        var jitters = await SeedCronWorkflowsAsync(1000, Daily);
        await SeedCronWorkflowsAsync(50, Daily, status: "PAUSED");
        var nine = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(9), TimeSpan.Zero);

        var response = await _monitoring.GetLoadDistributionAsync(new GetLoadDistributionRequest
        {
            From = Timestamp.FromDateTimeOffset(nine.AddMinutes(-2)),
            To = Timestamp.FromDateTimeOffset(nine.AddMinutes(8)),
            BucketSeconds = 60,
        });

        Assert.Equal(10, response.PlannedWithJitter.Count);
        Assert.Equal(1000, response.FiresWithJitter);
        Assert.Equal(1000, response.PlannedWithJitter.Sum(b => b.Count));
        Assert.Equal(1000, response.PlannedWithoutJitter.Sum(b => b.Count));
        Assert.Equal(1000, response.PeakWithoutJitter);
        Assert.Equal(1000, response.PlannedWithoutJitter[2].Count);
        var expected = Enumerable.Range(0, 10).Select(b => (long)jitters.Count(j => (j / 60) + 2 == b)).ToList();
        Assert.Equal(expected, response.PlannedWithJitter.Select(b => b.Count));
        Assert.Equal(expected.Max(), response.PeakWithJitter);
        Assert.Equal(nine.AddMinutes(-2).ToUnixTimeSeconds(), response.PlannedWithJitter[0].Start);
        Assert.Equal(100.0, response.MeanWithJitter, 6);
        Assert.Equal(1000, response.CronTriggers);
    }

    [Fact]
    public async Task Deployment_stats_count_the_rows_of_the_range_and_of_the_user()
    {
        var alice = await SeedWorkflowAsync("alice", "DEPLOYED", "WEBHOOK");
        await SeedWorkflowAsync("alice", "PAUSED", "CRON");
        await SeedWorkflowAsync("bob", "ARCHIVED", "MANUAL", active: false);
        await SeedWorkflowAsync("bob", "DEPLOYED", "MANUAL");
        // Ten finished runs of alice, 100 ms .. 1000 ms, 7 SUCCESS, 2 ERROR, 1 TIMEOUT; two skipped; one outside the range.
        for (var i = 1; i <= 10; i++)
        {
            await SeedExecutionAsync(alice, i <= 7 ? "SUCCESS" : i <= 9 ? "ERROR" : "TIMEOUT", i % 2 == 0 ? "WEBHOOK" : "MANUAL",
                Origin.AddMinutes(i), durationMs: i * 100);
        }

        await SeedExecutionAsync(alice, "SKIPPED", "WEBHOOK", Origin.AddMinutes(11));
        await SeedExecutionAsync(alice, "SKIPPED", "WEBHOOK", Origin.AddMinutes(12));
        await SeedExecutionAsync(alice, "SUCCESS", "WEBHOOK", Origin.AddHours(2), durationMs: 99_000);
        var range = new GetDeploymentStatsRequest { From = Timestamp.FromDateTimeOffset(Origin), To = Timestamp.FromDateTimeOffset(Origin.AddHours(1)) };

        var all = await _monitoring.GetDeploymentStatsAsync(range);

        Assert.Equal(4, all.Total);
        Assert.Equal(2, all.ByStatus["DEPLOYED"]);
        Assert.Equal(1, all.ByStatus["PAUSED"]);
        Assert.Equal(1, all.ByStatus["ARCHIVED"]);
        Assert.Equal(0, all.ByStatus["DRAFT"]);
        Assert.Equal((1, 1, 1), (all.CronTriggers, all.WebhookTriggers, all.ManualTriggers));
        Assert.Equal(12, all.ExecutionsTotal);
        Assert.Equal(7, all.ExecutionsByStatus24H["SUCCESS"]);
        Assert.Equal(2, all.ExecutionsByStatus24H["SKIPPED"]);
        Assert.Equal(0, all.ExecutionsByStatus24H["RUNNING"]);
        Assert.Equal(7, all.ExecutionsByMode["WEBHOOK"]);
        Assert.Equal(5, all.ExecutionsByMode["MANUAL"]);
        Assert.Equal(10, all.FinishedRuns);
        Assert.Equal(0.7, all.SuccessRate, 6);
        // percentile_cont over 100..1000: p50 = 550, p95 = 955, p99 = 991.
        Assert.Equal(550, all.DurationP50Ms, 3);
        Assert.Equal(955, all.DurationP95Ms, 3);
        Assert.Equal(991, all.DurationP99Ms, 3);
        Assert.Equal(1000, all.DurationMaxMs, 3);

        range.UserId = "bob";
        var bob = await _monitoring.GetDeploymentStatsAsync(range);
        Assert.Equal(2, bob.Total);
        Assert.Equal((0, 0, 1), (bob.CronTriggers, bob.WebhookTriggers, bob.ManualTriggers));
        Assert.Equal(0, bob.ExecutionsTotal);

        var lastDay = await _monitoring.GetDeploymentStatsAsync(new GetDeploymentStatsRequest());
        Assert.Equal(0, lastDay.ExecutionsTotal);
        Assert.Equal(TimeSpan.FromHours(24), lastDay.To.ToDateTimeOffset() - lastDay.From.ToDateTimeOffset());
    }

    [Fact]
    public async Task Scheduling_metrics_count_fires_misses_overlaps_lateness_and_instances()
    {
        var jitters = await SeedCronWorkflowsAsync(3, "*/5 * * * *");
        var workflows = await PostgresDatabase.QueryAsync("SELECT id, (SELECT id FROM workflow_triggers t WHERE t.workflow_id = w.id) FROM workflows w ORDER BY w.id",
            r => (Workflow: r.GetGuid(0), Trigger: r.GetGuid(1)));
        var jitterOf = await PostgresDatabase.QueryAsync("SELECT id, jitter_seconds FROM workflow_triggers", r => (Id: r.GetGuid(0), Jitter: r.GetInt32(1)));
        var (workflow, trigger) = workflows[0];
        var jitter = jitterOf.Single(j => j.Id == trigger).Jitter;
        // Ten runs late by 10, 20, .. 100 ms beyond their jitter, on two instances.
        for (var i = 1; i <= 10; i++)
        {
            var occurrence = Origin.AddMinutes(5 * i);
            await SeedExecutionAsync(workflow, "SUCCESS", "SCHEDULED", occurrence.AddSeconds(jitter).AddMilliseconds(10 * i), durationMs: 50,
                trigger: trigger, scheduledFor: occurrence, owner: i <= 6 ? "runtime-a" : "runtime-b");
        }

        await SeedExecutionAsync(workflow, "SKIPPED", "SCHEDULED", Origin.AddMinutes(56), trigger: trigger, scheduledFor: Origin.AddMinutes(55),
            owner: "runtime-b", skipReason: "another execution of this workflow is running (overlap policy SKIP)");
        await SeedExecutionAsync(workflow, "SKIPPED", "SCHEDULED", Origin.AddMinutes(59), trigger: trigger, scheduledFor: Origin.AddMinutes(50).AddSeconds(1),
            skipReason: "missed: the scheduler could not fire within the catch-up window of 60 s");
        await SeedExecutionAsync(workflow, "SUCCESS", "MANUAL", Origin.AddMinutes(30), durationMs: 10);

        var response = await _monitoring.GetSchedulingMetricsAsync(new GetSchedulingMetricsRequest
        {
            From = Timestamp.FromDateTimeOffset(Origin),
            To = Timestamp.FromDateTimeOffset(Origin.AddHours(1)),
        });

        Assert.Equal(jitters.Count, response.ScheduledTriggers);
        Assert.Equal(11, response.Fires);
        Assert.Equal(1, response.Misfires);
        Assert.Equal(1, response.SkippedOverlap);
        Assert.Equal(55, response.LatenessP50Ms, 3);
        Assert.Equal(95.5, response.LatenessP95Ms, 3);
        Assert.Equal(99.1, response.LatenessP99Ms, 3);
        Assert.Equal(100, response.LatenessMaxMs, 3);
        Assert.Equal(6, response.FiresByInstance["runtime-a"]);
        Assert.Equal(5, response.FiresByInstance["runtime-b"]);
        Assert.Equal(2, response.FiresByInstance.Count);
    }

    [Fact]
    public async Task Bad_ranges_and_buckets_are_invalid_argument_naming_the_field_and_write_nothing()
    {
        var before = await PostgresDatabase.SnapshotAsync();
        var reversed = new GetSchedulingMetricsRequest { From = Timestamp.FromDateTimeOffset(Origin), To = Timestamp.FromDateTimeOffset(Origin.AddHours(-1)) };
        var tooLong = new GetDeploymentStatsRequest { From = Timestamp.FromDateTimeOffset(Origin), To = Timestamp.FromDateTimeOffset(Origin.AddDays(32)) };

        Assert.Equal(["from"], ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _monitoring.GetSchedulingMetricsAsync(reversed))));
        Assert.Equal(["to"], ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _monitoring.GetDeploymentStatsAsync(tooLong))));
        Assert.Equal(["bucket_seconds"], ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _monitoring.GetJitterDistributionAsync(new GetJitterDistributionRequest { BucketSeconds = -1 }))));
        Assert.Equal(["cron_expression"], ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _monitoring.GetJitterDistributionAsync(new GetJitterDistributionRequest { CronExpression = "0 25 * * *" }))));
        Assert.Equal(["to"], ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _monitoring.GetLoadDistributionAsync(
            new GetLoadDistributionRequest { From = Timestamp.FromDateTimeOffset(Origin), To = Timestamp.FromDateTimeOffset(Origin.AddDays(8)), BucketSeconds = 3600 }))));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    /// <summary>Inserts DEPLOYED (or <paramref name="status"/>) workflows with one cron trigger each; returns their jitters.</summary>
    private static async Task<List<int>> SeedCronWorkflowsAsync(int count, string expression, string status = "DEPLOYED")
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        var window = expression == "* * * * *" ? 60 : 300;
        var jitters = ids.Select(id => JitterPolicy.CalculateJitter(id.ToString(), window)).ToList();
        var workflows = new StringBuilder();
        var triggers = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var separator = i == 0 ? string.Empty : ",";
            workflows.Append(CultureInfo.InvariantCulture, $"{separator}('{ids[i]}', 'user-1', 'w{i}', '{{}}', '{status}', 1, '{{}}', now(), now(), now())");
            triggers.Append(CultureInfo.InvariantCulture, $"{separator}('{Guid.NewGuid()}', '{ids[i]}', 'CRON', " +
                $"'{{\"type\":\"cron\",\"cron_expression\":\"{expression}\",\"timezone\":\"UTC\",\"disable_jitter\":false,\"jitter_window_seconds\":300}}', " +
                $"true, {jitters[i]}, 0, now())");
        }

        await PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflows (id, user_id, name, workflow_data, deployment_status, version, deployment_config, created_at, updated_at, deployed_at)
            VALUES {workflows};
            INSERT INTO workflow_triggers (id, workflow_id, trigger_type, trigger_config, is_active, jitter_seconds, fire_count, created_at)
            VALUES {triggers};
            """);
        return jitters;
    }

    private static async Task<Guid> SeedWorkflowAsync(string user, string status, string triggerType, bool active = true)
    {
        var id = Guid.NewGuid();
        var config = triggerType switch
        {
            "CRON" => """{"type":"cron","cron_expression":"0 9 * * *","timezone":"UTC","disable_jitter":false,"jitter_window_seconds":300}""",
            "WEBHOOK" => $$"""{"type":"webhook","path":"p-{{id:N}}","methods":["POST"]}""",
            _ => """{"type":"manual"}""",
        };
        await PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflows (id, user_id, name, workflow_data, deployment_status, version, deployment_config, created_at, updated_at)
            VALUES ('{id}', '{user}', 'w', '{"{}"}', '{status}', 1, '{"{}"}', now(), now());
            INSERT INTO workflow_triggers (id, workflow_id, trigger_type, trigger_config, is_active, jitter_seconds, fire_count, created_at)
            VALUES ('{Guid.NewGuid()}', '{id}', '{triggerType}', '{config}', {active}, 0, 0, now());
            """);
        return id;
    }

    private static Task<int> SeedExecutionAsync(Guid workflow, string status, string mode, DateTimeOffset createdAt, int? durationMs = null,
        Guid? trigger = null, DateTimeOffset? scheduledFor = null, string? owner = null, string? skipReason = null)
    {
        static string Sql(object? value) => value switch
        {
            null => "NULL",
            DateTimeOffset at => $"'{at.UtcDateTime:O}'",
            _ => $"'{value}'",
        };

        var started = durationMs is null ? (DateTimeOffset?)null : createdAt.AddMilliseconds(5);
        var finished = durationMs is { } ms ? started!.Value.AddMilliseconds(ms) : status == "SKIPPED" ? createdAt : (DateTimeOffset?)null;
        return PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflow_executions (id, workflow_id, status, mode, trigger_id, scheduled_for, is_exclusive, trigger_data,
                skip_reason, created_at, started_at, finished_at, owner_instance_id, revision)
            VALUES ('{Guid.NewGuid()}', '{workflow}', '{status}', '{mode}', {Sql(trigger)}, {Sql(scheduledFor)}, false, '{"{}"}',
                {Sql(skipReason)}, {Sql(createdAt)}, {Sql(started)}, {Sql(finished)}, {Sql(owner)}, 0)
            """);
    }
}
