using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

/// <summary>
/// The tracker's loops run on the thread pool against a fake clock: a test waits (bounded, in real time) until a loop
/// is parked on its poll delay (<see cref="ExecutionHarness.TimersArmedAsync"/>), then advances the clock by exactly
/// the step it means to take. Polls are 1 s apart and the heartbeat interval is 10 s.
/// </summary>
public sealed class ExecutionTrackerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = ExecutionHarness.Start;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    // ---------------------------------------------------------------- terminal states reported by the engine

    [Fact]
    public async Task Engine_success_is_saved_with_the_result_the_lock_released_and_the_waiter_told()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var handle = ExecutionHarness.Handle(execution.WorkflowId);
        var answer = new TaskCompletionSource<EngineExecutionState>(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>())).Returns(answer.Task);

        _h.Tracker.Track(execution, handle);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        var waiting = _h.Tracker.WaitForEndAsync(execution.Id, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        answer.SetResult(new EngineExecutionState(EngineStatus.Success, """{"rows":3}""", null));

        Assert.True(await waiting.WaitAsync(Eventually.Limit));
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal("""{"rows":3}""", execution.ResultData);
        Assert.Equal(Now, execution.FinishedAt);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Success));
        Assert.Equal(1, _h.SaveCount);
        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
        Assert.False(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(0, _h.Tracker.RunningCount);
    }

    [Theory]
    [InlineData("node 'send' failed: 502", "node 'send' failed: 502")]
    [InlineData(null, "the engine reported ERROR")]
    [InlineData("  ", "the engine reported ERROR")]
    public async Task Engine_error_is_saved_with_its_message(string? engineMessage, string expected)
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Error, null, engineMessage));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Equal(expected, execution.ErrorMessage);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Error));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.Is<LockHandle>(h => h.Token == ExecutionHarness.LockToken), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("stopped by an operator", "stopped by an operator")]
    [InlineData(null, "canceled in the engine")]
    public async Task Engine_cancel_is_saved_canceled(string? engineMessage, string expected)
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Canceled, null, engineMessage));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
        Assert.Equal(expected, execution.ErrorMessage);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Canceled));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_run_the_engine_no_longer_knows_is_saved_error()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineRejectedException("execution not found"));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Contains("engine lost the run", execution.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("execution not found", execution.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_without_a_lock_ends_without_touching_the_lock_store()
    {
        var execution = _h.Store(ExecutionHarness.Running(lockToken: null));
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, null, null));

        _h.Tracker.Track(execution, null);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---------------------------------------------------------------- deadline

    [Fact]
    public async Task Past_the_deadline_the_run_is_canceled_in_the_engine_and_saved_timeout()
    {
        var execution = _h.Store(ExecutionHarness.Running(timeout: TimeSpan.FromSeconds(30)));
        var handle = ExecutionHarness.Handle(execution.WorkflowId);

        _h.Tracker.Track(execution, handle);
        await _h.TimersArmedAsync(1);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the timed-out run is no longer tracked");

        Assert.Equal(ExecutionStatus.Timeout, execution.Status);
        Assert.Equal(Now.AddSeconds(30), execution.FinishedAt);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Timeout));
        _h.Engine.Verify(e => e.CancelAsync(ExecutionHarness.EngineId, "deadline exceeded", It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Past_the_deadline_with_the_cancel_undelivered_the_run_stays_running_and_the_cancel_is_sent_again()
    {
        var execution = _h.Store(ExecutionHarness.Running(timeout: TimeSpan.FromSeconds(30)));
        _h.Engine.SetupSequence(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.Unreachable("engine down"))
            .ReturnsAsync(EngineCancelResult.Canceled());
        _h.Clock.Advance(TimeSpan.FromMinutes(1));

        _h.Tracker.Track(execution, null);
        await _h.TimersArmedAsync(1);

        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Empty(_h.SavesOf(execution.Id, ExecutionStatus.Timeout));
        Assert.True(_h.Tracker.IsTracking(execution.Id));

        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run ends once the cancel is delivered");
        Assert.Equal(ExecutionStatus.Timeout, execution.Status);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Timeout));
        _h.Engine.Verify(e => e.CancelAsync(ExecutionHarness.EngineId, "deadline exceeded", It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task Past_the_deadline_a_run_that_already_succeeded_in_the_engine_is_recorded_success_not_timeout()
    {
        var execution = _h.Store(ExecutionHarness.Running(timeout: TimeSpan.FromSeconds(30)));
        _h.Engine.Setup(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.AlreadyFinished(new EngineExecutionState(EngineStatus.Success, """{"ok":1}""", null)));
        _h.Clock.Advance(TimeSpan.FromMinutes(1));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal("""{"ok":1}""", execution.ResultData);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Success));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Past_the_deadline_a_run_the_engine_does_not_know_or_refuses_to_cancel_is_recorded_timeout(bool refused)
    {
        var execution = _h.Store(ExecutionHarness.Running(timeout: TimeSpan.FromSeconds(30)));
        var cancel = _h.Engine.Setup(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()));
        if (refused)
        {
            cancel.ThrowsAsync(new EngineRejectedException("invalid argument"));
        }
        else
        {
            cancel.ReturnsAsync(EngineCancelResult.UnknownRun("no such run"));
        }

        _h.Clock.Advance(TimeSpan.FromMinutes(1));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Timeout, execution.Status);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Timeout));
    }

    // ---------------------------------------------------------------- heartbeat

    [Fact]
    public async Task Polls_that_find_the_run_still_running_cost_the_database_nothing()
    {
        var execution = _h.Store(ExecutionHarness.Running());

        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        for (var poll = 1; poll <= 5; poll++)
        {
            await _h.TimersArmedAsync(poll);
            _h.Clock.Advance(Poll);
        }

        await _h.TimersArmedAsync(6);
        Assert.Equal(0, _h.SaveCount);
        _h.Executions.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Executions.Verify(r => r.FindAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Engine.Verify(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()), Times.Exactly(6));
    }

    [Fact]
    public async Task A_run_just_handed_over_is_first_polled_after_the_first_poll_delay()
    {
        _h.Settings.FirstPollDelayMs = 300;
        var execution = _h.Store(ExecutionHarness.Running());

        _h.Tracker.Track(execution, null);
        await _h.TimersArmedAsync(1);
        _h.Engine.Verify(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);

        _h.Clock.Advance(TimeSpan.FromMilliseconds(300));
        await _h.TimersArmedAsync(2);
        _h.Engine.Verify(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_heartbeat_writes_every_followed_run_in_one_update_and_renews_their_leases_in_one_batch()
    {
        var locked = _h.Store(ExecutionHarness.Running());
        var unlocked = _h.Store(ExecutionHarness.Running(lockToken: null));
        var handle = ExecutionHarness.Handle(locked.WorkflowId);
        _h.Tracker.Track(locked, handle);
        _h.Tracker.Track(unlocked, null);
        await _h.TimersArmedAsync(2);
        var revision = locked.Revision;

        await _h.Tracker.HeartbeatAsync();

        _h.Executions.Verify(r => r.TouchHeartbeatsAsync(
            It.Is<IReadOnlyCollection<Guid>>(ids => ids.Count == 2 && ids.Contains(locked.Id) && ids.Contains(unlocked.Id)),
            ExecutionHarness.InstanceId, Now, It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.ExtendLocksAsync(
            It.Is<IReadOnlyCollection<LockHandle>>(leases => leases.Single() == handle), _h.Settings.LockTtl, It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.ExtendLockAsync(It.IsAny<LockHandle>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Never);
        // Liveness is not a change of the run: its revision, and so a concurrent close, is left alone.
        Assert.Equal(revision, locked.Revision);
        Assert.Equal(0, _h.SaveCount);
        Assert.True(_h.Tracker.IsTracking(locked.Id));
    }

    [Fact]
    public async Task A_heartbeat_with_nothing_followed_touches_neither_store()
    {
        await _h.Tracker.HeartbeatAsync();

        _h.Executions.Verify(r => r.TouchHeartbeatsAsync(It.IsAny<IReadOnlyCollection<Guid>>(), It.IsAny<string>(),
            It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Locks.Verify(l => l.ExtendLocksAsync(It.IsAny<IReadOnlyCollection<LockHandle>>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_heartbeat_the_database_refuses_still_renews_the_leases_and_the_runs_stay_followed()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Executions.Setup(r => r.TouchHeartbeatsAsync(It.IsAny<IReadOnlyCollection<Guid>>(), It.IsAny<string>(),
                It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PersistenceUnavailableException("connection refused"));
        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);

        await _h.Tracker.HeartbeatAsync();

        _h.Locks.Verify(l => l.ExtendLocksAsync(It.IsAny<IReadOnlyCollection<LockHandle>>(), _h.Settings.LockTtl, It.IsAny<CancellationToken>()), Times.Once);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(ExecutionStatus.Running, execution.Status);
    }

    [Fact]
    public async Task A_lock_store_outage_while_extending_does_not_stop_the_tracking()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Locks.Setup(l => l.ExtendLocksAsync(It.IsAny<IReadOnlyCollection<LockHandle>>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis down"));
        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);

        await _h.Tracker.HeartbeatAsync();

        _h.Executions.Verify(r => r.TouchHeartbeatsAsync(It.IsAny<IReadOnlyCollection<Guid>>(), ExecutionHarness.InstanceId,
            It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(ExecutionStatus.Running, execution.Status);
    }

    // ---------------------------------------------------------------- outages and runs ended elsewhere

    [Fact]
    public async Task An_engine_outage_on_a_poll_keeps_following_the_run_without_saving_an_end()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.SetupSequence(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineUnavailableException("engine unreachable"))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));

        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);

        Assert.True(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal(0, _h.SaveCount);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);

        _h.Clock.Advance(Poll);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Success));
    }

    [Fact]
    public async Task A_read_that_fails_after_a_raced_close_is_retried_and_the_run_closed_on_a_later_poll()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var fresh = Reread(execution);
        _h.FailNextSave(new ConcurrencyConflictException("revision changed"));
        _h.Executions.SetupSequence(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PersistenceUnavailableException("connection refused"))
            .ReturnsAsync(fresh);
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));

        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);
        _h.Clock.Advance(Poll);
        await _h.TimersArmedAsync(2);
        Assert.True(_h.Tracker.IsTracking(execution.Id));

        _h.Clock.Advance(Poll * 2);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");
        Assert.Equal(ExecutionStatus.Success, fresh.Status);
        Assert.Equal(1, _h.SaveCount);
    }

    [Fact]
    public async Task A_run_that_is_gone_stops_the_tracking_and_releases_the_lock()
    {
        var execution = ExecutionHarness.Running(); // not stored: a re-read no longer finds it
        var handle = ExecutionHarness.Handle(execution.WorkflowId);
        _h.FailNextSave(new ConcurrencyConflictException("no such row"));
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));

        _h.Tracker.Track(execution, handle);
        await _h.TimersArmedAsync(1);
        _h.Clock.Advance(Poll);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");

        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(0, _h.SaveCount);
    }

    [Fact]
    public async Task A_run_someone_else_ended_stops_the_tracking_and_releases_the_lock_without_saving()
    {
        // A cancel elsewhere wrote CANCELED first: the close here loses the revision race and reads what they wrote.
        var execution = _h.Store(ExecutionHarness.Running());
        var theirs = Reread(execution);
        theirs.Cancel("canceled by request", Now);
        _h.Executions.Setup(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>())).ReturnsAsync(theirs);
        _h.FailNextSave(new ConcurrencyConflictException("revision changed"));
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Canceled, null, "canceled by request"));
        var handle = ExecutionHarness.Handle(execution.WorkflowId);

        _h.Tracker.Track(execution, handle);
        await _h.TimersArmedAsync(1);
        _h.Clock.Advance(Poll);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");

        Assert.Equal(0, _h.SaveCount);
        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_lock_store_outage_on_release_still_ends_the_tracking()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, null, null));
        _h.Locks.Setup(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis down"));

        await TrackToTheEndAsync(execution);

        Assert.Equal(ExecutionStatus.Success, execution.Status);
    }

    // ---------------------------------------------------------------- tracking bookkeeping

    [Fact]
    public async Task Tracking_the_same_run_twice_follows_it_once()
    {
        var execution = _h.Store(ExecutionHarness.Running());

        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);

        Assert.Equal(1, _h.Tracker.RunningCount);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
    }

    [Fact]
    public async Task Waiting_for_a_run_that_is_not_tracked_here_is_false_at_once()
    {
        Assert.False(await _h.Tracker.WaitForEndAsync(Guid.NewGuid(), TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_for_a_run_that_outlasts_the_wait_is_false()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Tracker.Track(execution, null);
        await _h.TimersArmedAsync(1);

        var waiting = _h.Tracker.WaitForEndAsync(execution.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await waiting.WaitAsync(Eventually.Limit));
        Assert.True(_h.Tracker.IsTracking(execution.Id));
    }

    // ---------------------------------------------------------------- drain

    [Fact]
    public async Task Drain_stops_accepting_and_after_the_timeout_leaves_running_runs_to_the_sweeper_releasing_their_locks()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var handle = ExecutionHarness.Handle(execution.WorkflowId);
        _h.Tracker.Track(execution, handle);
        await _h.TimersArmedAsync(1);
        Assert.True(_h.Tracker.IsAccepting);

        var drain = _h.Tracker.DrainAsync(TimeSpan.FromSeconds(30));

        Assert.False(_h.Tracker.IsAccepting);
        Assert.False(drain.IsCompleted);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);

        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        await drain.WaitAsync(Eventually.Limit);

        Assert.False(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(0, _h.Tracker.RunningCount);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.All(_h.Saves.SelectMany(s => s), s => Assert.Equal(ExecutionStatus.Running, s.Status));
        _h.Locks.Verify(l => l.ReleaseLockAsync(handle, It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Drain_keeps_following_runs_that_end_within_the_timeout()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.SetupSequence(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Running, null, null))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, """{"done":1}""", null));
        _h.Tracker.Track(execution, ExecutionHarness.Handle(execution.WorkflowId));
        await _h.TimersArmedAsync(1);

        var drain = _h.Tracker.DrainAsync(TimeSpan.FromSeconds(30));
        _h.Clock.Advance(Poll);
        await drain.WaitAsync(Eventually.Limit);

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Success));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Drain_with_nothing_tracked_ends_at_once()
    {
        await _h.Tracker.DrainAsync(TimeSpan.FromSeconds(30)).WaitAsync(Eventually.Limit);

        Assert.False(_h.Tracker.IsAccepting);
    }

    // ---------------------------------------------------------------- helpers

    [Fact]
    public async Task An_unexpected_failure_of_a_poll_is_logged_and_the_run_stays_tracked_and_is_finished_later()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.SetupSequence(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("SQLite Error 5: 'database is locked'."))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));

        _h.Tracker.Track(execution, null);
        await _h.TimersArmedAsync(1);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
        Assert.Equal(ExecutionStatus.Running, execution.Status);

        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is finished on the next poll");
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Success));
    }

    [Fact]
    public async Task A_final_write_the_database_refuses_is_written_again_on_the_next_poll()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Success, "{}", null));
        _h.FailNextSave(new PersistenceUnavailableException("database is locked"));
        var fresh = Reread(execution);
        _h.Executions.Setup(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>())).ReturnsAsync(fresh);

        _h.Tracker.Track(execution, null);
        await _h.TimersArmedAsync(1);
        Assert.True(_h.Tracker.IsTracking(execution.Id));

        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is finished on the next poll");
        Assert.Equal(ExecutionStatus.Success, fresh.Status);
    }

    [Fact]
    public async Task An_unsaved_change_is_dropped_when_someone_else_already_moved_the_run_on()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var applied = false;

        _h.Tracker.Track(execution, null, _ => applied = true);
        await _h.TimersArmedAsync(1);

        Assert.False(applied);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
    }

    [Fact]
    public async Task An_unsaved_change_to_a_new_run_is_written_before_the_run_is_followed()
    {
        var execution = _h.Store(ExecutionHarness.Pending());

        _h.Tracker.Track(execution, null, e => e.MarkRunning("engine-late", Now));
        await _h.TimersArmedAsync(1);

        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal("engine-late", execution.EngineExecutionId);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Running));
        _h.Engine.Verify(e => e.GetStatusAsync("engine-late", It.IsAny<CancellationToken>()), Times.Once);
    }

    private static Execution Reread(Execution written)
    {
        var fresh = ExecutionHarness.Running();
        typeof(Execution).GetProperty(nameof(Execution.Id))!.SetValue(fresh, written.Id);
        return fresh;
    }

    private async Task TrackToTheEndAsync(Execution execution, LockHandle? handle = null)
    {
        _h.Tracker.Track(execution, handle ?? ExecutionHarness.Handle(execution.WorkflowId));
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(execution.Id), "the run is no longer tracked");
    }
}
