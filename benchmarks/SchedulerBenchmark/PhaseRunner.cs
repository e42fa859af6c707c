using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>
/// One phase, in its own process: starts the real host in-process (production profile), deploys the workflows over
/// gRPC, lets the scheduler run for the configured minutes, then measures the fires from the database.
/// </summary>
internal static class PhaseRunner
{
    /// <summary>Quartz's misfire threshold in the service (WorkflowRuntime:Scheduling:CatchUpWindowSeconds, default 60).</summary>
    private static readonly TimeSpan CatchUpWindow = TimeSpan.FromSeconds(60);

    /// <summary>The service's WorkflowRuntime:Scheduling:LagDegradedAfterSeconds (default 10).</summary>
    private const double LagDegradedAfterSeconds = 10;

    public static async Task<PhaseResult> RunAsync(BenchmarkOptions options, Phase phase, CancellationToken cancellationToken)
    {
        var label = phase.ToString().ToLowerInvariant();
        var logs = new LogEventCounter();
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = options.BenchConnectionString,
            ["ConnectionStrings:Redis"] = options.Redis,
            ["WorkflowRuntime:Security:AllowInsecure"] = "true",
            ["WorkflowRuntime:Engine:Address"] = options.EngineAddress,
            ["WorkflowRuntime:Server:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["WorkflowRuntime:Server:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["WorkflowRuntime:Server:InstanceId"] = $"bench-{label}-{Environment.ProcessId}",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        Progress(label, $"starting the host (gRPC 127.0.0.1:{grpcPort}, engine {options.EngineAddress}, database {options.Database})");
        var hostStartedAt = DateTimeOffset.UtcNow;
        var startClock = Stopwatch.StartNew();
        var app = WorkflowRuntimeApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddProvider(logs);
            // The console keeps the configured Warning; the counter also sees the service's own Information events.
            builder.Logging.AddFilter<LogEventCounter>("WorkflowRuntime", LogLevel.Information);
        });
        await using var _ = app;
        await app.StartAsync(cancellationToken);
        var hostStartSeconds = startClock.Elapsed.TotalSeconds;

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);

        Progress(label, $"deploying {options.Workflows} workflows ('{options.Cron}', jitter {(phase == Phase.Jittered ? "on" : "off")}) with {options.Concurrency} callers");
        var deploy = await Deployer.DeployAsync(client, options, phase, label, cancellationToken);
        var afterDeploy = MemorySnapshot.Take();
        Progress(label, $"deployed {deploy.Succeeded} ({deploy.Failed} failed) in {deploy.Seconds:F1} s = {deploy.PerSecond:F1}/s; "
            + $"latency p50 {deploy.LatencyMs.P50:F0} ms, p99 {deploy.LatencyMs.P99:F0} ms; working set {afterDeploy.WorkingSetMiB} MiB");

        await using var database = await BenchDatabase.OpenAsync(options, cancellationToken);
        var triggers = await FireAnalysis.ReadTriggersAsync(database, cancellationToken);
        var jitter = new JitterFigures(triggers.Count, triggers.Select(t => t.JitterSeconds).Distinct().Count(),
            triggers.Count == 0 ? 0 : triggers.Min(t => t.JitterSeconds), triggers.Count == 0 ? 0 : triggers.Max(t => t.JitterSeconds));

        // The window starts on the next whole second after the last deploy and lasts the configured minutes.
        var now = DateTimeOffset.UtcNow;
        var windowStart = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
        var windowEnd = windowStart + TimeSpan.FromMinutes(options.Minutes);
        var loadAtStart = MachineInfo.LoadAverageNow();
        var machineAtStart = CpuTicks.Now();
        var processAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        Progress(label, $"measuring fires due from {windowStart:HH:mm:ss} to {windowEnd:HH:mm:ss} UTC (jitter offsets used: {jitter.DistinctOffsets}, {jitter.MinSeconds}..{jitter.MaxSeconds} s)");

        await using var lagDatabase = await BenchDatabase.OpenAsync(options, cancellationToken);
        await using var lagSampler = LagSampler.Start(lagDatabase, httpPort, LagDegradedAfterSeconds);
        var peakWorkingSet = afterDeploy.WorkingSetMiB;
        var lastReport = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow < windowEnd)
        {
            var wait = windowEnd - DateTimeOffset.UtcNow;
            await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), cancellationToken);
            peakWorkingSet = Math.Max(peakWorkingSet, MemorySnapshot.Take().WorkingSetMiB);
            if (DateTimeOffset.UtcNow - lastReport >= TimeSpan.FromSeconds(30))
            {
                lastReport = DateTimeOffset.UtcNow;
                var recorded = await FireAnalysis.CountRecordedSinceAsync(database, windowStart, cancellationToken);
                Progress(label, $"{(lastReport - windowStart).TotalSeconds:F0} s into the window: {recorded} scheduled executions recorded, "
                    + $"working set {MemorySnapshot.Take().WorkingSetMiB} MiB, load {MachineInfo.LoadAverageNow()}");
            }
        }

        var lag = await lagSampler.StopAsync();
        var processCores = (Process.GetCurrentProcess().TotalProcessorTime - processAtStart).TotalSeconds / (windowEnd - windowStart).TotalSeconds;
        var machineBusy = CpuTicks.BusyShare(machineAtStart, CpuTicks.Now());
        var loadAtEnd = MachineInfo.LoadAverageNow();
        var atEnd = MemorySnapshot.Take();
        peakWorkingSet = Math.Max(peakWorkingSet, atEnd.WorkingSetMiB);

        // Fires due just before the end are still being recorded, and a miss is only recorded once Quartz sees it:
        // wait until every expected occurrence has a record, or for two catch-up windows at most.
        var expected = FireAnalysis.ExpectedOccurrences(options.Cron, triggers, windowStart, windowEnd);
        var settleClock = Stopwatch.StartNew();
        var settleDeadline = windowEnd + (2 * CatchUpWindow) + TimeSpan.FromSeconds(15);
        long accounted;
        while ((accounted = await FireAnalysis.CountAccountedAsync(database, windowStart, windowEnd, cancellationToken)) < expected.Count
               && DateTimeOffset.UtcNow < settleDeadline)
        {
            Progress(label, $"window over; waiting for the last fires: {accounted}/{expected.Count} occurrences recorded");
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        var stuck = await FireAnalysis.CountStuckTriggersAsync(database, DateTimeOffset.UtcNow - CatchUpWindow - TimeSpan.FromSeconds(5), cancellationToken);
        var startSecond = await FireAnalysis.CountStartSecondTriggersAsync(database, options.Cron, cancellationToken);
        var fires = await FireAnalysis.AnalyseAsync(database, options.Workflows, expected, logs.QuartzFires, stuck, startSecond, windowStart, windowEnd,
            settleClock.Elapsed.TotalSeconds, cancellationToken);
        Progress(label, $"fires {fires.Fired}/{fires.Expected} (missed {fires.RecordedMissed}, absent {fires.Absent}); lateness p50 {fires.LatenessMs.P50:F0} ms, "
            + $"p95 {fires.LatenessMs.P95:F0} ms, p99 {fires.LatenessMs.P99:F0} ms, max {fires.LatenessMs.Max:F0} ms; peak {fires.FiredPeakPerSecond}/s fired, {fires.DuePeakPerSecond}/s due; "
            + $"{fires.RepeatedFires} repeated fires, {fires.StuckTriggers} stuck triggers, {fires.StartSecondTriggers} created in their first fire's second");
        Progress(label, $"scheduler lag peak {lag.PeakLagSeconds:F1} s ({lag.PeakDueUnfired} due and unfired), past {lag.BoundSeconds:F0} s in {lag.SamplesPastBound} of {lag.Samples} samples; "
            + $"health 'scheduler' degraded in {lag.HealthDegraded} of {lag.HealthChecks} checks");

        Progress(label, "stopping the host");
        await app.StopAsync(CancellationToken.None);

        return new PhaseResult
        {
            Phase = label,
            JitterEnabled = phase == Phase.Jittered,
            Workflows = options.Workflows,
            Cron = options.Cron,
            HostStartedAt = hostStartedAt,
            HostStartSeconds = Math.Round(hostStartSeconds, 2),
            Deploy = deploy,
            Jitter = jitter,
            WindowStart = windowStart,
            WindowEnd = windowEnd,
            Fires = fires,
            Memory = new MemoryFigures(afterDeploy, atEnd, peakWorkingSet,
                GCSettings.IsServerGC ? "server" : "workstation"),
            Lag = lag,
            Cpu = new CpuFigures(Math.Round(processCores, 2), Math.Round(machineBusy, 3), loadAtStart, loadAtEnd),
            LogEvents = logs.Snapshot(LogLevel.Information),
        };
    }

    public static void Progress(string phase, string message) =>
        Console.Error.WriteLine($"[bench {DateTimeOffset.UtcNow:HH:mm:ss}] [{phase}] {message}");
}
