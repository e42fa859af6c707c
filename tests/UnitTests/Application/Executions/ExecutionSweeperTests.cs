using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class ExecutionSweeperTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = ExecutionHarness.Start;
    private static readonly DateTimeOffset LongAgo = Now.AddMinutes(-2);

    private readonly ExecutionHarness _h = new();

    public ExecutionSweeperTests()
    {
        _h.Settings.StaleAfterSeconds = 60;
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task A_stale_running_run_is_claimed_by_this_instance_saved_and_tracked()
    {
        var execution = _h.Store(ExecutionHarness.Running(at: LongAgo));
        Stale(execution);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal(ExecutionHarness.InstanceId, execution.OwnerInstanceId);
        Assert.Equal(Now, execution.HeartbeatAt);
        var saved = Assert.Single(Assert.Single(_h.Saves));
        Assert.Equal(new SavedExecution(execution.Id, ExecutionStatus.Running, ExecutionHarness.LockToken, ExecutionHarness.InstanceId, Now), saved);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        _h.Executions.Verify(r => r.ListStaleAsync(Now - _h.Settings.StaleAfter, 100, It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.RestoreHandle(execution.WorkflowId.ToString(), ExecutionHarness.LockToken), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task An_adopted_run_renews_the_lock_it_inherited()
    {
        var execution = _h.Store(ExecutionHarness.Running(at: LongAgo));
        Stale(execution);

        await _h.Sweeper().SweepAsync();
        await _h.TimersArmedAsync(1);
        await _h.Tracker.HeartbeatAsync();

        _h.Locks.Verify(l => l.ExtendLocksAsync(
            It.Is<IReadOnlyCollection<LockHandle>>(leases => leases.Single().WorkflowId == execution.WorkflowId.ToString()
                && leases.Single().Token == ExecutionHarness.LockToken),
            _h.Settings.LockTtl, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_stale_new_run_whose_workflow_is_gone_is_closed_as_lost_and_its_lock_released()
    {
        var execution = _h.Store(ExecutionHarness.Pending(at: LongAgo));
        Stale(execution);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Equal(ExecutionSweeper.InstanceLostReason, execution.ErrorMessage);
        Assert.Equal(Now, execution.FinishedAt);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Error));
        _h.Locks.Verify(l => l.RestoreHandle(execution.WorkflowId.ToString(), ExecutionHarness.LockToken), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(
            It.Is<LockHandle>(h => h.WorkflowId == execution.WorkflowId.ToString() && h.Token == ExecutionHarness.LockToken),
            It.IsAny<CancellationToken>()), Times.Once);
        Assert.False(_h.Tracker.IsTracking(execution.Id));
        _h.Engine.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_stale_new_run_is_sent_to_the_engine_again_with_its_execution_id_as_key_recorded_running_and_tracked()
    {
        var deployment = Samples.Deployed();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var execution = _h.Store(PendingOf(deployment.Id));
        Stale(execution);
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult("engine-run-from-before", EngineStatus.Running, null));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.NotNull(sent);
        Assert.Equal(execution.Id.ToString(), sent.IdempotencyKey);
        Assert.Equal(execution.Id.ToString(), sent.Metadata["runtime_execution_id"]);
        Assert.Equal(deployment.Definition.Json, sent.WorkflowDefinition);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal("engine-run-from-before", execution.EngineExecutionId);
        Assert.Equal(ExecutionHarness.InstanceId, execution.OwnerInstanceId);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Running));
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_stale_new_run_the_engine_cannot_take_now_stays_new_claimed_by_this_instance_for_a_later_sweep()
    {
        var deployment = Samples.Deployed();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var execution = _h.Store(PendingOf(deployment.Id));
        Stale(execution);
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineUnavailableException("engine down"));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.New, execution.Status);
        Assert.Equal(ExecutionHarness.InstanceId, execution.OwnerInstanceId);
        Assert.Equal(Now, execution.HeartbeatAt);
        Assert.False(_h.Tracker.IsTracking(execution.Id));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_stale_new_run_the_engine_refuses_is_closed_as_error_with_the_refusal()
    {
        var deployment = Samples.Deployed();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var execution = _h.Store(PendingOf(deployment.Id));
        Stale(execution);
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineRejectedException("invalid definition"));

        await _h.Sweeper().SweepAsync();

        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Contains("invalid definition", execution.ErrorMessage, StringComparison.Ordinal);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_re_dispatched_run_whose_running_write_fails_is_handed_to_the_tracker_which_writes_it()
    {
        var deployment = Samples.Deployed();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var execution = _h.Store(PendingOf(deployment.Id));
        Stale(execution);
        var saves = 0;
        Execution? writtenAfterTheFailure = null;
        _h.Executions.Setup(r => r.WriteStateAsync(It.IsAny<Execution>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .Returns((Execution e, long _, CancellationToken _) =>
            {
                if (++saves == 2)
                {
                    return Task.FromException(new PersistenceUnavailableException("database is locked"));
                }

                if (saves > 2)
                {
                    writtenAfterTheFailure ??= e;
                }

                return Task.CompletedTask;
            });
        var stored = PendingOf(deployment.Id, execution.Id);

        // What the database still holds after the failed write: the run, NEW.
        _h.Executions.Setup(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => saves >= 2 ? stored : execution);

        await _h.Sweeper().SweepAsync();

        // Wait on the write itself: the tracker changes the re-read row in memory just before it writes it.
        await Eventually.HoldsAsync(() => writtenAfterTheFailure is { Status: ExecutionStatus.Running }, "the tracker writes RUNNING");
        Assert.Same(stored, writtenAfterTheFailure);
        Assert.Equal(ExecutionHarness.EngineId, stored.EngineExecutionId);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
    }

    [Fact]
    public async Task A_sweep_write_the_database_refuses_is_left_for_the_next_sweep_and_the_others_go_on()
    {
        var refused = _h.Store(ExecutionHarness.Running(at: LongAgo));
        var free = _h.Store(ExecutionHarness.Running(at: LongAgo));
        _h.Executions.Setup(r => r.ListStaleAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([refused.Id, free.Id]);
        _h.FailNextSave(new PersistenceUnavailableException("database is locked"));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.False(_h.Tracker.IsTracking(refused.Id));
        Assert.True(_h.Tracker.IsTracking(free.Id));
    }

    [Fact]
    public async Task A_lost_run_without_a_lock_is_closed_without_touching_the_lock_store()
    {
        var execution = _h.Store(ExecutionHarness.Pending(at: LongAgo, lockToken: null));
        Stale(execution);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.Error, execution.Status);
        _h.Locks.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_lost_run_is_closed_even_when_the_lock_store_is_down()
    {
        var execution = _h.Store(ExecutionHarness.Pending(at: LongAgo));
        Stale(execution);
        _h.Locks.Setup(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis down"));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.Error, execution.Status);
    }

    [Fact]
    public async Task A_run_that_is_no_longer_stale_when_loaded_is_left_alone()
    {
        // Listed as stale, but its tracker wrote a heartbeat before this sweeper loaded it.
        var execution = _h.Store(ExecutionHarness.Running(at: Now.AddSeconds(-10)));
        Stale(execution);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(0, handled);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal(ExecutionHarness.OtherInstanceId, execution.OwnerInstanceId);
        Assert.Equal(0, _h.SaveCount);
        Assert.False(_h.Tracker.IsTracking(execution.Id));
        _h.Locks.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_run_that_ended_or_vanished_before_it_was_loaded_is_left_alone()
    {
        var ended = _h.Store(ExecutionHarness.Running(at: LongAgo));
        ended.Succeed("{}", LongAgo.AddSeconds(5));
        _h.Executions.Setup(r => r.ListStaleAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([ended.Id, Guid.NewGuid()]);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(0, handled);
        Assert.Equal(0, _h.SaveCount);
        Assert.Equal(0, _h.Tracker.RunningCount);
    }

    [Fact]
    public async Task A_claim_another_sweeper_won_is_skipped_and_the_sweep_goes_on()
    {
        var contested = _h.Store(ExecutionHarness.Running(at: LongAgo));
        var free = _h.Store(ExecutionHarness.Running(at: LongAgo));
        _h.Executions.Setup(r => r.ListStaleAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([contested.Id, free.Id]);
        _h.FailNextSave(new ConcurrencyConflictException("revision 3 expected, found 4"));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.False(_h.Tracker.IsTracking(contested.Id));
        Assert.True(_h.Tracker.IsTracking(free.Id));
        var saved = Assert.Single(_h.Saves);
        Assert.Contains(saved, s => s.Id == free.Id && s.OwnerInstanceId == ExecutionHarness.InstanceId);
    }

    [Fact]
    public async Task A_run_this_instance_already_tracks_is_not_touched()
    {
        var execution = _h.Store(ExecutionHarness.Running(at: LongAgo));
        Stale(execution);
        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1); // the tracker's first poll is done; it polls again only when the clock moves
        var loadsBefore = _h.Executions.Invocations.Count(i => i.Method.Name == nameof(IExecutionRepository.FindAsync));

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(0, handled);
        Assert.Equal(loadsBefore, _h.Executions.Invocations.Count(i => i.Method.Name == nameof(IExecutionRepository.FindAsync)));
        Assert.Equal(0, _h.SaveCount);
        Assert.Equal(ExecutionHarness.OtherInstanceId, execution.OwnerInstanceId);
        _h.Locks.Verify(l => l.RestoreHandle(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
    }

    [Fact]
    public async Task A_sweep_with_nothing_stale_does_nothing()
    {
        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(0, handled);
        Assert.Equal(0, _h.SaveCount);
        _h.Executions.Verify(r => r.FindAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private static Execution PendingOf(Guid workflowId, Guid? id = null)
    {
        var execution = Execution.Start(workflowId, ExecutionMode.Manual,
            new ExecutionRequest("{}", InstanceId: ExecutionHarness.OtherInstanceId), OverlapPolicy.Skip, TimeSpan.FromHours(1), LongAgo);
        execution.AttachLock(ExecutionHarness.LockToken);
        if (id is { } fixedId)
        {
            // The same row read again from the database: same id (the materialiser sets it; tests use reflection).
            typeof(Execution).GetProperty(nameof(Execution.Id))!.SetValue(execution, fixedId);
        }

        return execution;
    }

    private void Stale(params Execution[] executions) =>
        _h.Executions.Setup(r => r.ListStaleAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([.. executions.Select(e => e.Id)]);
}
