using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Schedules;

/// <summary>
/// A pending run is a row, not memory: killed with SIGKILL, every replica forgets it, and a replica started afterwards
/// starts it once (its sweeper adopts the orphaned active run, whose close promotes the pending one). On a database of
/// its own, so no replica of the shared fixture can step in.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PendingRunRecoveryTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(40);
    private readonly EngineSimulation _engine = fixture.Engine;
    private string _database = null!;

    private string Postgres => TestSettings.PostgresConnectionStringFor(_database);

    public async Task InitializeAsync()
    {
        _engine.Reset();
        _database = await PostgresDatabase.CreateScratchAsync();
    }

    public async Task DisposeAsync() => await PostgresDatabase.DropAsync(_database);

    [Fact]
    public async Task A_pending_run_survives_kill_9_of_every_replica_and_starts_once_after_restart()
    {
        var (portA, portB) = (FreePort.Next(), FreePort.Next());
        await using var a = HostProcess.Start(InstanceSettings(portA));
        await using var b = HostProcess.Start(InstanceSettings(portB));
        await Task.WhenAll(a.AssertStartedAsync(StartupBound), b.AssertStartedAsync(StartupBound));
        using var channelA = GrpcChannel.ForAddress($"http://127.0.0.1:{portA}");
        using var channelB = GrpcChannel.ForAddress($"http://127.0.0.1:{portB}");
        var clientA = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channelA);
        var clientB = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channelB);
        var request = Deploy("user-1", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.BufferOne, ExecutionTimeoutSeconds = 600 };
        var workflowId = (await clientA.DeployWorkflowAsync(request)).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(3)));

        var first = (await clientA.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        var pending = (await clientB.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        Assert.Equal(ExecutionStatus.Running, first.Status);
        Assert.Equal(ExecutionStatus.Pending, pending.Status);
        a.Kill();
        b.Kill();
        Assert.Equal("PENDING", await StatusAsync(pending.ExecutionId));

        await using var restarted = HostProcess.Start(InstanceSettings(FreePort.Next()));
        await restarted.AssertStartedAsync(StartupBound);
        var runs = await Eventually.Until(() => OverlapPolicyTests.RunsAsync(workflowId, Postgres),
            r => r.Count(x => x.Status == "SUCCESS") == 2, TimeSpan.FromSeconds(60));

        var (ended, started) = (runs.Single(r => r.Id == first.ExecutionId), runs.Single(r => r.Id == pending.ExecutionId));
        Assert.True(started.StartedAt >= ended.FinishedAt, "the pending run started before the active one ended");
        Assert.Equal(2, _engine.ExecuteCalls(workflowId));
        Assert.Equal(0, _engine.DeduplicatedExecuteCalls(workflowId));
        Assert.Contains(restarted.Events(), e => e.GetProperty("event").GetString() == "execution_promoted");
    }

    private Task<string?> StatusAsync(string executionId) =>
        PostgresDatabase.ScalarAsync<string>($"SELECT status FROM workflow_executions WHERE id = '{executionId}'", Postgres);

    private Dictionary<string, string> InstanceSettings(int grpcPort)
    {
        var settings = HostProcess.Settings(postgres: Postgres, grpcPort: grpcPort);
        settings["WorkflowRuntime__Engine__Address"] = fixture.EngineServer.Address;
        settings["WorkflowRuntime__Executions__PollInitialMs"] = "50";
        settings["WorkflowRuntime__Executions__PollMaxMs"] = "200";
        settings["WorkflowRuntime__Executions__HeartbeatIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Executions__StaleAfterSeconds"] = "3";
        settings["WorkflowRuntime__Executions__SweepIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Executions__LockTtlSeconds"] = "10";
        return settings;
    }
}
