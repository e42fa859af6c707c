using System.Diagnostics;
using Ardalis.Result;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Diagnostics;

/// <summary>The admission span and outcome, the misfire and reconcile counters, and the gauges' snapshots.</summary>
[Collection(SharedTelemetryCollection.Name)]
public sealed class ExecutionMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_outcome_of_an_admission_is_deduplicated_skipped_started_or_rejected()
    {
        var running = Started();
        running.MarkRunning("run-1", Now);
        var rejected = Started();
        rejected.Fail("engine down", Now);
        var skipped = Execution.Skipped(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), "held", Now);

        Assert.Equal("deduplicated", ExecutionMetrics.OutcomeOf(new TriggerOutcome(running, Deduplicated: true)));
        Assert.Equal("started", ExecutionMetrics.OutcomeOf(new TriggerOutcome(running, Deduplicated: false)));
        Assert.Equal("rejected", ExecutionMetrics.OutcomeOf(new TriggerOutcome(rejected, Deduplicated: false)));
        Assert.Equal("skipped", ExecutionMetrics.OutcomeOf(new TriggerOutcome(skipped, Deduplicated: false)));
    }

    [Fact]
    public async Task An_admission_runs_inside_a_trigger_admit_span_tagged_with_workflow_execution_and_outcome()
    {
        var workflowId = Guid.NewGuid();
        var spans = new List<Activity>();
        using var listener = Listen(spans, workflowId);
        var execution = Started(workflowId);
        execution.MarkRunning("run-1", Now);
        Activity? inside = null;

        var outcome = await ExecutionMetrics.AdmitAsync(ExecutionMode.Manual, workflowId, () =>
        {
            inside = Activity.Current;
            return Task.FromResult(Result.Success(new TriggerOutcome(execution, Deduplicated: false)));
        });

        var span = Assert.Single(spans);
        Assert.Same(span, inside);
        Assert.Equal("trigger.admit", span.OperationName);
        Assert.Equal("MANUAL", span.GetTagItem("workflow_runtime.mode"));
        Assert.Equal(execution.Id.ToString(), span.GetTagItem("workflow_runtime.execution_id"));
        Assert.Equal("started", span.GetTagItem("workflow_runtime.outcome"));
        Assert.False(outcome.Value.Deduplicated);
    }

    [Fact]
    public async Task A_failed_admission_rethrows_and_marks_its_span_as_an_error()
    {
        var workflowId = Guid.NewGuid();
        var spans = new List<Activity>();
        using var listener = Listen(spans, workflowId);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ExecutionMetrics.AdmitAsync(ExecutionMode.Webhook, workflowId, () => throw new InvalidOperationException("database gone")));

        var span = Assert.Single(spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("error", span.GetTagItem("workflow_runtime.outcome"));
    }

    [Fact]
    public void A_cron_fire_starts_a_root_span_and_records_fire_lateness_and_jitter()
    {
        var workflowId = Guid.NewGuid();
        var spans = new List<Activity>();
        using var listener = Listen(spans, workflowId);
        using var lateness = new RecordedMeasurements("workflow_runtime.cron.fire.lateness");
        using var jitter = new RecordedMeasurements("workflow_runtime.cron.fire.jitter");

        using (var fire = ExecutionMetrics.CronFired(workflowId, Now, TimeSpan.FromSeconds(123), TimeSpan.FromMilliseconds(-5), recovering: true))
        {
            Assert.NotNull(fire);
        }

        var span = Assert.Single(spans);
        Assert.Equal("cron.fire", span.OperationName);
        Assert.Equal(true, span.GetTagItem("workflow_runtime.recovering"));
        // Other tests may fire crons at the same time: this fire's values are among the recorded ones.
        Assert.Contains(0d, lateness.All.Select(m => m.Value));
        Assert.Contains(123d, jitter.All.Select(m => m.Value));
    }

    [Fact]
    public void Missed_occurrences_count_as_misfires_and_as_skipped_scheduled_executions_and_none_records_nothing()
    {
        using var misfires = new RecordedMeasurements("workflow_runtime.cron.misfires");
        using var finished = new RecordedMeasurements("workflow_runtime.executions.finished");

        ExecutionMetrics.Missed(0);
        ExecutionMetrics.Missed(-1);
        ExecutionMetrics.Missed(7);

        Assert.Contains(7d, misfires.All.Select(m => m.Value));
        Assert.DoesNotContain(misfires.All, m => m.Value < 0);
        Assert.Contains(7d, finished.With(("status", "SKIPPED"), ("mode", "SCHEDULED")));
    }

    [Fact]
    public void A_successful_reconcile_is_the_scheduler_heartbeat_and_a_failed_one_is_only_counted()
    {
        using var reconciles = new RecordedMeasurements("workflow_runtime.scheduler.reconciles");
        using var heartbeat = new RecordedMeasurements("workflow_runtime.scheduler.last_reconcile");

        ExecutionMetrics.Reconciled(success: true, Now);
        ExecutionMetrics.Reconciled(success: false, Now.AddHours(1));
        heartbeat.Observe();

        Assert.NotEmpty(reconciles.With(("outcome", "success")));
        Assert.NotEmpty(reconciles.With(("outcome", "failure")));
        Assert.Equal(Now.ToUnixTimeMilliseconds() / 1000.0, Assert.Single(heartbeat.All).Value);
    }

    [Fact]
    public void The_gauges_report_every_deployment_status_the_scheduler_state_the_dependencies_and_the_active_runs()
    {
        using var deployments = new RecordedMeasurements("workflow_runtime.deployments");
        using var scheduler = new RecordedMeasurements("workflow_runtime.scheduler.running");
        using var dependencies = new RecordedMeasurements("workflow_runtime.dependency.healthy");
        using var active = new RecordedMeasurements("workflow_runtime.executions.active");
        TelemetryGauges.SetDeploymentCounts(new Dictionary<DeploymentStatus, long> { [DeploymentStatus.Deployed] = 5, [DeploymentStatus.Paused] = 2 });
        TelemetryGauges.SetSchedulerRunning(true);
        TelemetryGauges.SetDependencyHealth(new Dictionary<string, bool> { ["postgres"] = true, ["redis"] = false });
        using (TelemetryGauges.AddActiveRunSource(() => 3))
        using (TelemetryGauges.AddActiveRunSource(() => 4))
        {
            active.Observe();
        }

        deployments.Observe();
        scheduler.Observe();
        dependencies.Observe();
        active.Observe();

        Assert.Equal([5d], deployments.With(("status", "DEPLOYED")));
        Assert.Equal([2d], deployments.With(("status", "PAUSED")));
        Assert.Equal([0d], deployments.With(("status", "DRAFT")));
        Assert.Equal([0d], deployments.With(("status", "ARCHIVED")));
        Assert.Equal([1d], scheduler.All.Select(m => m.Value));
        Assert.Equal([1d], dependencies.With(("dependency", "postgres")));
        Assert.Equal([0d], dependencies.With(("dependency", "redis")));
        // Both sources while registered, none once removed.
        Assert.Equal([7d, 0d], active.All.Select(m => m.Value));
    }

    [Fact]
    public void The_zero_series_exist_for_misfires_and_every_lock_outcome()
    {
        using var misfires = new RecordedMeasurements("workflow_runtime.cron.misfires");
        using var locks = new RecordedMeasurements("workflow_runtime.lock.acquires");

        ExecutionMetrics.PublishZeroSeries();

        Assert.Contains(0d, misfires.All.Select(m => m.Value));
        foreach (var outcome in new[] { "acquired", "held", "unavailable" })
        {
            Assert.Contains(0d, locks.With(("outcome", outcome)));
        }
    }

    private static Execution Started(Guid? workflowId = null) =>
        Execution.Start(workflowId ?? Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromMinutes(5), Now);

    /// <summary>Our spans of one workflow only: other tests start spans of their own at the same time.</summary>
    private static ActivityListener Listen(List<Activity> spans, Guid workflowId)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowRuntimeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("workflow_runtime.workflow_id") as string == workflowId.ToString())
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
