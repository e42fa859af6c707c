using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>
/// What the observable gauges read when a scrape or export asks. Live values (active runs) come from a registered
/// source; values that would cost a query (deployments by status, scheduler state, dependency health) are snapshots
/// written by periodic samplers, so a scrape never touches the database.
/// </summary>
public static class TelemetryGauges
{
    private static readonly ConcurrentDictionary<object, Func<int>> ActiveRunSources = new();
    private static volatile IReadOnlyDictionary<DeploymentStatus, long>? _deployments;
    private static volatile IReadOnlyDictionary<string, bool>? _dependencies;
    private static volatile StrongBox? _schedulerRunning;
    private static long _lastReconcileUnixMs;
    private static volatile LagBox? _schedulerLag;

    /// <summary>Adds a source of running executions (the tracker); disposing the result removes it.</summary>
    public static IDisposable AddActiveRunSource(Func<int> source)
    {
        var key = new object();
        ActiveRunSources[key] = source;
        return new Removal(() => ActiveRunSources.TryRemove(key, out _));
    }

    public static void SetDeploymentCounts(IReadOnlyDictionary<DeploymentStatus, long> counts) => _deployments = counts;

    public static void SetSchedulerRunning(bool running) => _schedulerRunning = new StrongBox(running);

    public static void SetDependencyHealth(IReadOnlyDictionary<string, bool> healthy) => _dependencies = healthy;

    /// <summary>The scheduler's lag and due-but-unfired occurrences, as its health check last measured them.</summary>
    public static void SetSchedulerLag(double seconds, long dueUnfired) => _schedulerLag = new LagBox(seconds, dueUnfired);

    public static void ReconcileSucceeded(DateTimeOffset at) => Interlocked.Exchange(ref _lastReconcileUnixMs, at.ToUnixTimeMilliseconds());

    internal static int ObserveActiveRuns() => ActiveRunSources.Values.Sum(source => source());

    /// <summary>Every status is reported (0 included) once a count exists, so a dashboard line does not vanish at zero.</summary>
    internal static IEnumerable<Measurement<long>> ObserveDeployments()
    {
        if (_deployments is not { } counts)
        {
            yield break;
        }

        foreach (var status in Enum.GetValues<DeploymentStatus>())
        {
            yield return new Measurement<long>(counts.GetValueOrDefault(status),
                new KeyValuePair<string, object?>("status", WorkflowRuntimeTelemetry.Spell(status)));
        }
    }

    internal static IEnumerable<Measurement<int>> ObserveSchedulerRunning()
    {
        if (_schedulerRunning is { } running)
        {
            yield return new Measurement<int>(running.Value ? 1 : 0);
        }
    }

    internal static IEnumerable<Measurement<double>> ObserveLastReconcile()
    {
        var at = Interlocked.Read(ref _lastReconcileUnixMs);
        if (at > 0)
        {
            yield return new Measurement<double>(at / 1000.0);
        }
    }

    internal static IEnumerable<Measurement<double>> ObserveSchedulerLag()
    {
        if (_schedulerLag is { } lag)
        {
            yield return new Measurement<double>(lag.Seconds);
        }
    }

    internal static IEnumerable<Measurement<long>> ObserveSchedulerDueUnfired()
    {
        if (_schedulerLag is { } lag)
        {
            yield return new Measurement<long>(lag.DueUnfired);
        }
    }

    internal static IEnumerable<Measurement<int>> ObserveDependencies()
    {
        foreach (var (name, healthy) in _dependencies ?? new Dictionary<string, bool>())
        {
            yield return new Measurement<int>(healthy ? 1 : 0, new KeyValuePair<string, object?>("dependency", name));
        }
    }

    private sealed record StrongBox(bool Value);

    private sealed record LagBox(double Seconds, long DueUnfired);

    private sealed class Removal(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
