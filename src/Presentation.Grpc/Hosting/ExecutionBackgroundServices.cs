using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Infrastructure.Scheduling;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>Runs the sweeper on a timer, so no execution stays RUNNING forever after its instance died.</summary>
internal sealed partial class ExecutionSweeperService(ExecutionSweeper sweeper, IOptions<ExecutionOptions> options,
    TimeProvider clock, ILogger<ExecutionSweeperService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 2101, EventName = "sweep_failed", Level = LogLevel.Warning, Message = "Execution sweep failed; retrying next interval")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The tracker's liveness beat: every <c>HeartbeatIntervalSeconds</c>, one UPDATE for the heartbeats of all runs
/// this instance follows and one Redis exchange for their lock leases (the tracker logs what it could not write).
/// </summary>
internal sealed partial class ExecutionHeartbeatService(ExecutionTracker tracker, IOptions<ExecutionOptions> options,
    TimeProvider clock, ILogger<ExecutionHeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await tracker.HeartbeatAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                HeartbeatFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 2102, EventName = "heartbeat_failed", Level = LogLevel.Warning,
        Message = "Execution heartbeat failed; retrying next interval (runs whose heartbeat stays stale are adopted by a sweeper)")]
    private static partial void HeartbeatFailed(ILogger logger, Exception exception);
}

/// <summary>Starts the next pending run of a workflow whose active run ended on this instance (ADR 0026).</summary>
internal sealed partial class PendingRunService(PendingRunStarter starter, ILogger<PendingRunService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await starter.RunAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever was not promoted is the sweeper's; keep listening.
                PromotionLoopFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 2103, EventName = "pending_run_start_failed", Level = LogLevel.Warning,
        Message = "Starting a pending run failed; the sweeper starts it on its next pass")]
    private static partial void PromotionLoopFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Graceful shutdown of executions. Stopped after Kestrel (hosted services stop in reverse order), so by then no
/// new request arrives: keeps following running executions up to the drain time, then releases their locks.
/// </summary>
internal sealed class ExecutionDrainService(ExecutionTracker tracker, IOptions<ExecutionOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        tracker.DrainAsync(TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds), cancellationToken);
}

/// <summary>Runs the schedule reconciler once at start and then every <c>ReconcileIntervalSeconds</c>.</summary>
internal sealed partial class CronReconcilerService(IServiceScopeFactory scopes, IOptions<SchedulingOptions> options,
    TimeProvider clock, ILogger<CronReconcilerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds), clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<CronScheduleReconciler>()
                    .ReconcileAsync(stoppingToken);
                ExecutionMetrics.Reconciled(success: true, clock.GetUtcNow());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ReconcileFailed(logger, ex);
                ExecutionMetrics.Reconciled(success: false, clock.GetUtcNow());
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 3021, EventName = "schedule_reconcile_failed", Level = LogLevel.Warning, Message = "Schedule reconciliation failed; retrying next interval")]
    private static partial void ReconcileFailed(ILogger logger, Exception exception);
}
