using System.Text.Json;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Executions;

/// <summary>TriggerWorkflow and the execution RPCs, end to end: real host, PostgreSQL, Redis and engine simulator.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExecutionRpcTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;
    private readonly EngineSimulation _engine = fixture.Engine;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _engine.Reset();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_manual_trigger_runs_on_the_engine_and_waiting_returns_the_result()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(300), """{"rows":42}"""));

        var response = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest
        {
            WorkflowId = workflowId,
            TriggerData = """{"customer":"acme","password":"hunter2"}""",
            TriggeredBy = "alice",
            Metadata = { ["request_id"] = "r-1" },
            WaitForCompletion = true,
            WaitTimeoutSeconds = 10,
        });

        var execution = response.Execution;
        Assert.False(response.Deduplicated);
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal(ExecutionMode.Manual, execution.Mode);
        Assert.Equal("""{"rows":42}""", execution.ResultData);
        Assert.False(string.IsNullOrEmpty(execution.EngineExecutionId));
        Assert.True(execution.DurationMs >= 250, $"duration {execution.DurationMs} ms");
        var seen = Assert.Single(_engine.Executions(workflowId));
        Assert.Contains("\"send\"", seen.WorkflowDefinition, StringComparison.Ordinal);
        Assert.Equal("r-1", seen.Metadata["request_id"]);
        Assert.Equal("alice", seen.TriggeredBy);
    }

    [Fact]
    public async Task A_hundred_concurrent_triggers_of_a_skip_workflow_run_once_and_skip_the_rest()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(3)));

        var responses = await TriggerConcurrentlyAsync(workflowId, 100, _client);

        await AssertExactlyOneRanAsync(workflowId, responses, 100);
    }

    [Fact]
    public async Task Two_instances_sharing_database_and_redis_still_run_a_skip_workflow_once()
    {
        await using var second = await fixture.StartHostAsync();
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(3)));

        var both = await Task.WhenAll(
            TriggerConcurrentlyAsync(workflowId, 50, _client),
            TriggerConcurrentlyAsync(workflowId, 50, second.Runtime));

        await AssertExactlyOneRanAsync(workflowId, [.. both[0], .. both[1]], 100);
    }

    [Fact]
    public async Task With_redis_down_the_database_fence_alone_runs_a_skip_workflow_once()
    {
        await using var noRedis = await fixture.StartHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{FreePort.Next()}",
        });
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        // Without Redis every trigger goes to the database fence, so the 100 arrive more slowly on a loaded machine:
        // the run must outlast them all, or a trigger after its end rightly starts a second one.
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(8)));

        var responses = await TriggerConcurrentlyAsync(workflowId, 100, noRedis.Runtime);

        await AssertExactlyOneRanAsync(workflowId, responses, 100);
        var health = await noRedis.Monitoring.GetSystemHealthAsync(new GetSystemHealthRequest());
        Assert.Equal("degraded", health.Status);
    }

    [Fact]
    public async Task Allow_all_runs_every_concurrent_trigger()
    {
        var workflowId = await DeployAsync(OverlapPolicy.AllowAll);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(500)));

        var responses = await TriggerConcurrentlyAsync(workflowId, 5, _client);

        Assert.All(responses, r => Assert.NotEqual(ExecutionStatus.Skipped, r.Execution.Status));
        Assert.Equal(5, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_returns_the_same_execution_and_calls_the_engine_once()
    {
        var workflowId = await DeployAsync(OverlapPolicy.AllowAll);

        var first = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, IdempotencyKey = "order-42" });
        var second = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, IdempotencyKey = "order-42" });

        Assert.False(first.Deduplicated);
        Assert.True(second.Deduplicated);
        Assert.Equal(first.Execution.ExecutionId, second.Execution.ExecutionId);
        Assert.Equal("order-42", second.Execution.IdempotencyKey);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_idempotency_key_are_deduplicated_not_skipped()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.FromSeconds(2)));
        using var start = new SemaphoreSlim(0, 20);
        var calls = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.WaitAsync();
            return await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, IdempotencyKey = "payment-7" });
        }).ToList();
        start.Release(20);

        var responses = await Task.WhenAll(calls);

        Assert.Single(responses.Select(r => r.Execution.ExecutionId).Distinct());
        Assert.DoesNotContain(responses, r => r.Execution.Status == ExecutionStatus.Skipped);
        Assert.Equal(19, responses.Count(r => r.Deduplicated));
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task A_run_past_its_deadline_is_canceled_in_the_engine_and_recorded_timeout()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip, timeoutSeconds: 1);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Hang());

        var started = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        var ended = await WaitForEndAsync(started.ExecutionId);

        Assert.Equal(ExecutionStatus.Timeout, ended.Status);
        Assert.Equal(1, _engine.CancelCalls(workflowId));
        await LockAssertions.AssertLockFreeAsync(workflowId);
    }

    [Fact]
    public async Task CancelExecution_cancels_in_the_engine_records_canceled_and_frees_the_workflow()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Hang());
        var started = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        var response = await _client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = started.ExecutionId, Reason = "operator" });
        var canceled = response.Execution;

        Assert.True(response.Canceled);
        Assert.Equal(ExecutionStatus.Canceled, canceled.Status);
        Assert.Equal("operator", canceled.ErrorMessage);
        Assert.Equal(1, _engine.CancelCalls(workflowId));
        await LockAssertions.AssertLockFreeAsync(workflowId);
        await FailsWith(StatusCode.FailedPrecondition, _client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = started.ExecutionId }));
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.Zero));
        var next = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        Assert.NotEqual(ExecutionStatus.Skipped, next.Status);
    }

    [Fact]
    public async Task CancelExecution_records_what_really_happened_a_finished_run_its_real_end_an_unreachable_engine_nothing()
    {
        // A host of its own: slow polls (the run ends in the engine long before the runtime looks) and its own
        // engine, which the second half stops.
        var simulation = new EngineSimulation(TimeProvider.System);
        var server = await EngineSimulatorServer.StartAsync(simulation, FreePort.Next());
        await using var host = await fixture.StartHostAsync(new Dictionary<string, string?>
        {
            ["WorkflowRuntime:Engine:Address"] = server.Address,
            ["WorkflowRuntime:Engine:MaxAttempts"] = "1",
            ["WorkflowRuntime:Engine:CallTimeoutMs"] = "1000",
            // Polls 3 s apart; the heartbeat every second keeps the shared host's sweeper (stale after 5 s) away.
            ["WorkflowRuntime:Executions:FirstPollDelayMs"] = "3000",
            ["WorkflowRuntime:Executions:PollInitialMs"] = "3000",
            ["WorkflowRuntime:Executions:PollMaxMs"] = "3000",
            ["WorkflowRuntime:Executions:HeartbeatIntervalSeconds"] = "1",
            ["WorkflowRuntime:Executions:StaleAfterSeconds"] = "5",
        });
        try
        {
            var finished = await DeployOnAsync(host, OverlapPolicy.Skip);
            simulation.SetBehaviour(finished, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(100), """{"rows":7}"""));
            var done = (await host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = finished })).Execution;
            await Task.Delay(500); // the engine finished it; the runtime has not polled yet
            Assert.Equal(ExecutionStatus.Running, (await host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = done.ExecutionId })).Execution.Status);

            var response = await host.Runtime.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = done.ExecutionId, Reason = "operator" });

            Assert.False(response.Canceled);
            Assert.Equal(ExecutionStatus.Success, response.Execution.Status);
            Assert.Equal("""{"rows":7}""", response.Execution.ResultData);
            Assert.Equal("SUCCESS", await PostgresDatabase.ScalarAsync<string>($"SELECT status FROM workflow_executions WHERE id = '{done.ExecutionId}'"));
            await LockAssertions.AssertLockFreeAsync(finished);

            var hanging = await DeployOnAsync(host, OverlapPolicy.Skip);
            simulation.SetBehaviour(hanging, SimulatedBehaviour.Hang());
            var running = (await host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = hanging })).Execution;
            await server.DisposeAsync();

            var refused = await FailsWith(StatusCode.Unavailable,
                host.Runtime.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = running.ExecutionId, Reason = "operator" }));

            Assert.Contains("nothing changed", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Equal("RUNNING", await PostgresDatabase.ScalarAsync<string>($"SELECT status FROM workflow_executions WHERE id = '{running.ExecutionId}'"));
            Assert.Equal(0, simulation.CancelCalls(hanging));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_skipped_run_keeps_its_idempotency_key_so_a_retry_returns_the_skip_instead_of_running()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Hang());
        var holder = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        var skipped = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, IdempotencyKey = "order-7" });
        await _client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = holder.ExecutionId });
        var retried = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, IdempotencyKey = "order-7" });

        Assert.Equal(ExecutionStatus.Skipped, skipped.Execution.Status);
        Assert.Equal("order-7", skipped.Execution.IdempotencyKey);
        Assert.False(skipped.Deduplicated);
        Assert.True(retried.Deduplicated);
        Assert.Equal(skipped.Execution.ExecutionId, retried.Execution.ExecutionId);
        Assert.Equal(ExecutionStatus.Skipped, retried.Execution.Status);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task An_engine_error_is_recorded_with_its_message()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Error(TimeSpan.FromMilliseconds(100), "node 'send' failed: 502"));

        var ended = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, WaitForCompletion = true })).Execution;

        Assert.Equal(ExecutionStatus.Error, ended.Status);
        Assert.Equal("node 'send' failed: 502", ended.ErrorMessage);
    }

    [Fact]
    public async Task An_unreachable_engine_is_an_error_and_leaves_no_lock_behind()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Unavailable());

        var failed = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;
        _engine.SetBehaviour(workflowId, SimulatedBehaviour.Success(TimeSpan.Zero));
        var next = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, WaitForCompletion = true })).Execution;

        Assert.Equal(ExecutionStatus.Error, failed.Status);
        Assert.Contains("engine", failed.ErrorMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ExecutionStatus.Success, next.Status);
    }

    [Fact]
    public async Task A_trigger_by_webhook_path_runs_in_webhook_mode()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Webhook("orders/created")))).Deployment;

        var execution = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "/orders/created", TriggerData = """{"id":7}""" })).Execution;

        Assert.Equal(deployed.WorkflowId, execution.WorkflowId);
        Assert.Equal(ExecutionMode.Webhook, execution.Mode);
        Assert.Equal(deployed.Triggers.Single().TriggerId, execution.TriggerId);
        using var data = JsonDocument.Parse(execution.TriggerData);
        Assert.Equal(7, data.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Bad_triggers_get_the_right_status_and_write_nothing()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        var paused = await DeployAsync(OverlapPolicy.Skip);
        await _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = paused });
        var before = await PostgresDatabase.SnapshotAsync();

        await FailsWith(StatusCode.FailedPrecondition, _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = paused }));
        await FailsWith(StatusCode.NotFound, _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = Guid.NewGuid().ToString() }));
        await FailsWith(StatusCode.NotFound, _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "nobody/home" }));
        Assert.Contains("trigger_data", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, TriggerData = "[1]" }))));
        Assert.Contains("workflow_id", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest()))));
        Assert.Contains("webhook_path", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, WebhookPath = "x" }))));
        Assert.Contains("mode", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, Mode = ExecutionMode.Scheduled }))));
        await FailsWith(StatusCode.ResourceExhausted, _client.TriggerWorkflowAsync(new TriggerWorkflowRequest
        {
            WorkflowId = workflowId,
            TriggerData = $$"""{"blob":"{{new string('x', 300 * 1024)}}"}""",
        }));

        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
        Assert.Equal(0, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task GetExecution_finds_a_run_and_refuses_unknown_or_malformed_ids()
    {
        var workflowId = await DeployAsync(OverlapPolicy.Skip);
        var started = (await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

        var found = (await _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = started.ExecutionId })).Execution;

        Assert.Equal(started.ExecutionId, found.ExecutionId);
        await FailsWith(StatusCode.NotFound, _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = Guid.NewGuid().ToString() }));
        await FailsWith(StatusCode.InvalidArgument, _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = "nope" }));
        await FailsWith(StatusCode.NotFound, _client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = Guid.NewGuid().ToString() }));
    }

    private static async Task<string> DeployOnAsync(RuntimeHost host, OverlapPolicy policy)
    {
        var request = Deploy("user-1", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = policy, ExecutionTimeoutSeconds = 600 };
        return (await host.Runtime.DeployWorkflowAsync(request)).Deployment.WorkflowId;
    }

    private async Task<string> DeployAsync(OverlapPolicy policy, int timeoutSeconds = 600)
    {
        var request = Deploy("user-1", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = policy, ExecutionTimeoutSeconds = timeoutSeconds };
        return (await _client.DeployWorkflowAsync(request)).Deployment.WorkflowId;
    }

    private static async Task<TriggerWorkflowResponse[]> TriggerConcurrentlyAsync(string workflowId, int count,
        WorkflowRuntimeService.WorkflowRuntimeServiceClient client)
    {
        using var start = new SemaphoreSlim(0, count);
        var calls = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            return await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, TriggeredBy = $"caller-{i}" });
        }).ToList();
        start.Release(count);
        return await Task.WhenAll(calls);
    }

    private async Task AssertExactlyOneRanAsync(string workflowId, TriggerWorkflowResponse[] responses, int total)
    {
        Assert.Equal(total, responses.Length);
        var ran = Assert.Single(responses, r => r.Execution.Status != ExecutionStatus.Skipped);
        Assert.Equal(total - 1, responses.Count(r => r.Execution.Status == ExecutionStatus.Skipped
            && r.Execution.SkipReason.Contains("another execution", StringComparison.Ordinal)));
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));

        var ended = await WaitForEndAsync(ran.Execution.ExecutionId);
        Assert.Equal(ExecutionStatus.Success, ended.Status);
        Assert.Equal(total, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflowId}'"));
        await LockAssertions.AssertLockFreeAsync(workflowId);
    }

    private async Task<Execution> WaitForEndAsync(string executionId) =>
        await Eventually.Until(
            async () => (await _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId })).Execution,
            e => e.Status is not (ExecutionStatus.New or ExecutionStatus.Running),
            Bound);
}
