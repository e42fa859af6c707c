using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Monitoring;

/// <summary>fire_count and last_fired_at move for cron, webhook and manual fires (written by the periodic flush).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TriggerCounterRpcTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(40);
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Webhook_and_manual_fires_count_once_each_and_a_deduplicated_repeat_does_not()
    {
        var path = $"counter-{Guid.NewGuid():N}";
        var request = Deploy("user-1", Webhook(path), Manual());
        // ALLOW_ALL: the manual run must not be skipped by the webhook run still going (a skip is a fire, but keeps no key).
        request.Config.OverlapPolicy = OverlapPolicy.AllowAll;
        var deployment = (await _client.DeployWorkflowAsync(request)).Deployment;
        var webhook = deployment.Triggers.Single(t => t.Spec.Webhook is not null).TriggerId;
        var manual = deployment.Triggers.Single(t => t.Spec.Manual is not null).TriggerId;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = path, IdempotencyKey = "w-1" });
        await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = deployment.WorkflowId, IdempotencyKey = "m-1" });
        var repeat = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = deployment.WorkflowId, IdempotencyKey = "m-1" });
        Assert.True(repeat.Deduplicated, "the repeat of key m-1 should be deduplicated");

        var counts = await Eventually.Until(() => CountersAsync(webhook, manual), c => c.All(x => x.Fires == 1), FlushWait);
        Assert.All(counts, c => Assert.Equal(1, c.Fires));
        Assert.All(counts, c => Assert.True(c.LastFiredAt >= before, $"last_fired_at {c.LastFiredAt:O} is before the fire"));

        await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = deployment.WorkflowId });
    }

    [Fact]
    public async Task Cron_fires_count_every_recorded_fire_of_the_trigger()
    {
        var spec = new TriggerSpec { Cron = new CronTriggerSpec { CronExpression = "*/2 * * * * *", DisableJitter = true } };
        var deployment = (await _client.DeployWorkflowAsync(Deploy("user-1", spec))).Deployment;
        var cron = deployment.Triggers.Single().TriggerId;

        var fired = await Eventually.Until(() => RecordedFiresAsync(cron), n => n >= 2, TimeSpan.FromSeconds(30));
        Assert.True(fired >= 2, $"the cron trigger fired {fired} times in 30 s");
        await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = deployment.WorkflowId });

        // Every recorded fire (run or overlap skip, not a missed occurrence) is counted once the flush has run.
        var (recorded, counter) = await Eventually.Until(
            async () => (await RecordedFiresAsync(cron), (await CountersAsync(cron))[0]),
            x => x.Item2.Fires == x.Item1 && x.Item1 >= 2, FlushWait);
        Assert.Equal(recorded, counter.Fires);
        var latest = await PostgresDatabase.ScalarAsync<DateTime>(
            $"SELECT max(created_at) FROM workflow_executions WHERE trigger_id = '{cron}' AND coalesce(skip_reason, '') NOT LIKE 'missed:%'");
        Assert.Equal(new DateTimeOffset(latest, TimeSpan.Zero), counter.LastFiredAt);
    }

    private static Task<long> RecordedFiresAsync(string triggerId) => PostgresDatabase.ScalarAsync<long>(
        $"SELECT count(*) FROM workflow_executions WHERE trigger_id = '{triggerId}' AND coalesce(skip_reason, '') NOT LIKE 'missed:%'");

    private static async Task<IReadOnlyList<(long Fires, DateTimeOffset? LastFiredAt)>> CountersAsync(params string[] triggerIds)
    {
        var rows = new List<(long, DateTimeOffset?)>();
        foreach (var id in triggerIds)
        {
            rows.AddRange(await PostgresDatabase.QueryAsync($"SELECT fire_count, last_fired_at FROM workflow_triggers WHERE id = '{id}'",
                r => (r.GetInt64(0), r.IsDBNull(1) ? (DateTimeOffset?)null : new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero))));
        }

        return rows;
    }
}
