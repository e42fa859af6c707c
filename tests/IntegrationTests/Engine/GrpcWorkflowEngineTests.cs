using System.Diagnostics;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Engine;

/// <summary>The production engine client against the engine simulator over a real loopback HTTP/2 socket.</summary>
public sealed class GrpcWorkflowEngineTests : IAsyncLifetime
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan PollBound = TimeSpan.FromSeconds(5);
    private readonly EngineSimulation _simulation = new(TimeProvider.System, SimulatedBehaviour.Success(Latency));
    private readonly Guid _workflowId = Guid.NewGuid();
    private readonly RecordingLogger<GrpcWorkflowEngine> _log = new();
    private RunningEngineSimulator _server = null!;
    private GrpcWorkflowEngine _engine = null!;

    private string Key => _workflowId.ToString();

    public async Task InitializeAsync()
    {
        _server = await EngineSimulatorServer.StartAsync(_simulation, FreePort.Next());
        _engine = EngineTestClients.Create(EngineTestClients.OptionsFor(_server.Address), _log);
    }

    public async Task DisposeAsync()
    {
        _engine.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Execute_ThenPoll_ReachesSuccessWithTheResultData()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Success(Latency, """{"rows":3}"""));

        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));
        var finished = await _engine.PollUntilFinishedAsync(started.EngineExecutionId, PollBound);

        Assert.Equal(EngineStatus.Running, started.Status);
        Assert.Equal("accepted", started.Message);
        Assert.StartsWith("sim-", started.EngineExecutionId, StringComparison.Ordinal);
        Assert.Equal(new EngineExecutionState(EngineStatus.Success, """{"rows":3}""", null), finished);
    }

    [Fact]
    public async Task Execute_ThenPoll_ReachesErrorWithTheMessage()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Error(Latency, "step 'send mail' failed"));

        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));
        var finished = await _engine.PollUntilFinishedAsync(started.EngineExecutionId, PollBound);

        Assert.Equal(new EngineExecutionState(EngineStatus.Error, null, "step 'send mail' failed"), finished);
    }

    [Fact]
    public async Task Execute_DeliversDefinitionInputMetadataModeAndTriggeredByToTheEngine()
    {
        var input = new Dictionary<string, string> { ["order_id"] = "42", ["body"] = """{"x":"ü"}""" };
        var metadata = new Dictionary<string, string> { ["trace_id"] = "trace-1", ["trigger_id"] = "t-9" };

        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId, """{"steps":["fetch","mail"]}""", input, metadata));

        var run = Assert.Single(_simulation.Executions(Key));
        Assert.Equal(started.EngineExecutionId, run.ExecutionId);
        Assert.Equal(Key, run.WorkflowId);
        Assert.Equal("""{"steps":["fetch","mail"]}""", run.WorkflowDefinition);
        Assert.Equal("MANUAL", run.Mode);
        Assert.Equal("integration-test", run.TriggeredBy);
        Assert.Equal(input, run.InputData);
        Assert.Equal(metadata, run.Metadata);
    }

    [Fact]
    public async Task Cancel_OfHangingRun_MakesItCanceled_AndTheEngineCountsIt()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Hang());
        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));
        await Task.Delay(Latency); // longer than any latency: a hanging run is still running
        Assert.Equal(EngineStatus.Running, (await _engine.GetStatusAsync(started.EngineExecutionId)).Status);

        var cancel = await _engine.CancelAsync(started.EngineExecutionId, "execution timeout");

        Assert.Equal(EngineCancelOutcome.Canceled, cancel.Outcome);
        var state = await _engine.GetStatusAsync(started.EngineExecutionId);
        Assert.Equal(EngineStatus.Canceled, state.Status);
        Assert.Equal("canceled: execution timeout", state.ErrorMessage);
        Assert.Equal(1, _simulation.CancelCalls(Key));
    }

    [Fact]
    public async Task Cancel_OfFinishedRun_IsNotAnError_AndKeepsItsStatus()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Success(TimeSpan.Zero));
        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));

        var cancel = await _engine.CancelAsync(started.EngineExecutionId, "too late");

        Assert.Equal(EngineCancelOutcome.AlreadyFinished, cancel.Outcome);
        Assert.Equal(new EngineExecutionState(EngineStatus.Success, """{"ok":true}""", null), cancel.FinalState);
        Assert.Equal(EngineStatus.Success, started.Status);
        Assert.Equal(EngineStatus.Success, (await _engine.GetStatusAsync(started.EngineExecutionId)).Status);
        Assert.Equal(1, _simulation.CancelCalls(Key));
        var refused = Assert.Single(_log.Entries);
        Assert.Equal((LogLevel.Debug, "engine_cancel_refused"), (refused.Level, refused.EventName));
    }

    [Fact]
    public async Task Execute_AfterTwoUnavailableAnswers_SucceedsThanksToRetries()
    {
        _simulation.FailNextExecuteCalls(Key, 2);

        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));

        Assert.Equal(EngineStatus.Running, started.Status);
        Assert.Equal(3, _simulation.ExecuteAttempts(Key));
        Assert.Equal(1, _simulation.ExecuteCalls(Key));
        Assert.Equal(started.EngineExecutionId, Assert.Single(_simulation.Executions(Key)).ExecutionId);
        Assert.Empty(_log.Entries); // retried transparently: nothing to warn about
    }

    [Fact]
    public async Task Execute_WhileTheEngineKeepsAnsweringUnavailable_GivesUpAfterMaxAttempts()
    {
        _simulation.FailNextExecuteCalls(Key, 10);

        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => _engine.ExecuteAsync(EngineTestClients.Request(_workflowId)));

        Assert.Equal(4, _simulation.ExecuteAttempts(Key));
        Assert.Equal(0, _simulation.ExecuteCalls(Key));
        Assert.Contains(_server.Address, error.Message, StringComparison.Ordinal);
        var warning = Assert.Single(_log.Entries);
        Assert.Equal((LogLevel.Warning, "engine_call_failed"), (warning.Level, warning.EventName));
        Assert.Contains("Unavailable", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_WithRetriesDisabled_MakesOneAttempt()
    {
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(_server.Address, maxAttempts: 1));
        _simulation.FailNextExecuteCalls(Key, 1);

        await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ExecuteAsync(EngineTestClients.Request(_workflowId)));

        Assert.Equal(1, _simulation.ExecuteAttempts(Key));
    }

    [Fact]
    public async Task Execute_OfAnUnavailableWorkflow_ThrowsEngineUnavailable()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Unavailable());

        await Assert.ThrowsAsync<EngineUnavailableException>(() => _engine.ExecuteAsync(EngineTestClients.Request(_workflowId)));

        Assert.Equal(4, _simulation.ExecuteAttempts(Key));
    }

    [Fact]
    public async Task Execute_twice_with_one_idempotency_key_starts_one_run_and_returns_its_id_both_times()
    {
        var request = EngineTestClients.Request(_workflowId) with { IdempotencyKey = Guid.NewGuid().ToString() };

        var first = await _engine.ExecuteAsync(request);
        var again = await _engine.ExecuteAsync(request);

        Assert.Equal(first.EngineExecutionId, again.EngineExecutionId);
        Assert.Equal(1, _simulation.ExecuteCalls(Key));
        Assert.Equal(1, _simulation.DeduplicatedExecuteCalls(Key));
    }

    [Fact]
    public async Task UnknownExecutionId_IsRejectedNotUnavailable()
    {
        var status = await Assert.ThrowsAsync<EngineRejectedException>(() => _engine.GetStatusAsync("sim-does-not-exist"));
        var cancel = await _engine.CancelAsync("sim-does-not-exist", "r");

        Assert.Contains("NotFound", status.Message, StringComparison.Ordinal);
        Assert.Contains(_server.Address, status.Message, StringComparison.Ordinal);
        Assert.Equal(EngineCancelOutcome.UnknownRun, cancel.Outcome);
        Assert.Contains("NotFound", cancel.Message, StringComparison.Ordinal);
        Assert.Equal(2, _log.Entries.Count(e => e is { Level: LogLevel.Warning, EventName: "engine_call_failed" }));
    }

    [Fact]
    public async Task HealthCheck_OfRunningSimulator_IsHealthy()
    {
        var health = await _engine.CheckAsync();

        Assert.True(health.Healthy, health.Message);
        Assert.Equal("engine", health.Name);
        Assert.Contains(_server.Address, health.Message, StringComparison.Ordinal);
        Assert.True(health.LatencyMs > 0, $"Latency was {health.LatencyMs} ms");
    }

    [Fact]
    public async Task AfterTheSimulatorStops_CallsFailAsUnavailableAndHealthIsUnhealthy()
    {
        var started = await _engine.ExecuteAsync(EngineTestClients.Request(_workflowId));
        await _server.DisposeAsync();

        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<EngineUnavailableException>(() => _engine.GetStatusAsync(started.EngineExecutionId));
        var health = await _engine.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2) * 2, $"Took {elapsed.Elapsed} with the engine gone");
    }

    [Fact]
    public async Task HealthCheck_AfterTheClientIsDisposed_ReportsInsteadOfThrowing()
    {
        var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(_server.Address));
        engine.Dispose();

        var health = await engine.CheckAsync();

        Assert.False(health.Healthy);
        Assert.Contains("shut down", health.Message, StringComparison.Ordinal);
    }
}
