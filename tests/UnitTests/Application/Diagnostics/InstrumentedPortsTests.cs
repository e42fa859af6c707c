using Moq;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Diagnostics;

/// <summary>
/// The engine and lock decorators: they pass every call through and record its outcome. One class, so the
/// measurements of the shared static meter are not mixed with another test's (classes run in parallel).
/// </summary>
[Collection(SharedTelemetryCollection.Name)]
public sealed class InstrumentedPortsTests
{
    private static readonly EngineStartRequest Start = new(Guid.NewGuid(), "{}", "MANUAL", null,
        new Dictionary<string, string>(), new Dictionary<string, string>());

    [Fact]
    public async Task An_engine_call_that_answers_is_passed_through_and_recorded_ok_with_its_operation()
    {
        using var recorded = new RecordedMeasurements("workflow_runtime.engine.call.duration");
        var inner = new Mock<IWorkflowEngine>(MockBehavior.Strict);
        inner.Setup(e => e.ExecuteAsync(Start, It.IsAny<CancellationToken>())).ReturnsAsync(new EngineStartResult("run-1", EngineStatus.Running, null));
        inner.Setup(e => e.GetStatusAsync("run-1", It.IsAny<CancellationToken>())).ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));
        inner.Setup(e => e.CancelAsync("run-1", "why", It.IsAny<CancellationToken>())).ReturnsAsync(EngineCancelResult.Canceled());
        var engine = new InstrumentedWorkflowEngine(inner.Object);

        Assert.Equal("run-1", (await engine.ExecuteAsync(Start)).EngineExecutionId);
        Assert.Equal(EngineStatus.Success, (await engine.GetStatusAsync("run-1")).Status);
        Assert.Equal(EngineCancelOutcome.Canceled, (await engine.CancelAsync("run-1", "why")).Outcome);

        Assert.Single(recorded.With(("operation", "execute"), ("outcome", "ok")));
        Assert.Single(recorded.With(("operation", "get_status"), ("outcome", "ok")));
        Assert.Single(recorded.With(("operation", "cancel"), ("outcome", "ok")));
        Assert.All(recorded.All, m => Assert.True(m.Value >= 0));
        inner.VerifyAll();
    }

    [Theory]
    [InlineData("unavailable")]
    [InlineData("rejected")]
    [InlineData("canceled")]
    [InlineData("error")]
    public async Task An_engine_call_that_fails_rethrows_and_is_recorded_with_why(string outcome)
    {
        using var recorded = new RecordedMeasurements("workflow_runtime.engine.call.duration");
        Exception failure = outcome switch
        {
            "unavailable" => new EngineUnavailableException("down"),
            "rejected" => new EngineRejectedException("no"),
            "canceled" => new OperationCanceledException(),
            _ => new InvalidOperationException("bug"),
        };
        var inner = new Mock<IWorkflowEngine>();
        inner.Setup(e => e.ExecuteAsync(Start, It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => new InstrumentedWorkflowEngine(inner.Object).ExecuteAsync(Start));

        Assert.Same(failure, thrown);
        Assert.Single(recorded.With(("operation", "execute"), ("outcome", outcome)));
        Assert.Equal(outcome, InstrumentedWorkflowEngine.OutcomeOf(failure));
    }

    [Fact]
    public async Task A_lock_acquire_is_recorded_acquired_held_unavailable_or_error()
    {
        using var recorded = new RecordedMeasurements("workflow_runtime.lock.acquires");
        var handle = new LockHandle("wf-1", "key", "token", DateTimeOffset.UnixEpoch);
        var inner = new Mock<IDistributedLock>();
        inner.SetupSequence(l => l.AcquireLockAsync("wf-1", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(handle)
            .ReturnsAsync((LockHandle?)null)
            .ThrowsAsync(new LockUnavailableException("redis down"))
            .ThrowsAsync(new OperationCanceledException());
        var locks = new InstrumentedDistributedLock(inner.Object);

        Assert.Same(handle, await locks.AcquireLockAsync("wf-1"));
        Assert.Null(await locks.AcquireLockAsync("wf-1"));
        await Assert.ThrowsAsync<LockUnavailableException>(() => locks.AcquireLockAsync("wf-1"));
        await Assert.ThrowsAsync<OperationCanceledException>(() => locks.AcquireLockAsync("wf-1"));

        Assert.Equal([1d], recorded.With(("outcome", InstrumentedDistributedLock.Acquired)));
        Assert.Equal([1d], recorded.With(("outcome", InstrumentedDistributedLock.Held)));
        Assert.Equal([1d], recorded.With(("outcome", InstrumentedDistributedLock.Unavailable)));
        Assert.Equal([1d], recorded.With(("outcome", InstrumentedDistributedLock.Failed)));
    }

    [Fact]
    public async Task Release_extend_and_restore_go_straight_to_the_lock()
    {
        var handle = new LockHandle("wf-1", "key", "token", DateTimeOffset.UnixEpoch);
        var inner = new Mock<IDistributedLock>(MockBehavior.Strict);
        inner.Setup(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        inner.Setup(l => l.ExtendLockAsync(handle, TimeSpan.FromSeconds(5), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        inner.Setup(l => l.RestoreHandle("wf-1", "token")).Returns(handle);
        var locks = new InstrumentedDistributedLock(inner.Object);

        Assert.True(await locks.ReleaseLockAsync(handle));
        Assert.False(await locks.ExtendLockAsync(handle, TimeSpan.FromSeconds(5)));
        Assert.Same(handle, locks.RestoreHandle("wf-1", "token"));
        inner.VerifyAll();
    }
}
