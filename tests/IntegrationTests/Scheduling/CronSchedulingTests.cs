using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Scheduling;

/// <summary>Cron triggers on the clustered Quartz store: fire times, pause, resume, archive.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CronSchedulingTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        fixture.Engine.Reset();
    }

    public Task DisposeAsync() => CronCleanup.ArchiveAllAsync(_client);

    [Fact]
    public async Task A_ten_second_cron_fires_at_each_occurrence_plus_its_jitter_three_times_in_a_row()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/10 * * * * *")))).Deployment;
        var jitter = JitterPolicy.CalculateJitter(deployed.WorkflowId, 10);
        Assert.Equal(jitter, deployed.Triggers.Single().JitterSeconds);

        var fires = await Eventually.Until(() => ScheduledRunsAsync(deployed.WorkflowId), runs => runs.Count >= 3, TimeSpan.FromSeconds(45));

        Assert.True(fires.Count >= 3, $"only {fires.Count} fires");
        foreach (var (occurrence, created) in fires.Take(3))
        {
            Assert.Equal(0, occurrence.ToUnixTimeSeconds() % 10);
            var lateness = created - (occurrence + TimeSpan.FromSeconds(jitter));
            Assert.True(Math.Abs(lateness.TotalSeconds) <= 1, $"occurrence {occurrence:O} fired {lateness.TotalMilliseconds} ms off its jittered time");
        }

        var occurrences = fires.Take(3).Select(f => f.Occurrence).ToList();
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)], occurrences.Zip(occurrences.Skip(1), (a, b) => b - a));
    }

    [Fact]
    public async Task Pause_stops_fires_resume_restarts_from_the_next_occurrence_and_archive_removes_the_quartz_triggers()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("*/2 * * * * *")))).Deployment;
        Assert.Equal(1, await QuartzTriggerCountAsync(deployed.WorkflowId));
        await Eventually.Until(() => ScheduledRunsAsync(deployed.WorkflowId), runs => runs.Count >= 1, TimeSpan.FromSeconds(15));

        await _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = deployed.WorkflowId });
        var pausedAt = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(5));
        var duringPause = (await ScheduledRunsAsync(deployed.WorkflowId)).Count(r => r.Created > pausedAt.AddSeconds(1));
        Assert.Equal(0, duringPause);
        Assert.Equal("PAUSED", await PostgresDatabase.ScalarAsync<string>(
            $"SELECT trigger_state FROM qrtz_triggers WHERE job_name = '{deployed.WorkflowId}'"));

        await _client.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = deployed.WorkflowId });
        var resumedAt = DateTimeOffset.UtcNow;
        var afterResume = await Eventually.Until(() => ScheduledRunsAsync(deployed.WorkflowId),
            runs => runs.Any(r => r.Created > resumedAt), TimeSpan.FromSeconds(15));
        Assert.Contains(afterResume, r => r.Created > resumedAt);
        // Nothing is replayed for the paused occurrences.
        Assert.DoesNotContain(afterResume, r => r.Occurrence > pausedAt.AddSeconds(1) && r.Occurrence < resumedAt.AddSeconds(-2));

        await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = deployed.WorkflowId });
        Assert.Equal(0, await QuartzTriggerCountAsync(deployed.WorkflowId));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM qrtz_job_details WHERE job_name = '{deployed.WorkflowId}'"));
    }

    private static async Task<long> QuartzTriggerCountAsync(string workflowId) =>
        await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM qrtz_triggers WHERE job_name = '{workflowId}'");

    private static async Task<List<(DateTimeOffset Occurrence, DateTimeOffset Created)>> ScheduledRunsAsync(string workflowId)
    {
        var rows = await PostgresDatabase.QueryAsync($"""
            SELECT scheduled_for, created_at FROM workflow_executions
            WHERE workflow_id = '{workflowId}' AND mode = 'SCHEDULED' AND status <> 'SKIPPED' ORDER BY scheduled_for
            """, r => (new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero)));
        return [.. rows];
    }
}
