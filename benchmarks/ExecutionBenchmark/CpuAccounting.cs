using System.Globalization;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// Where the CPU went during a step, by process, from <c>/proc/&lt;pid&gt;/stat</c> (utime + stime). Linux reports them
/// in USER_HZ, which is 100 on every architecture .NET runs on.
/// </summary>
internal sealed class CpuAccounting(int servicePid, int simulatorPid, string benchDatabase)
{
    private const double TicksPerSecond = 100;

    /// <summary>Takes the readings a step starts from.</summary>
    public CpuReading Read() => new(
        DateTimeOffset.UtcNow,
        OwnTicks(servicePid),
        OwnTicks(simulatorPid),
        OwnTicks(Environment.ProcessId),
        ChildrenTicks(Environment.ProcessId),
        ProcessesNamed("postgres"),
        ProcessesNamed("redis-server"),
        CpuTicks.Now());

    /// <summary>
    /// Cores used by each party between two readings. A postgres backend that started during the step counts in
    /// full; one that ended during it is left out (the little it did after the first reading is lost, which beats
    /// counting its whole life through the postmaster's children total).
    /// </summary>
    public CpuSplit Between(CpuReading start, CpuReading end)
    {
        var wall = (end.At - start.At).TotalSeconds;
        double Cores(double ticks) => wall <= 0 ? 0 : Math.Round(ticks / TicksPerSecond / wall, 3);
        var postgres = Delta(start.Postgres, end.Postgres, _ => true);
        var benchBackends = Delta(start.Postgres, end.Postgres, p => p.ServesDatabase(benchDatabase));
        var redis = Delta(start.Redis, end.Redis, _ => true);
        var service = end.Service - start.Service;
        var simulator = end.Simulator - start.Simulator;
        var loadGenerator = end.LoadGenerator - start.LoadGenerator;
        // Children of this process that ended during the step: the migrate run or the profiler tools.
        var tools = end.LoadGeneratorChildren - start.LoadGeneratorChildren;
        var machineBusy = CpuTicks.BusyShare(start.Machine, end.Machine) * Environment.ProcessorCount;
        var listed = Cores(service + simulator + loadGenerator + tools + postgres + redis);
        return new CpuSplit(
            Math.Round(wall, 2),
            Cores(service),
            Cores(simulator),
            Cores(loadGenerator),
            Cores(tools),
            Cores(postgres),
            Cores(benchBackends),
            Cores(redis),
            Math.Round(machineBusy, 3),
            Math.Round(Math.Max(0, machineBusy - listed), 3),
            Math.Round((end.Service - start.Service) / TicksPerSecond, 2));
    }

    private static double Delta(IReadOnlyDictionary<int, ProcessTicks> start, IReadOnlyDictionary<int, ProcessTicks> end, Func<ProcessTicks, bool> include) =>
        end.Values.Where(include).Sum(p => p.Ticks - (start.TryGetValue(p.Pid, out var before) && before.StartTime == p.StartTime ? before.Ticks : 0));

    private static long OwnTicks(int pid) => Stat(pid) is { } fields ? Field(fields, 14) + Field(fields, 15) : 0;

    private static long ChildrenTicks(int pid) => Stat(pid) is { } fields ? Field(fields, 16) + Field(fields, 17) : 0;

    /// <summary>Every live process with this command name, by pid.</summary>
    private static Dictionary<int, ProcessTicks> ProcessesNamed(string command)
    {
        var found = new Dictionary<int, ProcessTicks>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var stat = ReadText(Path.Combine(directory, "stat"));
            if (stat is null || Command(stat) != command)
            {
                continue;
            }

            var fields = AfterCommand(stat);
            var title = ReadText(Path.Combine(directory, "cmdline"))?.Replace('\0', ' ').Trim() ?? string.Empty;
            found[pid] = new ProcessTicks(pid, Field(fields, 14) + Field(fields, 15), Field(fields, 22), title);
        }

        return found;
    }

    private static string[]? Stat(int pid) => ReadText($"/proc/{pid}/stat") is { } text ? AfterCommand(text) : null;

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // The process ended between listing and reading.
        }
    }

    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    private static string Command(string stat) => stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..stat.LastIndexOf(')')];

    private static string[] AfterCommand(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    /// <summary>Field <paramref name="number"/> as numbered in proc(5) (1 = pid, 3 = state).</summary>
    private static long Field(string[] afterCommand, int number) =>
        long.TryParse(afterCommand[number - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}

/// <summary>A postgres or redis process: CPU ticks so far, its start time (a reused pid is another process), its title.</summary>
internal sealed record ProcessTicks(int Pid, long Ticks, long StartTime, string Title)
{
    /// <summary>A backend's title is "postgres: 15/main: &lt;role&gt; &lt;database&gt; &lt;client&gt; &lt;state&gt;".</summary>
    public bool ServesDatabase(string database) => Title.Contains($" {database} ", StringComparison.Ordinal);
}

internal sealed record CpuReading(
    DateTimeOffset At,
    long Service,
    long Simulator,
    long LoadGenerator,
    long LoadGeneratorChildren,
    IReadOnlyDictionary<int, ProcessTicks> Postgres,
    IReadOnlyDictionary<int, ProcessTicks> Redis,
    CpuTicks Machine);

/// <summary>Cores used (CPU seconds per wall second) over a step, by party.</summary>
internal sealed record CpuSplit(
    double WallSeconds,
    double Service,
    double EngineSimulator,
    double LoadGenerator,
    double ProfilerTools,
    double Postgres,
    double PostgresBenchBackends,
    double Redis,
    double MachineBusy,
    double Other,
    double ServiceCpuSeconds);
