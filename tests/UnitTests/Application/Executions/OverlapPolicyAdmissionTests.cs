using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

/// <summary>BUFFER_ONE, BUFFER_ALL and CANCEL_OTHER at the admission step, the pending-run starter and the close path's signal.</summary>
public sealed class OverlapPolicyAdmissionTests : IAsyncDisposable
{
    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task A_buffered_trigger_is_recorded_pending_and_started_at_once_when_it_heads_the_queue_and_the_slot_is_free()
    {
        var deployment = Given(OverlapPolicy.BufferAll);
        _h.Executions.Setup(r => r.FindOldestPendingAsync(deployment.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => _h.Added.Single());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        Assert.Equal(ResultStatus.Ok, result.Status);
        var run = result.Value.Execution;
        Assert.Equal(ExecutionStatus.Running, run.Status);
        Assert.NotEmpty(_h.SavesOf(run.Id, ExecutionStatus.Pending));
        Assert.NotEmpty(_h.SavesOf(run.Id, ExecutionStatus.New));
        Assert.True(run.IsExclusive);
        Assert.Equal(ExecutionHarness.InstanceId, run.OwnerInstanceId);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_buffered_trigger_behind_an_older_pending_run_and_a_taken_slot_stays_pending_with_its_position()
    {
        var deployment = Given(OverlapPolicy.BufferAll);
        var older = _h.Store(Execution.Queue(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), ExecutionHarness.Start));
        _h.Executions.Setup(r => r.FindOldestPendingAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(older);
        _h.Executions.Setup(r => r.WriteStateAsync(older, It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));
        _h.Executions.Setup(r => r.PendingPositionsAsync(It.IsAny<IReadOnlyCollection<Execution>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<Execution> runs, CancellationToken _) => runs.ToDictionary(e => e.Id, _ => 2));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        Assert.Equal(ExecutionStatus.Pending, result.Value.Execution.Status);
        Assert.False(result.Value.Deduplicated);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(OverlapPolicy.BufferOne, ExecutionAdmission.BufferOneFullReason)]
    [InlineData(OverlapPolicy.BufferAll, ExecutionAdmission.BufferAllFullReason)]
    public async Task A_trigger_the_full_buffer_refuses_is_recorded_skipped_with_buffer_full(OverlapPolicy policy, string reason)
    {
        var deployment = Given(policy);
        _h.FailNextSave(new PendingLimitReachedException());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        var skipped = result.Value.Execution;
        Assert.Equal(ExecutionStatus.Skipped, skipped.Status);
        Assert.Equal(reason, skipped.SkipReason);
        Assert.StartsWith("buffer full", reason, StringComparison.Ordinal);
        Assert.Same(skipped, Assert.Single(_h.Added));
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Cancel_other_cancels_the_active_run_in_the_engine_records_it_canceled_and_then_starts_the_new_one()
    {
        var deployment = Given(OverlapPolicy.CancelOther);
        var active = _h.Store(ExecutionHarness.Running(lockToken: null));
        _h.Executions.Setup(r => r.FindActiveExclusiveAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(active);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        Assert.Equal(ExecutionStatus.Canceled, active.Status);
        Assert.Equal(ActiveRunReplacer.CanceledReason, active.ErrorMessage);
        _h.Engine.Verify(e => e.CancelAsync(ExecutionHarness.EngineId, ActiveRunReplacer.CanceledReason, It.IsAny<CancellationToken>()), Times.Once);
        var started = result.Value.Execution;
        Assert.Equal(ExecutionStatus.Running, started.Status);
        Assert.True(started.IsExclusive);
        Assert.Same(started, Assert.Single(_h.Added));
    }

    [Fact]
    public async Task Cancel_other_waits_while_the_holder_is_still_being_handed_to_the_engine_and_cancels_nothing_in_it()
    {
        var deployment = Given(OverlapPolicy.CancelOther);
        var handing = ExecutionHarness.Pending(lockToken: null);
        _h.Executions.SetupSequence(r => r.FindActiveExclusiveAsync(deployment.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(handing)
            .ReturnsAsync((Execution?)null);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        Assert.Equal(ExecutionStatus.New, handing.Status);
        _h.Engine.Verify(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Cancel_other_with_the_engine_unreachable_admits_nothing_and_answers_unavailable()
    {
        var deployment = Given(OverlapPolicy.CancelOther);
        var active = _h.Store(ExecutionHarness.Running(lockToken: null));
        _h.Executions.Setup(r => r.FindActiveExclusiveAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(active);
        _h.Engine.Setup(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.Unreachable("connection refused"));
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Equal(ExecutionStatus.Running, active.Status);
        Assert.Empty(_h.Added);
    }

    [Fact]
    public async Task The_starter_leaves_a_paused_workflows_pending_runs_waiting()
    {
        var deployment = Samples.Paused();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var pending = Queued(deployment.Id);

        var started = await _h.Starter.PromoteAsync(deployment.Id);

        Assert.Null(started);
        Assert.Equal(ExecutionStatus.Pending, pending.Status);
        Assert.Equal(0, _h.SaveCount);
    }

    [Fact]
    public async Task The_starter_cancels_the_pending_runs_of_an_archived_workflow()
    {
        var deployment = Samples.Archived();
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var pending = Execution.Queue(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), ExecutionHarness.Start);
        _h.Executions.SetupSequence(r => r.FindOldestPendingAsync(deployment.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(pending)
            .ReturnsAsync((Execution?)null);

        var started = await _h.Starter.PromoteAsync(deployment.Id);

        Assert.Null(started);
        Assert.Equal(ExecutionStatus.Canceled, pending.Status);
        Assert.Equal(PendingRunStarter.ArchivedReason, pending.ErrorMessage);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Of_two_starters_the_one_whose_promotion_lost_the_revision_starts_nothing()
    {
        var deployment = Given(OverlapPolicy.BufferOne);
        var pending = Queued(deployment.Id);
        _h.Executions.Setup(r => r.WriteStateAsync(pending, It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ConcurrencyConflictException("promoted elsewhere"));

        var started = await _h.Starter.PromoteAsync(deployment.Id);

        Assert.Null(started);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task The_end_of_an_exclusive_run_wakes_the_starter_which_starts_the_next_pending_run()
    {
        var deployment = Given(OverlapPolicy.BufferOne);
        var pending = Queued(deployment.Id);
        var allowAll = Execution.Start(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.AllowAll,
            TimeSpan.FromHours(1), ExecutionHarness.Start);
        var exclusive = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.BufferOne,
            TimeSpan.FromHours(1), ExecutionHarness.Start);
        using var stop = new CancellationTokenSource();
        var starter = _h.Starter;
        var loop = starter.RunAsync(stop.Token);

        await _h.Writer.CloseAsync(allowAll, e => e.Fail("done", ExecutionHarness.Start), lockHandle: null, CancellationToken.None);
        await _h.Writer.CloseAsync(exclusive, e => e.Fail("done", ExecutionHarness.Start), lockHandle: null, CancellationToken.None);

        await Eventually.HoldsAsync(() => pending.Status == ExecutionStatus.Running && _h.SavesOf(pending.Id, ExecutionStatus.Running).Count > 0,
            "the pending run was promoted and its RUNNING written");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        _h.Executions.Verify(r => r.FindOldestPendingAsync(allowAll.WorkflowId, It.IsAny<CancellationToken>()), Times.Never);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task The_sweeper_starts_the_next_pending_run_of_a_workflow_nobody_promoted()
    {
        var deployment = Given(OverlapPolicy.BufferAll);
        var pending = Queued(deployment.Id);
        _h.Executions.Setup(r => r.ListIdleWithPendingAsync(It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync([deployment.Id]);

        var handled = await _h.Sweeper().SweepAsync();

        Assert.Equal(1, handled);
        Assert.Equal(ExecutionStatus.Running, pending.Status);
        Assert.Equal(ExecutionHarness.InstanceId, pending.OwnerInstanceId);
    }

    [Fact]
    public async Task A_pending_run_is_canceled_without_the_engine()
    {
        var pending = _h.Store(Execution.Queue(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), ExecutionHarness.Start));

        var result = await _h.Service().CancelAsync(pending.Id.ToString(), "not needed");

        Assert.True(result.Value.Canceled);
        Assert.Equal(ExecutionStatus.Canceled, pending.Status);
        _h.Engine.Verify(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_cron_fire_later_than_the_workflows_own_catch_up_window_is_recorded_missed_not_run()
    {
        var deployment = Samples.Draft();
        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Create(OverlapPolicy.Skip, 600, catchUpWindowSeconds: 30), Samples.Now);
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        var occurrence = new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero);
        _h.Executions.Setup(r => r.FindByOccurrenceAsync(deployment.Id, occurrence, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => _h.Added.SingleOrDefault());

        var late = await _h.Coordinator().FireScheduledAsync(deployment.Id, deployment.Triggers[0].Id, occurrence, TimeSpan.FromSeconds(45));

        Assert.Equal(ExecutionStatus.Skipped, late.Value.Execution.Status);
        Assert.Contains("catch-up window of 30 s", late.Value.Execution.SkipReason, StringComparison.Ordinal);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private Execution Queued(Guid workflowId)
    {
        var pending = _h.Store(Execution.Queue(workflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), ExecutionHarness.Start));
        _h.Executions.Setup(r => r.FindOldestPendingAsync(workflowId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => pending.Status == ExecutionStatus.Pending ? pending : null);
        return pending;
    }

    private Deployment Given(OverlapPolicy policy)
    {
        var deployment = Samples.Draft();
        deployment.Deploy([ManualTriggerSpec.Instance], DeploymentConfig.Create(policy, 600), Samples.Now);
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        return deployment;
    }

    private static TriggerCommand Command(Guid workflowId) =>
        new(workflowId.ToString(), null, Mode: null, TriggerData: null, IdempotencyKey: null, TriggeredBy: null,
            Metadata: new Dictionary<string, string>(), WaitForCompletion: false, WaitTimeoutSeconds: 0);
}
