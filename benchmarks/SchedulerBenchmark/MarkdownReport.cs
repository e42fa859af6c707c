using System.Globalization;
using System.Text;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>The summary printed at the end and written next to the JSON.</summary>
internal static class MarkdownReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(BenchmarkReport report)
    {
        var md = new StringBuilder();
        var jittered = report.Phases.FirstOrDefault(p => p.JitterEnabled);
        var baseline = report.Phases.FirstOrDefault(p => !p.JitterEnabled);
        var phases = report.Phases;
        var o = report.Options;
        var m = report.Machine;

        Line(md, "# Scheduler benchmark: summary");
        Line(md);
        Line(md, $"- Command: `{report.Command}`");
        Line(md, $"- Run: {report.StartedAt:yyyy-MM-dd HH:mm} – {report.FinishedAt:HH:mm} UTC, commit `{report.GitCommit}`");
        Line(md, $"- Machine: {m.LogicalCpus} CPUs ({m.CpuModel}), {F(m.MemoryTotalGiB)} GiB RAM ({F(m.MemoryAvailableGiB)} GiB available), "
            + $"{m.OperatingSystem}, {m.Runtime}, PostgreSQL {report.PostgresVersion}; load average at start {m.LoadAverage}");
        Line(md, $"- Load: {o.Workflows} workflows, cron `{o.Cron}` (UTC), requested jitter window {o.JitterWindow} s, "
            + $"{o.Concurrency} concurrent deploy callers, engine simulator runs succeed after {o.EngineLatencyMs} ms; "
            + $"{F(o.Minutes)} min measured per phase, phases run one after the other, each in a fresh process on a fresh database"
            + (o.AvoidStartSecondBug ? "; **control run: no workflow deployed within 8 s before one of its due times (--avoid-start-second-bug)**" : string.Empty));
        Line(md);

        var header = phases.Select(p => p.JitterEnabled ? "jittered" : "baseline (no jitter)").ToList();
        var withRatio = jittered is not null && baseline is not null;
        Line(md, "| | " + string.Join(" | ", header) + (withRatio ? " | jittered / baseline |" : " |"));
        Line(md, "|---|" + string.Concat(header.Select(_ => "---:|")) + (withRatio ? "---:|" : string.Empty));

        Row(md, "deploy: total time (s)", phases, p => p.Deploy.Seconds, withRatio);
        Row(md, "deploy: deploys/s", phases, p => p.Deploy.PerSecond, withRatio);
        Row(md, "deploy: latency p50 / p95 / p99 (ms)", phases, p => $"{F(p.Deploy.LatencyMs.P50)} / {F(p.Deploy.LatencyMs.P95)} / {F(p.Deploy.LatencyMs.P99)}");
        Row(md, "deploy: failed calls", phases, p => p.Deploy.Failed.ToString(Invariant));
        Row(md, "jitter offsets stored (distinct, range s)", phases, p => $"{p.Jitter.DistinctOffsets} ({p.Jitter.MinSeconds}–{p.Jitter.MaxSeconds})");
        Row(md, "memory after deploy: working set (MiB)", phases, p => p.Memory.AfterDeploy.WorkingSetMiB, withRatio);
        Row(md, "memory after deploy: GC heap size / total memory (MiB)", phases, p => $"{F(p.Memory.AfterDeploy.GcHeapSizeMiB)} / {F(p.Memory.AfterDeploy.GcTotalMemoryMiB)}");
        Row(md, "memory at end: working set (MiB)", phases, p => p.Memory.AtEnd.WorkingSetMiB, withRatio);
        Row(md, "memory at end: GC heap size / total memory (MiB)", phases, p => $"{F(p.Memory.AtEnd.GcHeapSizeMiB)} / {F(p.Memory.AtEnd.GcTotalMemoryMiB)}");
        Row(md, "memory: peak working set, sampled every 5 s (MiB)", phases, p => p.Memory.PeakWorkingSetMiB, withRatio);
        Row(md, "fires: expected occurrences in the window", phases, p => p.Fires.Expected.ToString(Invariant));
        Row(md, "fires: fired", phases, p => p.Fires.Fired.ToString(Invariant));
        Row(md, "fires: recorded as missed / no record at all", phases, p => $"{p.Fires.RecordedMissed} / {p.Fires.Absent}");
        Row(md, "**lateness p50 (ms)**", phases, p => p.Fires.LatenessMs.P50, withRatio);
        Row(md, "**lateness p95 (ms)**", phases, p => p.Fires.LatenessMs.P95, withRatio);
        Row(md, "**lateness p99 (ms)**", phases, p => p.Fires.LatenessMs.P99, withRatio);
        Row(md, "**lateness max (ms)**", phases, p => p.Fires.LatenessMs.Max, withRatio);
        Row(md, "Quartz's share: fire time − scheduled fire time p50 / p99 / max (ms)", phases,
            p => $"{F(p.Fires.QuartzLatenessMs.P50)} / {F(p.Fires.QuartzLatenessMs.P99)} / {F(p.Fires.QuartzLatenessMs.Max)}");
        Row(md, "fires less than 1 s late", phases, p => $"{F(p.Fires.OnTimeShare * 100)} %");
        Row(md, "**peak occurrences due in one second**", phases, p => p.Fires.DuePeakPerSecond, withRatio);
        Row(md, "**peak fires recorded in one second**", phases, p => p.Fires.FiredPeakPerSecond, withRatio);
        Row(md, "peak due in one second without jitter (all N at :00)", phases, p => p.Fires.UnjitteredDuePeakPerSecond.ToString(Invariant));
        Row(md, "Quartz fires in the phase / of an occurrence already fired (triggers)", phases,
            p => $"{p.Fires.QuartzFires} / {p.Fires.RepeatedFires} ({p.Fires.TriggersFiredRepeatedly})");
        Row(md, "triggers created in the second of their first fire", phases, p => p.Fires.StartSecondTriggers.ToString(Invariant));
        Row(md, "triggers stuck at the end (next fire > catch-up window ago)", phases, p => p.Fires.StuckTriggers.ToString(Invariant));
        Row(md, "**scheduler lag peak (s)**, sampled every 1 s (oldest due, unfired occurrence)", phases, p => p.Lag.PeakLagSeconds, withRatio);
        Row(md, "scheduler lag: peak due and unfired / samples past the degraded bound", phases,
            p => $"{p.Lag.PeakDueUnfired} / {p.Lag.SamplesPastBound} of {p.Lag.Samples} (bound {F(p.Lag.BoundSeconds)} s)");
        Row(md, "health entry `scheduler` degraded (checks every 5 s)", phases, p => $"{p.Lag.HealthDegraded} of {p.Lag.HealthChecks}");
        Row(md, "engine start after the fire p50 / p99 (ms)", phases, p => $"{F(p.Fires.EngineStartMs.P50)} / {F(p.Fires.EngineStartMs.P99)}");
        Row(md, "CPU: benchmark process (host + client), cores used", phases, p => p.Cpu.ProcessCoresUsed, withRatio);
        Row(md, "CPU: whole machine busy", phases, p => $"{F(p.Cpu.MachineBusyShare * 100)} %");
        Row(md, "load average at window start → end", phases, p => $"{p.Cpu.LoadAverageAtStart} → {p.Cpu.LoadAverageAtEnd}");
        Line(md);
        Line(md, "Lateness = `created_at − (scheduled_for + jitter_seconds)` of each SCHEDULED execution whose due time lies in the window "
            + "(join on `workflow_triggers`). Memory is the benchmark process, which is the host plus the small gRPC load client; "
            + $"GC mode {(phases.Count > 0 ? phases[0].Memory.GcMode : "n/a")}.");

        foreach (var phase in phases)
        {
            Line(md);
            Line(md, $"## {(phase.JitterEnabled ? "Jittered" : "Baseline (no jitter)")}: fires by cron minute");
            Line(md);
            Line(md, "| occurrence (UTC) | expected | fired | missed | lateness p50 / p99 / max (ms) | last fire after the occurrence (s) |");
            Line(md, "|---|---:|---:|---:|---:|---:|");
            foreach (var minute in phase.Fires.PerMinute)
            {
                Line(md, $"| {minute.Occurrence:HH:mm} | {minute.Expected} | {minute.Fired} | {minute.Missed} | "
                    + $"{F(minute.P50Ms)} / {F(minute.P99Ms)} / {F(minute.MaxMs)} | {F(minute.LastFireAfterOccurrenceSeconds)} |");
            }

            Line(md);
            Line(md, "Statuses: " + string.Join(", ", phase.Fires.Statuses.Select(s => $"{s.Key} {s.Value}"))
                + $" (window {phase.WindowStart:HH:mm:ss}–{phase.WindowEnd:HH:mm:ss}; the last fires were waited for {F(phase.Fires.SettleSeconds)} s).");
            foreach (var error in phase.Fires.ErrorSamples)
            {
                Line(md, $"- error: {error}");
            }

            foreach (var error in phase.Deploy.FirstErrors)
            {
                Line(md, $"- deploy error: {error}");
            }

            Line(md);
            var information = phase.LogEvents.Where(e => e.Level == "Information").ToList();
            Line(md, "Service events (whole phase): " + string.Join(", ", information.Select(e => $"{e.Event} {e.Count}")) + ".");
            var problems = phase.LogEvents.Where(e => e.Level != "Information").ToList();
            Line(md);
            if (problems.Count == 0)
            {
                Line(md, "The service logged no warning or error.");
                continue;
            }

            Line(md, "Warnings and errors the service logged (whole phase):");
            Line(md);
            Line(md, "| level | event | count | first message |");
            Line(md, "|---|---|---:|---|");
            foreach (var logged in problems.Take(15))
            {
                Line(md, $"| {logged.Level} | {logged.Event} | {logged.Count} | {logged.FirstMessage.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ")} |");
            }
        }

        return md.ToString();
    }

    private static void Row(StringBuilder md, string name, IReadOnlyList<PhaseResult> phases, Func<PhaseResult, double> value, bool withRatio)
    {
        var cells = phases.Select(p => F(value(p)));
        var ratio = string.Empty;
        if (withRatio)
        {
            var jittered = value(phases.First(p => p.JitterEnabled));
            var baseline = value(phases.First(p => !p.JitterEnabled));
            ratio = baseline == 0 ? " n/a |" : $" {(jittered / baseline).ToString("0.###", Invariant)}× |";
        }

        Line(md, $"| {name} | {string.Join(" | ", cells)} |{ratio}");
    }

    private static void Row(StringBuilder md, string name, IReadOnlyList<PhaseResult> phases, Func<PhaseResult, string> value) =>
        Line(md, $"| {name} | {string.Join(" | ", phases.Select(value))} |" + (phases.Count == 2 ? " |" : string.Empty));

    private static string F(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.#", Invariant);

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
