using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Schedules;

/// <summary>BackfillSchedule and ListUpcomingFires over gRPC, on PostgreSQL and the clustered scheduler.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ScheduleRpcTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        fixture.Engine.Reset();
    }

    public Task DisposeAsync() => CronCleanup.ArchiveAllAsync(_client);

    [Fact]
    public async Task A_backfill_of_a_day_of_a_quarter_hour_cron_runs_its_96_occurrences_once_and_a_second_identical_backfill_starts_none()
    {
        var workflowId = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/15 * * * *")))).Deployment.WorkflowId;
        var day = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-2), TimeSpan.Zero);
        var request = new BackfillScheduleRequest
        {
            WorkflowId = workflowId,
            From = Timestamp.FromDateTimeOffset(day),
            To = Timestamp.FromDateTimeOffset(day.AddDays(1)),
        };

        var first = await _client.BackfillScheduleAsync(request);
        var second = await _client.BackfillScheduleAsync(request);

        Assert.Equal((96, 96, 0, 0), (first.Occurrences, first.Started, first.AlreadyPresent, first.Skipped));
        Assert.Equal((96, 0, 96, 0), (second.Occurrences, second.Started, second.AlreadyPresent, second.Skipped));
        var backfilled = await PostgresDatabase.QueryAsync(
            $"SELECT scheduled_for FROM workflow_executions WHERE workflow_id = '{workflowId}' AND mode = 'SCHEDULED' AND triggered_by = 'backfill' ORDER BY scheduled_for",
            r => r.GetFieldValue<DateTimeOffset>(0));
        Assert.Equal(Enumerable.Range(0, 96).Select(i => day.AddMinutes(15 * i)), backfilled);
        var inEngine = fixture.Engine.Executions(workflowId).Where(e => e.Metadata.GetValueOrDefault("backfill") == "true").ToList();
        Assert.Equal(96, inEngine.Count);
        Assert.Equal(96, inEngine.Select(e => e.Metadata["scheduled_for"]).Distinct().Count());
    }

    [Fact]
    public async Task A_backfill_into_the_future_or_of_an_archived_workflow_is_refused_and_writes_nothing()
    {
        var workflowId = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/15 * * * *")))).Deployment.WorkflowId;
        var now = DateTimeOffset.UtcNow;

        var future = await FailsWith(StatusCode.InvalidArgument, _client.BackfillScheduleAsync(new BackfillScheduleRequest
        {
            WorkflowId = workflowId,
            From = Timestamp.FromDateTimeOffset(now.AddHours(-1)),
            To = Timestamp.FromDateTimeOffset(now.AddHours(1)),
        }));
        await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = workflowId });
        var archived = await FailsWith(StatusCode.FailedPrecondition, _client.BackfillScheduleAsync(new BackfillScheduleRequest
        {
            WorkflowId = workflowId,
            From = Timestamp.FromDateTimeOffset(now.AddHours(-2)),
            To = Timestamp.FromDateTimeOffset(now.AddHours(-1)),
        }));

        Assert.Contains("to", future.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("ARCHIVED", archived.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflowId}'"));
    }

    [Fact]
    public async Task Upcoming_fires_are_the_occurrences_the_scheduler_then_fires()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/2 * * * * *", "Europe/Berlin")))).Deployment;

        var preview = (await _client.ListUpcomingFiresAsync(new ListUpcomingFiresRequest { WorkflowId = deployed.WorkflowId, Count = 3 })).Fires;

        Assert.Equal(3, preview.Count);
        Assert.All(preview, f => Assert.Equal(deployed.Triggers[0].JitterSeconds, (f.FireTime.ToDateTimeOffset() - f.ScheduledFor.ToDateTimeOffset()).TotalSeconds));
        Assert.All(preview, f => Assert.Equal("Europe/Berlin", f.Timezone));
        Assert.All(preview, f => Assert.Equal(f.FireTime.ToDateTimeOffset(), DateTimeOffset.Parse(f.LocalFireTime, System.Globalization.CultureInfo.InvariantCulture)));
        var expected = preview.Select(f => f.ScheduledFor.ToDateTimeOffset()).ToList();
        var fired = await Eventually.Until(
            () => PostgresDatabase.QueryAsync(
                $"SELECT scheduled_for FROM workflow_executions WHERE workflow_id = '{deployed.WorkflowId}' AND mode = 'SCHEDULED' ORDER BY scheduled_for",
                r => r.GetFieldValue<DateTimeOffset>(0)),
            occurrences => expected.All(occurrences.Contains),
            TimeSpan.FromSeconds(30));
        Assert.Equal(expected, fired.Where(expected.Contains));
        Assert.DoesNotContain(fired, o => o > expected[0] && o < expected[^1] && !expected.Contains(o));
    }

    [Fact]
    public async Task Upcoming_fires_refuse_a_count_over_100_naming_the_field()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/15 * * * *")))).Deployment;

        var refused = await FailsWith(StatusCode.InvalidArgument,
            _client.ListUpcomingFiresAsync(new ListUpcomingFiresRequest { WorkflowId = deployed.WorkflowId, Count = 101 }));

        Assert.Contains("count", refused.Status.Detail, StringComparison.Ordinal);
    }
}
