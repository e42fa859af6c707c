using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Quartz;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Executions;

namespace WorkflowRuntime.Presentation.Grpc.Telemetry;

/// <summary>
/// Refreshes the gauges that would cost a query or a scheduler call: deployments by status (one grouped query) and
/// whether this instance's scheduler runs, every <see cref="TelemetryOptions.SampleIntervalSeconds"/>. Registers the
/// tracker as the source of the active-runs gauge for the host's lifetime.
/// </summary>
internal sealed partial class TelemetrySampler(IServiceScopeFactory scopes, ISchedulerFactory schedulers, ExecutionTracker tracker,
    IServiceProvider services, IOptions<TelemetryOptions> options, TimeProvider clock, ILogger<TelemetrySampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Built (and listening) before the zero series are written, or they would go nowhere.
        _ = services.GetService<MeterProvider>();
        ExecutionMetrics.PublishZeroSeries();
        using var activeRuns = TelemetryGauges.AddActiveRunSource(() => tracker.RunningCount);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SampleIntervalSeconds), clock);
        try
        {
            do
            {
                await SampleAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    internal async Task SampleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            TelemetryGauges.SetSchedulerRunning(await scheduler.GetStatus(cancellationToken) == SchedulerStatus.Running);

            await using var scope = scopes.CreateAsyncScope();
            var counts = await scope.ServiceProvider.GetRequiredService<IDeploymentCensus>().CountByStatusAsync(cancellationToken);
            TelemetryGauges.SetDeploymentCounts(counts);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The gauges keep their last values; the dependency gauge and health say why the database did not answer.
            SampleFailed(logger, options.Value.SampleIntervalSeconds, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4001, EventName = "telemetry_sample_failed", Level = LogLevel.Warning,
        Message = "Sampling the deployment and scheduler gauges failed; they keep their last values and the next try is in {IntervalSeconds} s: {Reason}")]
    private static partial void SampleFailed(ILogger logger, int intervalSeconds, string reason);
}
