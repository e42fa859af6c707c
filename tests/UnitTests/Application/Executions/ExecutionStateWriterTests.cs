using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class ExecutionStateWriterTests : IAsyncDisposable
{
    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task A_close_writes_against_the_revision_the_copy_was_at_then_releases_the_lock()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var before = execution.Revision;
        var handle = ExecutionHarness.Handle(execution.WorkflowId);

        await _h.Writer.CloseAsync(execution, e => e.Succeed("{}", ExecutionHarness.Start), handle, CancellationToken.None);

        _h.Executions.Verify(r => r.WriteStateAsync(execution, before, It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(ExecutionStatus.Success, execution.Status);
    }

    [Fact]
    public async Task A_close_that_would_not_end_the_run_writes_nothing()
    {
        var execution = _h.Store(ExecutionHarness.Pending());

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _h.Writer.CloseAsync(execution, e => e.MarkRunning("engine-1", ExecutionHarness.Start), null, CancellationToken.None));

        Assert.Equal(0, _h.SaveCount);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_write_that_loses_the_revision_race_keeps_the_lock_and_says_so()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.FailNextSave(new ConcurrencyConflictException("revision changed"));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => _h.Writer.CloseAsync(execution,
            e => e.Succeed(null, ExecutionHarness.Start), ExecutionHarness.Handle(execution.WorkflowId), CancellationToken.None));

        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_change_that_does_not_end_the_run_is_written_and_the_lock_kept()
    {
        var execution = _h.Store(ExecutionHarness.Pending());

        var ended = await _h.Writer.RecordAsync(execution, e => e.MarkRunning("engine-1", ExecutionHarness.Start),
            ExecutionHarness.Handle(execution.WorkflowId), CancellationToken.None);

        Assert.False(ended);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Running));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
