using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

public sealed class EngineSimulationTests
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    private static readonly Dictionary<string, string> NoData = [];
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly EngineSimulation _simulation;

    public EngineSimulationTests()
    {
        _simulation = new EngineSimulation(_clock, SimulatedBehaviour.Success(Latency));
    }

    [Fact]
    public void Success_IsRunningUntilTheLatencyPassed_ThenSucceedsWithTheDefaultResult()
    {
        var started = Start("wf-1");
        Assert.Equal(EngineStatus.Running, started.Status);
        Assert.Null(started.ResultData);

        _clock.Advance(Latency - TimeSpan.FromMilliseconds(1));
        Assert.Equal(EngineStatus.Running, _simulation.Find(started.ExecutionId)!.Status);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var finished = _simulation.Find(started.ExecutionId)!;
        Assert.Equal(EngineStatus.Success, finished.Status);
        Assert.Equal("""{"ok":true}""", finished.ResultData);
        Assert.Null(finished.ErrorMessage);
    }

    [Fact]
    public void Success_WithResultData_ReportsThatResult()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Success(Latency, """{"rows":3}"""));

        var started = Start("wf-1");
        _clock.Advance(Latency);

        Assert.Equal("""{"rows":3}""", _simulation.Find(started.ExecutionId)!.ResultData);
    }

    [Fact]
    public void Error_IsRunningUntilTheLatencyPassed_ThenFailsWithTheMessage()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Error(Latency, "step 2 exploded"));

        var started = Start("wf-1");
        Assert.Equal(EngineStatus.Running, started.Status);
        _clock.Advance(Latency);

        var finished = _simulation.Find(started.ExecutionId)!;
        Assert.Equal(EngineStatus.Error, finished.Status);
        Assert.Equal("step 2 exploded", finished.ErrorMessage);
        Assert.Null(finished.ResultData);
    }

    [Fact]
    public void Error_WithoutMessage_ReportsTheDefaultMessage()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Error(TimeSpan.Zero));

        var started = Start("wf-1");

        Assert.Equal(EngineStatus.Error, started.Status);
        Assert.Equal(SimulatedBehaviour.DefaultErrorMessage, started.ErrorMessage);
    }

    [Fact]
    public void ZeroLatency_IsFinishedWhenExecuteAnswers()
    {
        _simulation.SetDefaultBehaviour(SimulatedBehaviour.Success(TimeSpan.Zero));

        Assert.Equal(EngineStatus.Success, Start("wf-1").Status);
    }

    [Fact]
    public void Hang_StaysRunningUntilCanceled_ThenIsCanceledWithTheReason()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Hang());
        var started = Start("wf-1");

        _clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(EngineStatus.Running, _simulation.Find(started.ExecutionId)!.Status);

        Assert.Equal(SimulatedCancelOutcome.Canceled, _simulation.Cancel(started.ExecutionId, "deadline"));
        var canceled = _simulation.Find(started.ExecutionId)!;
        Assert.Equal(EngineStatus.Canceled, canceled.Status);
        Assert.Equal("canceled: deadline", canceled.ErrorMessage);
        Assert.Null(canceled.ResultData);
    }

    [Fact]
    public void Cancel_OfRunningLatency_StaysCanceledAfterTheLatency()
    {
        var started = Start("wf-1");

        Assert.Equal(SimulatedCancelOutcome.Canceled, _simulation.Cancel(started.ExecutionId));
        _clock.Advance(Latency * 10);

        var run = _simulation.Find(started.ExecutionId)!;
        Assert.Equal(EngineStatus.Canceled, run.Status);
        Assert.Equal("canceled", run.ErrorMessage);
    }

    [Fact]
    public void Cancel_OfFinishedRun_ReturnsAlreadyFinishedAndKeepsItsStatus()
    {
        var started = Start("wf-1");
        _clock.Advance(Latency);

        Assert.Equal(SimulatedCancelOutcome.AlreadyFinished, _simulation.Cancel(started.ExecutionId, "too late"));
        Assert.Equal(EngineStatus.Success, _simulation.Find(started.ExecutionId)!.Status);
    }

    [Fact]
    public void Cancel_OfCanceledRun_ReturnsAlreadyFinished()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Hang());
        var started = Start("wf-1");
        _simulation.Cancel(started.ExecutionId);

        Assert.Equal(SimulatedCancelOutcome.AlreadyFinished, _simulation.Cancel(started.ExecutionId));
    }

    [Fact]
    public void UnknownExecutionId_IsNotFound()
    {
        Start("wf-1");

        Assert.Null(_simulation.Find("sim-nope"));
        Assert.Equal(SimulatedCancelOutcome.NotFound, _simulation.Cancel("sim-nope"));
        Assert.Equal(0, _simulation.CancelCalls("wf-1"));
    }

    [Fact]
    public void Counters_CountAcceptedExecutesAndCancelsPerWorkflow()
    {
        var first = Start("wf-1");
        Start("wf-1");
        var other = Start("wf-2");
        _simulation.Cancel(first.ExecutionId);
        _clock.Advance(Latency);
        _simulation.Cancel(first.ExecutionId); // already canceled: still a call
        _simulation.Cancel(other.ExecutionId); // finished: still a call

        Assert.Equal(2, _simulation.ExecuteCalls("wf-1"));
        Assert.Equal(1, _simulation.ExecuteCalls("wf-2"));
        Assert.Equal(2, _simulation.CancelCalls("wf-1"));
        Assert.Equal(1, _simulation.CancelCalls("wf-2"));
        Assert.Equal(0, _simulation.ExecuteCalls("wf-never"));
        Assert.Equal(0, _simulation.ExecuteAttempts("wf-never"));
        Assert.Empty(_simulation.Executions("wf-never"));
    }

    [Fact]
    public void Executions_RecordWhatTheEngineReceived_OldestFirst_WithCurrentStatus()
    {
        var input = new Dictionary<string, string> { ["order"] = "42" };
        var metadata = new Dictionary<string, string> { ["trace_id"] = "abc" };
        var first = _simulation.Execute("wf-1", """{"steps":[]}""", "MANUAL", "alice", input, metadata);
        _clock.Advance(Latency);
        var second = Start("wf-1");
        input["order"] = "changed by the caller afterwards";

        var runs = _simulation.Executions("wf-1");

        Assert.Equal([first.ExecutionId, second.ExecutionId], runs.Select(r => r.ExecutionId));
        var recorded = runs[0];
        Assert.Equal("wf-1", recorded.WorkflowId);
        Assert.Equal(EngineStatus.Success, recorded.Status);
        Assert.Equal("""{"steps":[]}""", recorded.WorkflowDefinition);
        Assert.Equal("MANUAL", recorded.Mode);
        Assert.Equal("alice", recorded.TriggeredBy);
        Assert.Equal("42", recorded.InputData["order"]);
        Assert.Equal("abc", Assert.Single(recorded.Metadata).Value);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero), recorded.StartedAt);
        Assert.Equal(EngineStatus.Running, runs[1].Status);
        Assert.NotEqual(first.ExecutionId, second.ExecutionId);
    }

    [Fact]
    public void FailNextExecuteCalls_FailsThatManyTimesAsUnavailable_ThenAccepts()
    {
        _simulation.FailNextExecuteCalls("wf-1", 2);

        Assert.Throws<EngineUnavailableException>(() => Start("wf-1"));
        Assert.Throws<EngineUnavailableException>(() => Start("wf-1"));
        var accepted = Start("wf-1");

        Assert.Equal(EngineStatus.Running, accepted.Status);
        Assert.Equal(3, _simulation.ExecuteAttempts("wf-1"));
        Assert.Equal(1, _simulation.ExecuteCalls("wf-1"));
        Assert.Single(_simulation.Executions("wf-1"));

        // Queued failures belong to their workflow only.
        Start("wf-2");
        Assert.Equal(1, _simulation.ExecuteAttempts("wf-2"));
    }

    [Fact]
    public void UnavailableBehaviour_RefusesEveryExecuteAndRecordsNoRun()
    {
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Unavailable());

        var exception = Assert.Throws<EngineUnavailableException>(() => Start("wf-1"));
        Assert.Throws<EngineUnavailableException>(() => Start("wf-1"));

        Assert.Contains("wf-1", exception.Message, StringComparison.Ordinal);
        Assert.Equal(2, _simulation.ExecuteAttempts("wf-1"));
        Assert.Equal(0, _simulation.ExecuteCalls("wf-1"));
        Assert.Empty(_simulation.Executions("wf-1"));
    }

    [Fact]
    public void PerWorkflowBehaviour_OverridesTheDefault_OnlyForThatWorkflow()
    {
        _simulation.SetBehaviour("wf-error", SimulatedBehaviour.Error(Latency, "boom"));
        var failing = Start("wf-error");
        var normal = Start("wf-other");
        _clock.Advance(Latency);

        Assert.Equal(EngineStatus.Error, _simulation.Find(failing.ExecutionId)!.Status);
        Assert.Equal(EngineStatus.Success, _simulation.Find(normal.ExecutionId)!.Status);

        _simulation.SetDefaultBehaviour(SimulatedBehaviour.Hang());
        var hanging = Start("wf-other");
        var stillFailing = Start("wf-error");
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(EngineStatus.Running, _simulation.Find(hanging.ExecutionId)!.Status);
        Assert.Equal(EngineStatus.Error, _simulation.Find(stillFailing.ExecutionId)!.Status);
        Assert.Equal(SimulatedBehaviour.Hang(), _simulation.DefaultBehaviour);
    }

    [Fact]
    public void ChangingBehaviour_DoesNotChangeRunsAlreadyStarted()
    {
        var started = Start("wf-1");

        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Hang());
        _clock.Advance(Latency);

        Assert.Equal(EngineStatus.Success, _simulation.Find(started.ExecutionId)!.Status);
    }

    [Fact]
    public void Reset_ForgetsRunsCountersBehavioursAndQueuedFailures_AndRestoresTheInitialDefault()
    {
        var started = Start("wf-1");
        _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Unavailable());
        _simulation.FailNextExecuteCalls("wf-2", 5);
        _simulation.SetDefaultBehaviour(SimulatedBehaviour.Hang());

        _simulation.Reset();

        Assert.Null(_simulation.Find(started.ExecutionId));
        Assert.Equal(0, _simulation.ExecuteCalls("wf-1"));
        Assert.Equal(SimulatedBehaviour.Success(Latency), _simulation.DefaultBehaviour);
        Assert.Equal(EngineStatus.Running, Start("wf-1").Status);
        Assert.Equal(EngineStatus.Running, Start("wf-2").Status);
    }

    [Fact]
    public void OverTheRetentionLimit_OldestFinishedRunsAreForgotten_RunningOnesAreKept()
    {
        var simulation = new EngineSimulation(_clock, SimulatedBehaviour.Success(TimeSpan.Zero), maxRetainedExecutions: 10);
        simulation.SetBehaviour("hang", SimulatedBehaviour.Hang());
        var hanging = simulation.Execute("hang", "{}", "MANUAL", "", NoData, NoData);
        var finished = Enumerable.Range(0, 10).Select(_ => simulation.Execute("wf-1", "{}", "MANUAL", "", NoData, NoData)).ToList();

        // 11 runs > 10: down to 9, dropping the two oldest finished ones.
        Assert.Equal(9, simulation.Executions("wf-1").Count + simulation.Executions("hang").Count);
        Assert.NotNull(simulation.Find(hanging.ExecutionId));
        Assert.Null(simulation.Find(finished[0].ExecutionId));
        Assert.Null(simulation.Find(finished[1].ExecutionId));
        Assert.NotNull(simulation.Find(finished[2].ExecutionId));
        Assert.Equal(10, simulation.ExecuteCalls("wf-1"));
    }

    [Fact]
    public void A_forgotten_run_forgets_its_idempotency_key_too()
    {
        var simulation = new EngineSimulation(_clock, SimulatedBehaviour.Success(TimeSpan.Zero), maxRetainedExecutions: 10);
        var first = simulation.Execute("wf-1", "{}", "MANUAL", "", NoData, NoData, "key-0");
        Assert.Equal(first.ExecutionId, simulation.Execute("wf-1", "{}", "MANUAL", "", NoData, NoData, "key-0").ExecutionId);
        for (var i = 1; i <= 10; i++)
        {
            simulation.Execute("wf-1", "{}", "MANUAL", "", NoData, NoData, $"key-{i}");
        }

        Assert.Null(simulation.Find(first.ExecutionId));
        var again = simulation.Execute("wf-1", "{}", "MANUAL", "", NoData, NoData, "key-0");
        Assert.NotEqual(first.ExecutionId, again.ExecutionId);
        Assert.Equal(1, simulation.DeduplicatedExecuteCalls("wf-1"));
    }

    [Fact]
    public async Task ConcurrentCalls_AreAllCountedAndGetDistinctIds()
    {
        _simulation.FailNextExecuteCalls("wf-1", 50);
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        var unavailable = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    var run = Start("wf-1");
                    ids.Add(run.ExecutionId);
                    _simulation.Find(run.ExecutionId);
                    _simulation.Cancel(run.ExecutionId);
                }
                catch (EngineUnavailableException)
                {
                    Interlocked.Increment(ref unavailable);
                }
            }
        })));

        Assert.Equal(50, unavailable);
        Assert.Equal(750, ids.Distinct().Count());
        Assert.Equal(750, _simulation.ExecuteCalls("wf-1"));
        Assert.Equal(800, _simulation.ExecuteAttempts("wf-1"));
        Assert.Equal(750, _simulation.CancelCalls("wf-1"));
        Assert.All(_simulation.Executions("wf-1"), run => Assert.Equal(EngineStatus.Canceled, run.Status));
    }

    [Fact]
    public void InvalidBehaviourOrArguments_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => _simulation.SetBehaviour("wf-1", SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(-1))));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => _simulation.SetDefaultBehaviour(new SimulatedBehaviour(TimeSpan.Zero, (SimulatedOutcome)42)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _simulation.FailNextExecuteCalls("wf-1", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EngineSimulation(_clock, maxRetainedExecutions: 0));
        Assert.Equal(SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(200)), new EngineSimulation(_clock).DefaultBehaviour);
    }

    private SimulatedExecution Start(string workflowId) =>
        _simulation.Execute(workflowId, "{}", "MANUAL", "tester", NoData, NoData);
}
