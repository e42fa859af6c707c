using Grpc.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;
using Rpc = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>
/// The deployment fence (ADR 0024) and the run writes of the execution hot path, through the real repositories:
/// a run carrying a deployment version is inserted only while the workflow is still at that version and DEPLOYED, on
/// PostgreSQL and on the embedded SQLite file alike; state writes are conditional on the revision; heartbeats are bulk.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeploymentFenceTests : IAsyncLifetime
{
    private readonly ServiceProvider _provider = PersistenceServices.Create();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"wr-fence-{Guid.NewGuid():N}");

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_run_carrying_the_current_deployment_version_is_inserted_with_that_version()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var run = RunOf(deployment, deployment.Version);

        await InsertAsync(_provider, run);

        Assert.Equal(1, await CountRunsAsync(deployment.Id));
        Assert.Equal(deployment.Version, await PostgresDatabase.ScalarAsync<long>(
            $"SELECT deployment_version FROM workflow_executions WHERE id = '{run.Id}'"));
    }

    [Fact]
    public async Task A_run_carrying_a_version_older_than_the_stored_one_is_refused_as_stale_and_writes_nothing()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var admittedAt = deployment.Version;
        var current = await ChangeAsync(_provider, deployment.Id, d => d.ChangeDefinition(WorkflowDefinition.Parse(DefinitionChange.NewDefinitionJson), DateTimeOffset.UtcNow));
        Assert.True(current > admittedAt, $"the update left the version at {current}");

        await using (var scope = _provider.CreateAsyncScope())
        {
            await Assert.ThrowsAsync<StaleDeploymentException>(() =>
                scope.ServiceProvider.GetRequiredService<IExecutionRepository>().InsertAsync(RunOf(deployment, admittedAt)));

            // The refused run is forgotten by the scope: a later save of the same unit of work does not retry it.
            await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();
        }

        Assert.Equal(0, await CountRunsAsync(deployment.Id));
        await InsertAsync(_provider, RunOf(deployment, current));
        Assert.Equal(1, await CountRunsAsync(deployment.Id));
    }

    [Theory]
    [InlineData(DeploymentStatus.Paused)]
    [InlineData(DeploymentStatus.Archived)]
    public async Task A_run_of_a_workflow_that_is_no_longer_deployed_is_refused_even_at_its_current_version(DeploymentStatus status)
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        await ChangeAsync(_provider, deployment.Id, d =>
        {
            if (status == DeploymentStatus.Paused)
            {
                d.Pause("maintenance", DateTimeOffset.UtcNow);
            }
            else
            {
                d.Archive(DateTimeOffset.UtcNow);
            }
        });
        var stored = await ReadDeploymentAsync(_provider, deployment.Id);
        Assert.Equal(status, stored.Status);

        await Assert.ThrowsAsync<StaleDeploymentException>(() => InsertAsync(_provider, RunOf(stored, stored.Version)));

        Assert.Equal(0, await CountRunsAsync(deployment.Id));
    }

    [Fact]
    public async Task A_missed_occurrence_record_carries_no_version_and_passes_the_fence_even_when_the_workflow_is_archived()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        await ChangeAsync(_provider, deployment.Id, d => d.Archive(DateTimeOffset.UtcNow));
        var missed = Execution.Missed(deployment.Id, deployment.Triggers[0].Id, new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero),
            "missed while the scheduler was down", DateTimeOffset.UtcNow);
        Assert.Null(missed.DeploymentVersion);

        await InsertAsync(_provider, missed);

        Assert.Equal(1, await CountRunsAsync(deployment.Id));
        Assert.Equal(1, await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_executions WHERE id = '{missed.Id}' AND deployment_version IS NULL AND status = 'SKIPPED'"));
    }

    [Fact]
    public async Task WriteStateAsync_at_the_revision_it_read_writes_the_new_state_and_revision()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var run = RunOf(deployment, deployment.Version);
        await InsertAsync(_provider, run);
        var read = await ReadRunAsync(run.Id);
        var expected = read.Revision;

        read.MarkRunning("engine-7", DateTimeOffset.UtcNow);
        await InScopeAsync(_provider, executions => executions.WriteStateAsync(read, expected));

        var stored = await ReadRunAsync(run.Id);
        Assert.Equal(ExecutionStatus.Running, stored.Status);
        Assert.Equal("engine-7", stored.EngineExecutionId);
        Assert.Equal(expected + 1, stored.Revision);
    }

    [Fact]
    public async Task WriteStateAsync_with_a_revision_that_moved_is_a_conflict_and_leaves_the_row_as_the_winner_wrote_it()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var run = RunOf(deployment, deployment.Version);
        await InsertAsync(_provider, run);
        var winner = await ReadRunAsync(run.Id);
        var loser = await ReadRunAsync(run.Id);
        var readAt = winner.Revision;

        winner.MarkRunning("engine-1", DateTimeOffset.UtcNow);
        await InScopeAsync(_provider, executions => executions.WriteStateAsync(winner, readAt));
        loser.Cancel("operator", DateTimeOffset.UtcNow);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            InScopeAsync(_provider, executions => executions.WriteStateAsync(loser, readAt)));

        var stored = await ReadRunAsync(run.Id);
        Assert.Equal(ExecutionStatus.Running, stored.Status);
        Assert.Equal("engine-1", stored.EngineExecutionId);
        Assert.Null(stored.ErrorMessage);
        Assert.Null(stored.FinishedAt);
        Assert.Equal(readAt + 1, stored.Revision);
    }

    [Fact]
    public async Task WriteStateAsync_of_a_run_that_is_not_stored_is_a_conflict()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var never = RunOf(deployment, deployment.Version);
        var readAt = never.Revision;
        never.MarkRunning("engine-1", DateTimeOffset.UtcNow);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            InScopeAsync(_provider, executions => executions.WriteStateAsync(never, readAt)));

        Assert.Equal(0, await CountRunsAsync(deployment.Id));
    }

    [Fact]
    public async Task TouchHeartbeatsAsync_touches_only_the_active_runs_the_instance_owns_and_keeps_their_revision()
    {
        var deployment = await SaveAsync(_provider, Samples.DeployedWorkflow());
        var running = RunOf(deployment, deployment.Version, "instance-a");
        running.MarkRunning("engine-1", DateTimeOffset.UtcNow);
        var fresh = RunOf(deployment, deployment.Version, "instance-a");
        var finished = RunOf(deployment, deployment.Version, "instance-a");
        finished.MarkRunning("engine-2", DateTimeOffset.UtcNow);
        finished.Succeed("{}", DateTimeOffset.UtcNow);
        var someoneElses = RunOf(deployment, deployment.Version, "instance-b");
        someoneElses.MarkRunning("engine-3", DateTimeOffset.UtcNow);
        var notListed = RunOf(deployment, deployment.Version, "instance-a");
        Execution[] all = [running, fresh, finished, someoneElses, notListed];
        foreach (var run in all)
        {
            await InsertAsync(_provider, run);
        }

        var before = new Dictionary<Guid, Execution>();
        foreach (var run in all)
        {
            before[run.Id] = await ReadRunAsync(run.Id);
        }

        var beat = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var touched = await InScopeAsync(_provider, executions =>
            executions.TouchHeartbeatsAsync([running.Id, fresh.Id, finished.Id, someoneElses.Id], "instance-a", beat));

        Assert.Equal(2, touched);
        foreach (var run in all)
        {
            var after = await ReadRunAsync(run.Id);
            var expectTouched = run.Id == running.Id || run.Id == fresh.Id;
            Assert.Equal(expectTouched ? beat : before[run.Id].HeartbeatAt, after.HeartbeatAt);
            Assert.Equal(before[run.Id].Revision, after.Revision);
            Assert.Equal(before[run.Id].Status, after.Status);
        }

        Assert.Equal(0, await InScopeAsync(_provider, executions => executions.TouchHeartbeatsAsync([], "instance-a", beat)));
    }

    [Fact]
    public async Task The_embedded_schema_has_the_fence_trigger_and_it_refuses_a_stale_run_and_lets_a_miss_through()
    {
        var file = Path.Combine(_directory, "fence.db");
        await using var sqlite = SqlitePersistence(file);
        await sqlite.MigrateAsync();
        var deployment = await SaveAsync(sqlite, Samples.DeployedWorkflow());
        var admittedAt = deployment.Version;
        await InsertAsync(sqlite, RunOf(deployment, admittedAt));
        var current = await ChangeAsync(sqlite, deployment.Id, d => d.ChangeDefinition(WorkflowDefinition.Parse(DefinitionChange.NewDefinitionJson), DateTimeOffset.UtcNow));

        await Assert.ThrowsAsync<StaleDeploymentException>(() => InsertAsync(sqlite, RunOf(deployment, admittedAt)));
        await InsertAsync(sqlite, RunOf(deployment, current));
        await ChangeAsync(sqlite, deployment.Id, d => d.Pause(null, DateTimeOffset.UtcNow));
        var paused = await ReadDeploymentAsync(sqlite, deployment.Id);
        await Assert.ThrowsAsync<StaleDeploymentException>(() => InsertAsync(sqlite, RunOf(paused, paused.Version)));
        await InsertAsync(sqlite, Execution.Missed(deployment.Id, deployment.Triggers[0].Id, DateTimeOffset.UtcNow.AddHours(-1),
            "missed", DateTimeOffset.UtcNow));

        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'deployment_fence' AND tbl_name = 'workflow_executions'";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
        command.CommandText = "SELECT group_concat(coalesce(deployment_version, 'null'), ',') FROM (SELECT deployment_version FROM workflow_executions ORDER BY created_at)";
        Assert.Equal($"{admittedAt},{current},null", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_embedded_host_that_cached_a_deployment_runs_the_updated_definition_and_refuses_once_paused()
    {
        await using var host = await RuntimeHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = string.Empty,
            ["ConnectionStrings:Redis"] = string.Empty,
            ["WorkflowRuntime:Persistence:SqlitePath"] = Path.Combine(_directory, "runtime.db"),
            ["WorkflowRuntime:Executions:DeploymentCacheSeconds"] = "600",
            ["WorkflowRuntime:Engine:SimulatedLatencyMs"] = "0",
        });
        var engine = host.Services.GetRequiredService<EngineSimulation>();
        var request = Deploy("laptop", Manual());
        request.Config = new Rpc.DeploymentConfig { OverlapPolicy = Rpc.OverlapPolicy.AllowAll, ExecutionTimeoutSeconds = 600 };
        var cache = host.Services.GetRequiredService<DeploymentCache>();
        var deployed = (await host.Runtime.DeployWorkflowAsync(request)).Deployment;
        var workflowId = deployed.WorkflowId;

        var first = (await host.Runtime.TriggerWorkflowAsync(new Rpc.TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        var updated = (await host.Runtime.UpdateDeploymentAsync(
            new Rpc.UpdateDeploymentRequest { WorkflowId = workflowId, WorkflowDefinition = DefinitionChange.NewDefinitionJson })).Deployment;
        // The trigger path does not hear of the update: it still holds the deployment it read, so only the fence can stop it.
        Assert.Equal(deployed.Version, cache.Find(Guid.Parse(workflowId))?.Version);
        var second = (await host.Runtime.TriggerWorkflowAsync(new Rpc.TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        Assert.Contains(first.Status, DefinitionChange.Started);
        Assert.Contains(second.Status, DefinitionChange.Started);
        DefinitionChange.AssertEngineRanOldThenNew(engine.Executions(workflowId));
        Assert.Equal(updated.Version, cache.Find(Guid.Parse(workflowId))?.Version);

        await host.Runtime.PauseDeploymentAsync(new Rpc.PauseDeploymentRequest { WorkflowId = workflowId });
        var refused = await FailsWith(StatusCode.FailedPrecondition,
            host.Runtime.TriggerWorkflowAsync(new Rpc.TriggerWorkflowRequest { WorkflowId = workflowId }));

        Assert.Contains("PAUSED", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, engine.ExecuteCalls(workflowId));
        var history = await host.Runtime.GetExecutionHistoryAsync(new Rpc.GetExecutionHistoryRequest { WorkflowId = workflowId });
        Assert.Equal(2, history.Executions.Count);
    }

    private static Execution RunOf(Deployment deployment, long? version, string? instanceId = null) =>
        Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}", InstanceId: instanceId, DeploymentVersion: version),
            OverlapPolicy.AllowAll, TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow);

    private static ServiceProvider SqlitePersistence(string file)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["WorkflowRuntime:Persistence:SqlitePath"] = file })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPersistence(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static async Task<Deployment> SaveAsync(ServiceProvider provider, Deployment deployment)
    {
        await using var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().Add(deployment);
        await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();
        return deployment;
    }

    /// <summary>Changes the stored deployment in a scope of its own (as another replica would) and returns its new version.</summary>
    private static async Task<long> ChangeAsync(ServiceProvider provider, Guid workflowId, Action<Deployment> change)
    {
        await using var scope = provider.CreateAsyncScope();
        var deployment = await scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().FindAsync(workflowId);
        change(deployment!);
        await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();
        return deployment!.Version;
    }

    private static async Task<Deployment> ReadDeploymentAsync(ServiceProvider provider, Guid workflowId)
    {
        await using var scope = provider.CreateAsyncScope();
        var deployment = await scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().ReadAsync(workflowId);
        Assert.NotNull(deployment);
        return deployment;
    }

    private static Task InsertAsync(ServiceProvider provider, Execution run) =>
        InScopeAsync(provider, executions => executions.InsertAsync(run));

    private static async Task InScopeAsync(ServiceProvider provider, Func<IExecutionRepository, Task> work)
    {
        await using var scope = provider.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<IExecutionRepository>());
    }

    private static async Task<T> InScopeAsync<T>(ServiceProvider provider, Func<IExecutionRepository, Task<T>> work)
    {
        await using var scope = provider.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IExecutionRepository>());
    }

    private async Task<Execution> ReadRunAsync(Guid executionId)
    {
        var run = await InScopeAsync(_provider, executions => executions.ReadAsync(executionId));
        Assert.NotNull(run);
        return run;
    }

    private static async Task<long> CountRunsAsync(Guid workflowId) =>
        await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflowId}'");
}
