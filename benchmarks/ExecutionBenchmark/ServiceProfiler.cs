using System.Globalization;
using System.Text;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// dotnet-trace and dotnet-counters (the repository's local tools, run as <c>dotnet dotnet-trace</c> from its root) on
/// the service for one window, then their text summaries: the methods most often on the sampled stacks, a breakdown by
/// subsystem, and each counter's mean and peak.
/// </summary>
/// <remarks>
/// dotnet-trace 10 refuses <c>collect --profile cpu-sampling</c> ("does not apply to dotnet-trace collect"): CPU
/// sampling moved to <c>collect-linux --profile cpu-sampling</c> (kernel perf events of the process's threads,
/// kernel and native frames included; needs root). That is used; where it cannot run, the benchmark falls back to
/// <c>collect --profile dotnet-sampled-thread-time</c>, which samples every managed thread at ~100 Hz whether it runs
/// or waits. A collect-linux trace's exclusive report is degenerate (every sample's leaf is the event itself), so its
/// useful report is the inclusive one.
/// </remarks>
internal sealed class ServiceProfiler(string outputDirectory)
{
    public const string CpuProfile = "collect-linux --profile cpu-sampling";
    public const string ThreadTimeProfile = "collect --profile dotnet-sampled-thread-time";

    /// <summary>CPU, GC and thread pool (System.Runtime), requests (hosting, Kestrel), the engine client (HttpClient) and Npgsql.</summary>
    public const string Counters = "System.Runtime,Microsoft.AspNetCore.Hosting,Microsoft.AspNetCore.Server.Kestrel,System.Net.Http,Npgsql";

    private const int TopMethods = 30;
    private const int BreakdownMethods = 400;

    private string _traceProfile = CpuProfile;

    private string TracePath => Path.Combine(outputDirectory, "service-trace.nettrace");

    private string CountersPath => Path.Combine(outputDirectory, "service-counters.csv");

    /// <summary>Both tools on <paramref name="pid"/> for <paramref name="seconds"/>, side by side; returns when both have stopped.</summary>
    public async Task CollectAsync(int pid, int seconds, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(seconds).ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture);
        var id = pid.ToString(CultureInfo.InvariantCulture);
        // Stopping a trace can take a while (rundown, symbols); the tools stop themselves at the duration.
        var limit = TimeSpan.FromSeconds(seconds + 180);
        using var counters = Tool("dotnet-counters-collect.log", "dotnet-counters", "collect", "-p", id, "--counters", Counters,
            "--format", "csv", "-o", CountersPath, "--refresh-interval", "1", "--duration", duration);
        var countersExit = counters.WaitForExitAsync(limit, cancellationToken);
        File.Delete(TracePath);
        int traceExit;
        using (var cpu = Tool("dotnet-trace-collect.log", "dotnet-trace", "collect-linux", "-p", id, "--profile", "cpu-sampling",
                   "--duration", duration, "-o", TracePath))
        {
            traceExit = await cpu.WaitForExitAsync(limit, cancellationToken);
        }

        if (traceExit != 0 || !File.Exists(TracePath))
        {
            Log.Progress("profile", $"collect-linux failed (exit {traceExit}, see dotnet-trace-collect.log); sampling thread time instead");
            _traceProfile = ThreadTimeProfile;
            using var threads = Tool("dotnet-trace-collect-thread-time.log", "dotnet-trace", "collect", "-p", id, "--profile", "dotnet-sampled-thread-time",
                "--duration", duration, "-o", TracePath);
            traceExit = await threads.WaitForExitAsync(limit, cancellationToken);
        }

        if (traceExit != 0 || await countersExit != 0)
        {
            Log.Progress("profile", "a profiler did not finish cleanly: see the dotnet-trace and dotnet-counters logs in the output folder");
        }
    }

    /// <summary>After the step (so the reports cost the measured window nothing): the text summaries, written beside the trace.</summary>
    public async Task<ProfileFigures> SummariseAsync(int seconds, CancellationToken cancellationToken)
    {
        var exclusive = await ReportAsync("service-trace-top-exclusive.txt", TopMethods, inclusive: false, verbose: false, cancellationToken);
        var inclusive = await ReportAsync("service-trace-top-inclusive.txt", TopMethods, inclusive: true, verbose: false, cancellationToken);
        var full = await ReportAsync("service-trace-top-inclusive-400.txt", BreakdownMethods, inclusive: true, verbose: true, cancellationToken);
        var breakdown = ProfileBreakdown.Of(full);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "service-trace-breakdown.txt"), ProfileBreakdown.Render(breakdown), cancellationToken);
        var counters = File.Exists(CountersPath) ? CounterSummary.Of(await File.ReadAllLinesAsync(CountersPath, cancellationToken)) : [];
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "service-counters-summary.txt"), CounterSummary.Render(counters), cancellationToken);
        return new ProfileFigures(seconds, "dotnet-trace " + _traceProfile, Counters, exclusive, inclusive, breakdown, counters);
    }

    private async Task<string> ReportAsync(string file, int methods, bool inclusive, bool verbose, CancellationToken cancellationToken)
    {
        if (!File.Exists(TracePath))
        {
            return "(no trace was written)";
        }

        List<string> arguments = ["report", TracePath, "topN", "-n", methods.ToString(CultureInfo.InvariantCulture)];
        if (inclusive)
        {
            arguments.Add("--inclusive");
        }

        if (verbose)
        {
            arguments.Add("-v");
        }

        using var report = Tool(file, "dotnet-trace", [.. arguments]);
        await report.WaitForExitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        return await File.ReadAllTextAsync(report.LogPath, cancellationToken);
    }

    private ChildProcess Tool(string logFile, string tool, params string[] arguments) =>
        ChildProcess.Start(tool, "dotnet", [tool, .. arguments], new Dictionary<string, string>(),
            Path.Combine(outputDirectory, logFile), RepositoryPaths.Root);
}

/// <summary>
/// What the profilers saw: the trace's top methods (report text as dotnet-trace prints it), the subsystem breakdown,
/// and the counters.
/// </summary>
internal sealed record ProfileFigures(
    int Seconds,
    string TraceProfile,
    string CounterProviders,
    string TopExclusive,
    string TopInclusive,
    IReadOnlyList<ProfileArea> Breakdown,
    IReadOnlyList<CounterFigures> Counters);

/// <summary>One counter over the window: the values dotnet-counters wrote once a second (a rate counter's per-second increments).</summary>
internal sealed record CounterFigures(string Provider, string Name, string Type, int Samples, double Mean, double Max, double Last);

internal static class CounterSummary
{
    /// <summary>The tags that tell one series of a counter from another here; the rest (pool name, ports, route) is the same on every row.</summary>
    private static readonly string[] DistinguishingTags =
        ["Percentile", "db.client.connection.state", "gc.heap.generation", "error.type", "http.connection.state", "dotnet.gc.pause.reason"];

    /// <summary><c>name (unit)[tag=value;…]</c> with only the distinguishing tags kept, for a table cell.</summary>
    public static string CompactName(string name)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        if (open < 0 || !name.EndsWith(']'))
        {
            return name;
        }

        var kept = name[(open + 1)..^1].Split(';')
            .Where(tag => DistinguishingTags.Any(t => tag.StartsWith(t + "=", StringComparison.Ordinal)))
            .ToList();
        return name[..open].TrimEnd() + (kept.Count == 0 ? string.Empty : " [" + string.Join(", ", kept) + "]");
    }

    /// <summary>dotnet-counters CSV: <c>Timestamp,Provider,Counter Name,Counter Type,Mean/Increment</c> (names may carry tags in brackets).</summary>
    public static IReadOnlyList<CounterFigures> Of(IReadOnlyList<string> csvLines)
    {
        var series = new Dictionary<(string Provider, string Name, string Type), List<double>>();
        foreach (var line in csvLines.Skip(1))
        {
            var fields = SplitCsv(line);
            if (fields.Count < 5 || !double.TryParse(fields[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var key = (fields[1], string.Join(",", fields.Skip(2).Take(fields.Count - 4)), fields[^2]);
            if (!series.TryGetValue(key, out var values))
            {
                series[key] = values = [];
            }

            values.Add(value);
        }

        return [.. series.OrderBy(s => s.Key.Provider, StringComparer.Ordinal).ThenBy(s => s.Key.Name, StringComparer.Ordinal)
            .Select(s => new CounterFigures(s.Key.Provider, s.Key.Name, s.Key.Type, s.Value.Count,
                Math.Round(s.Value.Average(), 3), Math.Round(s.Value.Max(), 3), Math.Round(s.Value[^1], 3)))];
    }

    public static string Render(IReadOnlyList<CounterFigures> counters)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"provider",-36} {"counter",-90} {"type",-10} {"mean",12} {"max",12} {"last",12}\n");
        foreach (var c in counters)
        {
            text.Append(CultureInfo.InvariantCulture, $"{c.Provider,-36} {c.Name,-90} {c.Type,-10} {c.Mean,12:0.###} {c.Max,12:0.###} {c.Last,12:0.###}\n");
        }

        return text.ToString();
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
