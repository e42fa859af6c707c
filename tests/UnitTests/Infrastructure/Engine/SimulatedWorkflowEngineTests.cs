using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

public sealed class SimulatedWorkflowEngineTests
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    private static readonly Guid WorkflowId = Guid.Parse("6f1c1e0e-8d3a-4a51-9a55-0d5b2f7c9b11");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly EngineSimulation _simulation;
    private readonly SimulatedWorkflowEngine _engine;

    public SimulatedWorkflowEngineTests()
    {
        _simulation = new EngineSimulation(_clock, SimulatedBehaviour.Success(Latency));
        _engine = new SimulatedWorkflowEngine(_simulation);
    }

    private static string Key => WorkflowId.ToString();

    [Fact]
    public async Task Execute_PassesTheRequestToTheSimulation_AndReturnsTheRunningRun()
    {
        var request = new EngineStartRequest(
            WorkflowId, """{"steps":["a"]}""", "WEBHOOK", null,
            new Dictionary<string, string> { ["body"] = "{}" }, new Dictionary<string, string> { ["trace_id"] = "t-1" });

        var started = await _engine.ExecuteAsync(request);

        Assert.Equal(EngineStatus.Running, started.Status);
        Assert.Equal("accepted", started.Message);
        var run = Assert.Single(_simulation.Executions(Key));
        Assert.Equal(started.EngineExecutionId, run.ExecutionId);
        Assert.Equal("""{"steps":["a"]}""", run.WorkflowDefinition);
        Assert.Equal("WEBHOOK", run.Mode);
        Assert.Equal(string.Empty, run.TriggeredBy);
        Assert.Equal("{}", run.InputData["body"]);
        Assert.Equal("t-1", run.Metadata["trace_id"]);
    }

    [Fact]
    public async Task GetStatus_AfterTheLatency_IsSuccessWithResultData()
    {
        var started = await _engine.ExecuteAsync(Request());
        Assert.Equal(EngineStatus.Running, (await _engine.GetStatusAsync(started.EngineExecutionId)).Status);

        _clock.Advance(Latency);
        var state = await _engine.GetStatusAsync(started.EngineExecutionId);

        Assert.Equal(new EngineExecutionState(EngineStatus.Success, """{"ok":true}""", null), state);
    }

    [Fact]
    public async Task GetStatus_OfFailedRun_IsErrorWithMessage()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Error(Latency, "no such table"));
        var started = await _engine.ExecuteAsync(Request());
        _clock.Advance(Latency);

        var state = await _engine.GetStatusAsync(started.EngineExecutionId);

        Assert.Equal(new EngineExecutionState(EngineStatus.Error, null, "no such table"), state);
    }

    [Fact]
    public async Task Execute_WhenTheEngineIsUnavailable_ThrowsEngineUnavailable()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Unavailable());

        await Assert.ThrowsAsync<EngineUnavailableException>(() => _engine.ExecuteAsync(Request()));
        Assert.Equal(0, _simulation.ExecuteCalls(Key));
    }

    [Fact]
    public async Task Cancel_OfHangingRun_MakesItCanceled()
    {
        _simulation.SetBehaviour(Key, SimulatedBehaviour.Hang());
        var started = await _engine.ExecuteAsync(Request());

        var cancel = await _engine.CancelAsync(started.EngineExecutionId, "timeout");

        Assert.Equal(EngineCancelResult.Canceled(), cancel);
        var state = await _engine.GetStatusAsync(started.EngineExecutionId);
        Assert.Equal(EngineStatus.Canceled, state.Status);
        Assert.Equal("canceled: timeout", state.ErrorMessage);
        Assert.Equal(1, _simulation.CancelCalls(Key));
    }

    [Fact]
    public async Task Cancel_OfFinishedRun_IsNotAnError_AndKeepsItsStatus()
    {
        var started = await _engine.ExecuteAsync(Request());
        _clock.Advance(Latency);

        var cancel = await _engine.CancelAsync(started.EngineExecutionId, "late");

        Assert.Equal(EngineCancelOutcome.AlreadyFinished, cancel.Outcome);
        Assert.Equal(new EngineExecutionState(EngineStatus.Success, """{"ok":true}""", null), cancel.FinalState);
        Assert.Equal(EngineStatus.Success, (await _engine.GetStatusAsync(started.EngineExecutionId)).Status);
    }

    [Fact]
    public async Task Execute_with_a_known_idempotency_key_returns_the_same_run_and_starts_nothing()
    {
        var request = Request() with { IdempotencyKey = "exec-1" };

        var first = await _engine.ExecuteAsync(request);
        var again = await _engine.ExecuteAsync(request);
        var other = await _engine.ExecuteAsync(request with { IdempotencyKey = "exec-2" });

        Assert.Equal(first.EngineExecutionId, again.EngineExecutionId);
        Assert.NotEqual(first.EngineExecutionId, other.EngineExecutionId);
        Assert.Equal(2, _simulation.ExecuteCalls(Key));
        Assert.Equal(1, _simulation.DeduplicatedExecuteCalls(Key));
        Assert.Equal(3, _simulation.ExecuteAttempts(Key));
    }

    [Fact]
    public async Task Execute_without_a_key_starts_a_run_each_time()
    {
        var first = await _engine.ExecuteAsync(Request());
        var second = await _engine.ExecuteAsync(Request());

        Assert.NotEqual(first.EngineExecutionId, second.EngineExecutionId);
        Assert.Equal(0, _simulation.DeduplicatedExecuteCalls(Key));
    }

    [Fact]
    public async Task UnknownExecutionId_IsRejected_and_its_cancel_is_an_unknown_run()
    {
        var status = await Assert.ThrowsAsync<EngineRejectedException>(() => _engine.GetStatusAsync("sim-unknown"));
        var cancel = await _engine.CancelAsync("sim-unknown", "x");

        Assert.Contains("sim-unknown", status.Message, StringComparison.Ordinal);
        Assert.Equal(EngineCancelOutcome.UnknownRun, cancel.Outcome);
        Assert.Contains("sim-unknown", cancel.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CanceledToken_StartsNothing()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.ExecuteAsync(Request(), canceled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.GetStatusAsync("sim-x", canceled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.CancelAsync("sim-x", "r", canceled.Token));
        Assert.Equal(0, _simulation.ExecuteAttempts(Key));
    }

    private static EngineStartRequest Request() =>
        new(WorkflowId, "{}", "MANUAL", "tester", new Dictionary<string, string>(), new Dictionary<string, string>());
}
