using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Monitoring;

public sealed class TriggerCounterTests
{
    private static readonly DateTimeOffset T0 = Samples.Now;
    private readonly TriggerFireAccumulator _accumulator = new();
    private readonly Mock<ITriggerCounterStore> _store = new();

    private static Execution NewExecution(Guid workflowId) =>
        Execution.Start(workflowId, ExecutionMode.Manual, new ExecutionRequest("{}", InstanceId: "runtime-1"), OverlapPolicy.Skip,
            TimeSpan.FromMinutes(5), T0);

    [Fact]
    public void Fires_of_one_trigger_are_summed_and_keep_the_latest_time()
    {
        var trigger = Guid.NewGuid();
        _accumulator.RecordFire(trigger, T0.AddSeconds(5));
        _accumulator.RecordFire(trigger, T0);
        _accumulator.RecordFire(Guid.NewGuid(), T0);

        var drained = _accumulator.Drain();

        Assert.Equal(2, drained.Count);
        Assert.Equal(new TriggerFireTally(trigger, 2, T0.AddSeconds(5)), drained.Single(t => t.TriggerId == trigger));
        Assert.Empty(_accumulator.Drain());
    }

    [Fact]
    public async Task A_flush_writes_every_pending_trigger_in_one_call()
    {
        _accumulator.RecordFire(Guid.NewGuid(), T0);
        _accumulator.RecordFire(Guid.NewGuid(), T0);
        var flusher = new TriggerCounterFlusher(_accumulator, NullLogger<TriggerCounterFlusher>.Instance);

        var written = await flusher.FlushAsync(_store.Object, TimeSpan.FromSeconds(5));

        Assert.Equal(2, written);
        _store.Verify(s => s.AddFiresAsync(It.Is<IReadOnlyCollection<TriggerFireTally>>(t => t.Count == 2), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(0, _accumulator.PendingTriggers);
    }

    [Fact]
    public async Task Nothing_pending_writes_nothing()
    {
        var flusher = new TriggerCounterFlusher(_accumulator, NullLogger<TriggerCounterFlusher>.Instance);

        Assert.Equal(0, await flusher.FlushAsync(_store.Object, TimeSpan.FromSeconds(5)));
        _store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_failed_flush_keeps_the_counts_merged_with_later_fires_for_the_next_one()
    {
        var trigger = Guid.NewGuid();
        _accumulator.RecordFire(trigger, T0);
        _store.SetupSequence(s => s.AddFiresAsync(It.IsAny<IReadOnlyCollection<TriggerFireTally>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PersistenceUnavailableException("down", new InvalidOperationException()))
            .Returns(Task.CompletedTask);
        var flusher = new TriggerCounterFlusher(_accumulator, NullLogger<TriggerCounterFlusher>.Instance);

        Assert.Equal(0, await flusher.FlushAsync(_store.Object, TimeSpan.FromSeconds(5)));
        _accumulator.RecordFire(trigger, T0.AddSeconds(1));
        var pending = _accumulator.Drain();

        Assert.Equal(new TriggerFireTally(trigger, 2, T0.AddSeconds(1)), Assert.Single(pending));
    }

    [Fact]
    public async Task A_canceled_flush_keeps_the_counts_and_rethrows()
    {
        _accumulator.RecordFire(Guid.NewGuid(), T0);
        _store.Setup(s => s.AddFiresAsync(It.IsAny<IReadOnlyCollection<TriggerFireTally>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OperationCanceledException());
        var flusher = new TriggerCounterFlusher(_accumulator, NullLogger<TriggerCounterFlusher>.Instance);

        await Assert.ThrowsAsync<OperationCanceledException>(() => flusher.FlushAsync(_store.Object, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, _accumulator.PendingTriggers);
    }

    [Fact]
    public void A_new_execution_counts_on_its_trigger_a_deduplicated_one_does_not()
    {
        var deployment = Samples.Deployed();
        var cron = deployment.ActiveTriggers.Single().Id;
        var execution = NewExecution(deployment.Id);

        _accumulator.RecordFire(deployment, cron, new TriggerOutcome(execution, Deduplicated: false));
        _accumulator.RecordFire(deployment, cron, new TriggerOutcome(execution, Deduplicated: true));

        Assert.Equal(1, Assert.Single(_accumulator.Drain()).Fires);
    }

    [Fact]
    public void A_manual_trigger_by_workflow_id_counts_on_the_manual_trigger_or_nowhere_without_one()
    {
        var withManual = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"), ManualTriggerSpec.Instance);
        var withoutManual = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"));
        var manual = withManual.ActiveTriggers.Single(t => t.Type == TriggerType.Manual).Id;

        _accumulator.RecordFire(withManual, null, new TriggerOutcome(NewExecution(withManual.Id), false));
        _accumulator.RecordFire(withoutManual, null, new TriggerOutcome(NewExecution(withoutManual.Id), false));
        ((ITriggerFireRecorder?)null).RecordFire(withManual, null, new TriggerOutcome(NewExecution(withManual.Id), false));

        Assert.Equal(manual, Assert.Single(_accumulator.Drain()).TriggerId);
    }
}
