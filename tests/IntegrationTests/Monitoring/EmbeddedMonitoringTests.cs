using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Monitoring;

/// <summary>The embedded (SQLite) profile answers every statistics RPC and counts fires too.</summary>
public sealed class EmbeddedMonitoringTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"wr-embedded-monitoring-{Guid.NewGuid():N}");
    private RuntimeHost _host = null!;

    public async Task InitializeAsync() => _host = await RuntimeHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["ConnectionStrings:Postgres"] = string.Empty,
        ["ConnectionStrings:Redis"] = string.Empty,
        ["WorkflowRuntime:Persistence:SqlitePath"] = Path.Combine(_directory, "runtime.db"),
        ["WorkflowRuntime:Engine:SimulatedLatencyMs"] = "10",
        ["WorkflowRuntime:Monitoring:CounterFlushIntervalSeconds"] = "1",
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Stats_jitter_load_scheduling_and_counters_work_embedded()
    {
        var cron = (await _host.Runtime.DeployWorkflowAsync(Deploy("laptop", Cron("0 9 * * *")))).Deployment;
        var other = (await _host.Runtime.DeployWorkflowAsync(Deploy("laptop", Webhook("local/counted"), Manual()))).Deployment;
        await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "local/counted", WaitForCompletion = true, WaitTimeoutSeconds = 10 });
        await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = other.WorkflowId, WaitForCompletion = true, WaitTimeoutSeconds = 10 });

        var stats = await _host.Monitoring.GetDeploymentStatsAsync(new GetDeploymentStatsRequest { UserId = "laptop" });
        Assert.Equal(2, stats.Total);
        Assert.Equal((1, 1, 1), (stats.CronTriggers, stats.WebhookTriggers, stats.ManualTriggers));
        Assert.Equal(2, stats.ExecutionsTotal);
        Assert.Equal(2, stats.ExecutionsByStatus24H["SUCCESS"]);
        Assert.Equal(1.0, stats.SuccessRate);
        Assert.True(stats.DurationP50Ms > 0);

        var jitter = await _host.Monitoring.GetJitterDistributionAsync(new GetJitterDistributionRequest { CronExpression = "0 9 * * *" });
        Assert.Equal(1, jitter.Samples);
        Assert.Equal(1, jitter.Buckets.Single(b => b.Start == cron.Triggers[0].JitterSeconds / 30 * 30).Count);

        var nine = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(9), TimeSpan.Zero);
        var load = await _host.Monitoring.GetLoadDistributionAsync(new GetLoadDistributionRequest
        {
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(nine),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(nine.AddMinutes(10)),
        });
        Assert.Equal((1, 1), (load.FiresWithJitter, load.FiresWithoutJitter));
        Assert.Equal(1, load.PlannedWithJitter[cron.Triggers[0].JitterSeconds / 60].Count);

        var scheduling = await _host.Monitoring.GetSchedulingMetricsAsync(new GetSchedulingMetricsRequest());
        Assert.Equal(1, scheduling.ScheduledTriggers);
        Assert.Equal(0, scheduling.Fires);

        var counted = await Eventually.Until(
            async () => (await _host.Runtime.GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = other.WorkflowId })).Deployment,
            d => d.Triggers.All(t => FireCountOf(t) == 1), TimeSpan.FromSeconds(30));
        Assert.All(counted.Triggers, t => Assert.Equal(1, FireCountOf(t)));
    }

    // The wire Trigger has no fire count; the embedded database is read through the host's own service provider.
    private long FireCountOf(Trigger trigger)
    {
        using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(_host.Services);
        var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<WorkflowRuntime.Infrastructure.Persistence.WorkflowRuntimeDbContext>(scope.ServiceProvider);
        var id = Guid.Parse(trigger.TriggerId);
        return db.Triggers.Single(t => t.Id == id).FireCount;
    }
}
