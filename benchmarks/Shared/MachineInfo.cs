using System.Globalization;
using System.Runtime.InteropServices;

namespace WorkflowRuntime.Benchmarks.Shared;

/// <summary>What the figures were taken on (Linux: read from /proc, the same sources as nproc, free and lscpu).</summary>
internal sealed record MachineInfo(
    int LogicalCpus,
    string CpuModel,
    double MemoryTotalGiB,
    double MemoryAvailableGiB,
    string OperatingSystem,
    string Runtime,
    string LoadAverage)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        MemInfoGiB("MemTotal"),
        MemInfoGiB("MemAvailable"),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverageNow());

    /// <summary>The 1, 5 and 15 minute load averages (other developers' builds and tests run on the same machine).</summary>
    public static string LoadAverageNow() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string ReadCpuModel()
    {
        if (!File.Exists("/proc/cpuinfo"))
        {
            return "n/a";
        }

        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "n/a" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static double MemInfoGiB(string key)
    {
        if (!File.Exists("/proc/meminfo"))
        {
            return 0;
        }

        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        var kib = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return Math.Round(kib / 1024.0 / 1024.0, 1);
    }
}

/// <summary>Machine-wide CPU time from /proc/stat: how busy the whole (shared) machine was over an interval.</summary>
internal readonly record struct CpuTicks(long Busy, long Total)
{
    public static CpuTicks Now()
    {
        if (!File.Exists("/proc/stat"))
        {
            return default;
        }

        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var total = fields.Take(8).Sum();
        return new CpuTicks(total - idle, total);
    }

    /// <summary>Busy share of all CPUs between two readings, 0..1.</summary>
    public static double BusyShare(CpuTicks from, CpuTicks to) =>
        to.Total == from.Total ? 0 : (double)(to.Busy - from.Busy) / (to.Total - from.Total);
}
