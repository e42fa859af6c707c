using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>
/// The service's own traces and metrics: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>WorkflowRuntime</c>, and every instrument of the service (names, units and tags are the operator contract
/// documented in docs/observability.md). System.Diagnostics only: the host decides where the data goes (ADR 0016).
/// The instruments are static because a process runs one service; the few values that must be read from live
/// objects (active runs, deployments, scheduler) come from <see cref="TelemetryGauges"/>.
/// </summary>
public static class WorkflowRuntimeTelemetry
{
    public const string Name = "WorkflowRuntime";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    // Seconds, from a fast in-memory admission to a slow engine behind retries.
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    // Seconds late a cron fire is: fine around the 1 s goal, coarse up to the catch-up window and beyond.
    private static readonly double[] LatenessBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

    // Seconds of jitter: the default window is 300 s, windows go up to an hour.
    private static readonly double[] JitterBuckets = [0, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 600, 900, 1800, 3600];

    public static readonly Counter<long> ExecutionsStarted = Meter.CreateCounter<long>(
        "workflow_runtime.executions.started", "{execution}", "Executions the engine accepted, by mode.");

    public static readonly Counter<long> ExecutionsFinished = Meter.CreateCounter<long>(
        "workflow_runtime.executions.finished", "{execution}",
        "Executions that reached a terminal status on this instance (SKIPPED included), by status and mode.");

    public static readonly Histogram<double> TriggerAdmissionDuration = Meter.CreateHistogram(
        "workflow_runtime.trigger.admission.duration", "s",
        "From taking a trigger to its answer (deduplicated, skipped, started or failed), the engine's acceptance included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    public static readonly Histogram<double> EngineCallDuration = Meter.CreateHistogram(
        "workflow_runtime.engine.call.duration", "s", "One call to the workflow engine, retries included, by operation and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    public static readonly Counter<long> DeploymentCacheLookups = Meter.CreateCounter<long>(
        "workflow_runtime.deployment_cache.lookups", "{lookup}",
        "Deployment and webhook-path lookups of the execution path, by outcome: hit, miss (read from the database), stale (refused by the version fence and read again).");

    public static readonly Counter<long> LockAcquires = Meter.CreateCounter<long>(
        "workflow_runtime.lock.acquires", "{acquire}", "Attempts to take a workflow's lock, by outcome (acquired, held, unavailable).");

    public static readonly Counter<long> CronFires = Meter.CreateCounter<long>(
        "workflow_runtime.cron.fires", "{fire}", "Cron fires handled by this instance (recovered fires of a dead node included).");

    public static readonly Histogram<double> CronFireLateness = Meter.CreateHistogram(
        "workflow_runtime.cron.fire.lateness", "s", "How long after its jittered time a cron fire started.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });

    public static readonly Histogram<double> CronFireJitter = Meter.CreateHistogram(
        "workflow_runtime.cron.fire.jitter", "s", "The jitter offset of each cron fire (fire time minus occurrence): its spread over the window.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JitterBuckets });

    public static readonly Counter<long> CronMisfires = Meter.CreateCounter<long>(
        "workflow_runtime.cron.misfires", "{occurrence}", "Cron occurrences missed (later than the catch-up window) and recorded as SKIPPED.");

    // Rows per statement of the execution path's batchers: 1 when idle, up to their cap of 128 under load.
    private static readonly int[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128];

    public static readonly Histogram<int> ExecutionBatchSize = Meter.CreateHistogram(
        "workflow_runtime.execution_batch.size", "{row}",
        "Rows of one batched statement of the execution path on PostgreSQL, by statement (insert, state, slot_probe) and outcome (ok, failed: each row then went on its own).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBuckets });

    public static readonly Counter<long> ScheduleReconciles = Meter.CreateCounter<long>(
        "workflow_runtime.scheduler.reconciles", "{reconcile}", "Passes of the schedule reconciler, by outcome (success, failure).");

    static WorkflowRuntimeTelemetry()
    {
        Meter.CreateObservableGauge("workflow_runtime.executions.active", TelemetryGauges.ObserveActiveRuns, "{execution}",
            "Executions this instance follows right now.");
        Meter.CreateObservableGauge("workflow_runtime.deployments", TelemetryGauges.ObserveDeployments, "{deployment}",
            "Workflows by deployment status (a periodic count, not a query per scrape).");
        Meter.CreateObservableGauge("workflow_runtime.scheduler.running", TelemetryGauges.ObserveSchedulerRunning, unit: null,
            "1 while this instance's scheduler is started and not in standby, else 0; one series per live replica.");
        Meter.CreateObservableGauge("workflow_runtime.scheduler.last_reconcile", TelemetryGauges.ObserveLastReconcile, "s",
            "Unix time of the last successful schedule reconciliation (the scheduler's heartbeat).");
        Meter.CreateObservableGauge("workflow_runtime.scheduler.lag", TelemetryGauges.ObserveSchedulerLag, "s",
            "Now minus the oldest cron occurrence that is due and not yet fired (0 when none is), as the scheduler's health check last measured it; cluster-wide on PostgreSQL.");
        Meter.CreateObservableGauge("workflow_runtime.scheduler.due_unfired", TelemetryGauges.ObserveSchedulerDueUnfired, "{occurrence}",
            "Cron occurrences due and not yet fired, as the scheduler's health check last measured them.");
        Meter.CreateObservableGauge("workflow_runtime.dependency.healthy", TelemetryGauges.ObserveDependencies, unit: null,
            "1 when the dependency's last health check passed, else 0, by dependency.");
    }

    /// <summary>Runs the static constructor, which registers the observable gauges, before the first export.</summary>
    public static void EnsureCreated() => _ = Meter.Name;

    /// <summary>Tag values are the wire spellings (upper case), as in the API and the logs.</summary>
    public static string Spell<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToUpperInvariant();
}
