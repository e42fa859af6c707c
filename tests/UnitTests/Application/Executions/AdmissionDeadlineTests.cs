using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

/// <summary>A trigger whose caller can no longer hear the answer is not admitted: no row, no engine call, no lock left.</summary>
public sealed class AdmissionDeadlineTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = ExecutionHarness.Start;
    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task A_deadline_that_already_passed_is_refused_before_anything_is_read()
    {
        var deployment = Given(Samples.Deployed());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddMilliseconds(-1)));

        AssertDeadlineExceeded(result);
        _h.Deployments.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        AssertNothingWritten();
    }

    [Fact]
    public async Task A_deadline_closer_than_the_margin_is_refused()
    {
        var deployment = Given(Samples.Deployed());
        _h.Settings.AdmissionDeadlineMarginMs = 100;

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddMilliseconds(99)));

        AssertDeadlineExceeded(result);
        Assert.Contains("99 ms", result.Errors.Last(), StringComparison.Ordinal);
        AssertNothingWritten();
    }

    [Fact]
    public async Task A_deadline_that_passes_while_the_lock_is_taken_writes_no_row_and_releases_the_lock()
    {
        var deployment = Given(Samples.Deployed());
        // A stalled lock store: the acquire answers only after the caller's deadline.
        _h.Locks.Setup(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string workflowId, TimeSpan? _, CancellationToken _) =>
            {
                _h.Clock.Advance(TimeSpan.FromSeconds(2));
                return ExecutionHarness.Handle(workflowId);
            });

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddSeconds(1)));

        AssertDeadlineExceeded(result);
        AssertNothingWritten();
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.Is<LockHandle>(h => h.Token == ExecutionHarness.LockToken), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_deadline_that_passes_before_a_skip_is_recorded_writes_no_skipped_row()
    {
        var deployment = Given(Samples.Deployed());
        _h.Locks.Setup(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, TimeSpan? _, CancellationToken _) =>
            {
                _h.Clock.Advance(TimeSpan.FromSeconds(2));
                return null;
            });

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddSeconds(1)));

        AssertDeadlineExceeded(result);
        AssertNothingWritten();
    }

    [Fact]
    public async Task A_caller_that_cancelled_gets_a_cancellation_and_no_row()
    {
        var deployment = Given(Samples.Deployed());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddMinutes(1)), cancelled.Token));

        AssertNothingWritten();
    }

    [Fact]
    public async Task A_run_admitted_in_time_is_dispatched_without_the_callers_token_so_a_late_deadline_cannot_strand_it()
    {
        var deployment = Given(Samples.Deployed());
        using var caller = new CancellationTokenSource();
        CancellationToken dispatchToken = caller.Token;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((EngineStartRequest _, CancellationToken token) =>
            {
                dispatchToken = token;
                return new EngineStartResult(ExecutionHarness.EngineId, EngineStatus.Running, null);
            });

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: Now.AddSeconds(5)), caller.Token);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        Assert.False(dispatchToken.CanBeCanceled, "the engine dispatch after the commit must not carry the caller's token");
        Assert.Single(_h.Added);
    }

    [Fact]
    public async Task No_deadline_admits_as_before()
    {
        var deployment = Given(Samples.Deployed());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment, deadline: null));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Single(_h.Added);
    }

    private Deployment Given(Deployment deployment)
    {
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        return deployment;
    }

    private static TriggerCommand Command(Deployment deployment, DateTimeOffset? deadline) =>
        new(deployment.Id.ToString(), null, Mode: null, TriggerData: null, IdempotencyKey: "key-1", TriggeredBy: null,
            Metadata: new Dictionary<string, string>(), WaitForCompletion: false, WaitTimeoutSeconds: 0) { Deadline = deadline };

    private static void AssertDeadlineExceeded(Result<TriggerOutcome> result)
    {
        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.DeadlineExceeded, result.Errors.First());
        Assert.Contains("nothing was recorded", result.Errors.Last(), StringComparison.Ordinal);
    }

    private void AssertNothingWritten()
    {
        Assert.Empty(_h.Added);
        Assert.Equal(0, _h.SaveCount);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
