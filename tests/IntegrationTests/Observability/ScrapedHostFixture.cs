using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Observability;

/// <summary>
/// One production-profile host in its own process (so no other test's host adds to its metrics), scraped before and
/// after a known workload: <see cref="ManualTriggers"/> manual runs to completion and a two-second cron left to fire a
/// few times before it is paused. The database says what really happened; the tests compare the counters with it.
/// </summary>
public sealed class ScrapedHostFixture : IAsyncLifetime
{
    public const int ManualTriggers = 3;

    private HostProcess _process = null!;
    private GrpcChannel _channel = null!;

    internal string InstanceId { get; private set; } = string.Empty;

    internal HttpClient Http { get; private set; } = null!;

    internal PrometheusText Before { get; private set; } = null!;

    internal PrometheusText After { get; private set; } = null!;

    /// <summary>Scheduled executions of the cron workflow this instance recorded (one per fire it handled).</summary>
    internal long CronRunsHere { get; private set; }

    /// <summary>Of those, the ones the engine took (not skipped by the overlap policy).</summary>
    internal long CronStartedHere { get; private set; }

    internal long DeployedInDatabase { get; private set; }

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        var httpPort = FreePort.Next();
        var grpcPort = FreePort.Next();
        InstanceId = $"metrics-{grpcPort}";
        var settings = HostProcess.Settings(httpPort: httpPort, grpcPort: grpcPort);
        settings["WorkflowRuntime__Server__InstanceId"] = InstanceId;
        settings["WorkflowRuntime__Security__AllowInsecure"] = "true";
        settings["WorkflowRuntime__Telemetry__SampleIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Engine__SimulatedLatencyMs"] = "100";
        settings["WorkflowRuntime__Executions__PollInitialMs"] = "50";
        settings["WorkflowRuntime__Executions__PollMaxMs"] = "200";
        // The fixture fires a cron every two seconds; production keeps the 10 s minimum.
        settings["WorkflowRuntime__Deployments__MinCronIntervalSeconds"] = "1";
        _process = HostProcess.Start(settings);
        await _process.AssertStartedAsync(TimeSpan.FromSeconds(90));
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(_channel);

        var manual = (await client.DeployWorkflowAsync(Deploy("metrics", Manual()))).Deployment;
        Before = await ScrapeAsync();

        for (var i = 0; i < ManualTriggers; i++)
        {
            var run = await client.TriggerWorkflowAsync(new TriggerWorkflowRequest
            {
                WorkflowId = manual.WorkflowId,
                Mode = ExecutionMode.Manual,
                WaitForCompletion = true,
                WaitTimeoutSeconds = 30,
            });
            Assert.Equal(ExecutionStatus.Success, run.Execution.Status);
        }

        var cron = (await client.DeployWorkflowAsync(Deploy("metrics", Cron("*/2 * * * * *")))).Deployment;
        // The collection's shared host is in the same Quartz cluster and may take some fires: wait for two here.
        await Eventually.Until(() => CountAsync(cron.WorkflowId, terminalOnly: false), n => n >= 2, TimeSpan.FromSeconds(60));
        await client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = cron.WorkflowId });
        // Let a fire in flight at the pause finish, then wait until nothing of it runs any more.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Eventually.Until(async () => (await CountAsync(cron.WorkflowId, terminalOnly: false)) - (await CountAsync(cron.WorkflowId, terminalOnly: true)),
            running => running == 0, TimeSpan.FromSeconds(30));

        CronRunsHere = await CountAsync(cron.WorkflowId, terminalOnly: false);
        CronStartedHere = await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{cron.WorkflowId}' AND owner_instance_id = '{InstanceId}' AND status <> 'SKIPPED'");
        DeployedInDatabase = await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflows WHERE deployment_status = 'DEPLOYED'");
        // The gauges are sampled every second; a scrape after two samples sees the pause.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        After = await ScrapeAsync();

        await client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = cron.WorkflowId });
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        _process.Terminate();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await _process.DisposeAsync();
    }

    internal async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<long> CountAsync(string workflowId, bool terminalOnly) =>
        await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflowId}' AND owner_instance_id = '{InstanceId}'"
            + (terminalOnly ? " AND status IN ('SUCCESS', 'ERROR', 'CANCELED', 'TIMEOUT', 'SKIPPED')" : string.Empty));
}
