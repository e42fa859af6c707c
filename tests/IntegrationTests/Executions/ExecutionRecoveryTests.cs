using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Executions;

/// <summary>
/// Instances that die or stop while a run is in flight: a live instance adopts or closes the run within a bounded
/// time, and a SIGTERM lets the run finish and frees the lock before the process exits 0.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExecutionRecoveryTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(30);
    private readonly EngineSimulation _engine = fixture.Engine;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _engine.Reset();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_run_whose_instance_was_killed_is_adopted_by_a_live_instance_and_finished()
    {
        var grpcPort = FreePort.Next();
        await using var doomed = HostProcess.Start(InstanceSettings(grpcPort));
        await doomed.AssertStartedAsync(StartupBound);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);
        var workflowId = (await client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(8)));

        var started = (await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        Assert.Equal(ExecutionStatus.Running, started.Status);
        doomed.Kill();

        var ended = await Eventually.Until(
            async () => (await fixture.Host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = started.ExecutionId })).Execution,
            e => e.Status == ExecutionStatus.Success,
            TimeSpan.FromSeconds(40));

        Assert.Equal(ExecutionStatus.Success, ended.Status);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
        var owner = await PostgresDatabase.ScalarAsync<string>($"SELECT owner_instance_id FROM workflow_executions WHERE id = '{started.ExecutionId}'");
        Assert.StartsWith("test-", owner, StringComparison.Ordinal);
        await LockAssertions.AssertLockFreeAsync(workflowId);
    }

    [Fact]
    public async Task A_run_whose_instance_died_after_the_engine_took_it_but_before_running_was_recorded_completes_once()
    {
        // What a dead instance leaves when it dies between the engine's answer and writing RUNNING: the engine has
        // the run (sent with the execution id as key), the row is NEW with a stale heartbeat and no engine id.
        var workflowId = (await fixture.Host.Runtime.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(1), """{"from":"the first dispatch"}"""));
        var executionId = Guid.NewGuid();
        var inEngine = _engine.Execute(workflowId, "{}", "MANUAL", string.Empty, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["runtime_execution_id"] = executionId.ToString() }, executionId.ToString());
        await InsertAsADeadInstanceLeftItAsync(executionId, workflowId);

        var ended = await WaitForEndAsync(executionId);

        Assert.Equal(ExecutionStatus.Success, ended.Status);
        Assert.Equal(inEngine.ExecutionId, ended.EngineExecutionId);
        Assert.Equal("""{"from":"the first dispatch"}""", ended.ResultData);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
        Assert.Equal(1, _engine.DeduplicatedExecuteCalls(workflowId));
        await LockAssertions.AssertLockFreeAsync(workflowId);
    }

    [Fact]
    public async Task A_run_whose_instance_died_before_the_engine_got_it_is_started_once_by_the_sweeper()
    {
        var workflowId = (await fixture.Host.Runtime.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(200)));
        var executionId = Guid.NewGuid();
        await InsertAsADeadInstanceLeftItAsync(executionId, workflowId);

        var ended = await WaitForEndAsync(executionId);

        Assert.Equal(ExecutionStatus.Success, ended.Status);
        var run = Assert.Single(_engine.Executions(workflowId));
        Assert.Equal(run.ExecutionId, ended.EngineExecutionId);
        Assert.Equal(executionId.ToString(), run.Metadata["runtime_execution_id"]);
        Assert.Equal(0, _engine.DeduplicatedExecuteCalls(workflowId));
    }

    private static Task<int> InsertAsADeadInstanceLeftItAsync(Guid executionId, string workflowId) =>
        PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflow_executions (id, workflow_id, status, mode, is_exclusive, trigger_data, created_at, deadline_at, heartbeat_at, owner_instance_id, revision)
            VALUES ('{executionId}', '{workflowId}', 'NEW', 'MANUAL', true, '{"{}"}', now() - interval '1 minute',
                    now() + interval '1 hour', now() - interval '1 minute', 'dead-instance', 0)
            """);

    private async Task<Execution> WaitForEndAsync(Guid executionId) =>
        await Eventually.Until(
            async () => (await fixture.Host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId.ToString() })).Execution,
            e => e.Status is not (ExecutionStatus.New or ExecutionStatus.Running),
            TimeSpan.FromSeconds(30));

    [Fact]
    public async Task On_sigterm_a_running_execution_finishes_and_is_recorded_and_the_process_exits_zero_without_locks()
    {
        var grpcPort = FreePort.Next();
        await using var instance = HostProcess.Start(InstanceSettings(grpcPort));
        await instance.AssertStartedAsync(StartupBound);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);
        var workflowId = (await client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(3)));
        var started = (await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        instance.Terminate();
        var exitCode = await instance.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        var status = await PostgresDatabase.ScalarAsync<string>($"SELECT status FROM workflow_executions WHERE id = '{started.ExecutionId}'");
        Assert.Equal("SUCCESS", status);
        await LockAssertions.AssertLockFreeAsync(workflowId);
        Assert.Contains(instance.Events(), e => e.GetProperty("event").GetString() == "execution_finished");
    }

    private Dictionary<string, string> InstanceSettings(int grpcPort)
    {
        var settings = HostProcess.Settings(grpcPort: grpcPort);
        settings["WorkflowRuntime__Engine__Address"] = fixture.EngineServer.Address;
        settings["WorkflowRuntime__Executions__PollInitialMs"] = "50";
        settings["WorkflowRuntime__Executions__PollMaxMs"] = "200";
        settings["WorkflowRuntime__Executions__HeartbeatIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Executions__DrainTimeoutSeconds"] = "15";
        return settings;
    }
}
