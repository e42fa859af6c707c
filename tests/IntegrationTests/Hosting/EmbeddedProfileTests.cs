using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Hosting;

/// <summary>
/// The laptop profile: no connection strings, so a SQLite file and the in-process lock. The same RPCs must behave
/// as they do on PostgreSQL, including the unique webhook path and stable paging.
/// </summary>
public sealed class EmbeddedProfileTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"wr-embedded-{Guid.NewGuid():N}");
    private RuntimeHost _host = null!;

    public async Task InitializeAsync() => _host = await RuntimeHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["ConnectionStrings:Postgres"] = string.Empty,
        ["ConnectionStrings:Redis"] = string.Empty,
        ["WorkflowRuntime:Persistence:SqlitePath"] = Path.Combine(_directory, "runtime.db"),
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_embedded_host_creates_its_database_file_and_reports_sqlite_healthy()
    {
        var health = await _host.Monitoring.GetSystemHealthAsync(new GetSystemHealthRequest());

        Assert.True(File.Exists(Path.Combine(_directory, "runtime.db")));
        Assert.Equal("healthy", health.Status);
        Assert.Equal(["sqlite", "engine", "scheduler"], health.Dependencies.Select(d => d.Name));
        Assert.All(health.Dependencies, d => Assert.True(d.Healthy, d.Message));
        Assert.Contains("simulated", health.Dependencies[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deployment_lifecycle_works_embedded()
    {
        var deployed = (await _host.Runtime.DeployWorkflowAsync(Deploy("laptop", Cron("*/5 * * * *"), Webhook("local/hook")))).Deployment;
        var paused = (await _host.Runtime.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = deployed.WorkflowId, Note = "lunch" })).Deployment;
        var resumed = (await _host.Runtime.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = deployed.WorkflowId })).Deployment;
        var resolved = await _host.Runtime.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "local/hook", Method = "POST" });
        var archived = (await _host.Runtime.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = deployed.WorkflowId })).Deployment;

        Assert.Equal(DeploymentStatus.Paused, paused.Status);
        Assert.Equal(DeploymentStatus.Deployed, resumed.Status);
        Assert.Equal(deployed.WorkflowId, resolved.WorkflowId);
        Assert.Equal(DeploymentStatus.Archived, archived.Status);
        await FailsWith(StatusCode.NotFound, _host.Runtime.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "local/hook", Method = "POST" }));
    }

    [Fact]
    public async Task Buffer_one_queues_one_trigger_skips_the_next_and_starts_the_queued_one_after_the_first_embedded_too()
    {
        var request = Deploy("laptop", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.BufferOne, ExecutionTimeoutSeconds = 600 };
        var workflowId = (await _host.Runtime.DeployWorkflowAsync(request)).Deployment.WorkflowId;
        _host.Services.GetRequiredService<EngineSimulation>().SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(1)));

        var first = (await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        var queued = (await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        var refused = (await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        Assert.Equal(ExecutionStatus.Running, first.Status);
        Assert.Equal(ExecutionStatus.Pending, queued.Status);
        Assert.Equal(ExecutionStatus.Skipped, refused.Status);
        Assert.StartsWith("buffer full", refused.SkipReason, StringComparison.Ordinal);
        var ended = await Eventually.Until(
            async () => (await _host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = queued.ExecutionId })).Execution,
            e => e.Status == ExecutionStatus.Success, TimeSpan.FromSeconds(30));
        var firstEnded = (await _host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = first.ExecutionId })).Execution;
        Assert.True(ended.StartedAt.ToDateTimeOffset() >= firstEnded.FinishedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_taken_webhook_path_is_already_exists_embedded_too()
    {
        await _host.Runtime.DeployWorkflowAsync(Deploy("laptop", Webhook("taken/path")));

        await FailsWith(StatusCode.AlreadyExists, _host.Runtime.DeployWorkflowAsync(Deploy("laptop", Webhook("taken/path"))));
    }

    [Fact]
    public async Task Paging_returns_every_deployment_once_in_creation_order_embedded()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await _host.Runtime.DeployWorkflowAsync(Deploy("pager", Manual()))).Deployment.WorkflowId);
        }

        var seen = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await _host.Runtime.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "pager", PageSize = 3, PageToken = token });
            seen.AddRange(page.Deployments.Select(d => d.WorkflowId));
            Assert.Equal(7, page.TotalCount);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(ids, seen);
    }
}
