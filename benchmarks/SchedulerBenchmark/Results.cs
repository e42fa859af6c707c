namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>Everything one phase measured (written by the child process as JSON, read back by the orchestrator).</summary>
internal sealed record PhaseResult
{
    public required string Phase { get; init; }

    public required bool JitterEnabled { get; init; }

    public required int Workflows { get; init; }

    public required string Cron { get; init; }

    public required DateTimeOffset HostStartedAt { get; init; }

    public required double HostStartSeconds { get; init; }

    public required DeployFigures Deploy { get; init; }

    public required JitterFigures Jitter { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public required FireFigures Fires { get; init; }

    public required MemoryFigures Memory { get; init; }

    public required CpuFigures Cpu { get; init; }

    public required LagFigures Lag { get; init; }

    public required IReadOnlyList<LoggedEvent> LogEvents { get; init; }
}

internal sealed record DeployFigures(int Requested, int Succeeded, int Failed, double Seconds, double PerSecond, Distribution LatencyMs,
    IReadOnlyList<string> FirstErrors);

/// <summary>The resolved offsets the service stored for the deployed triggers.</summary>
internal sealed record JitterFigures(int Triggers, int DistinctOffsets, int MinSeconds, int MaxSeconds);

internal sealed record FireFigures
{
    /// <summary>Occurrences whose due time (occurrence + jitter) lies in the window, over all deployed triggers.</summary>
    public required long Expected { get; init; }

    /// <summary>SCHEDULED executions created for those occurrences by a fire (run, or skipped because the workflow was busy).</summary>
    public required long Fired { get; init; }

    /// <summary>Occurrences the service recorded as missed (later than the catch-up window).</summary>
    public required long RecordedMissed { get; init; }

    /// <summary>Expected occurrences with no record at all when the benchmark stopped looking.</summary>
    public required long Absent { get; init; }

    public required IReadOnlyDictionary<string, long> Statuses { get; init; }

    public required IReadOnlyList<string> ErrorSamples { get; init; }

    /// <summary>created_at − (scheduled_for + jitter_seconds), over the fired occurrences.</summary>
    public required Distribution LatenessMs { get; init; }

    /// <summary>started_at − created_at: from the execution's row to the engine's acknowledgement (RUNNING).</summary>
    public required Distribution EngineStartMs { get; init; }

    /// <summary>Share of fires less than one second late.</summary>
    public required double OnTimeShare { get; init; }

    /// <summary>Most occurrences due in any one second (the load the schedule asks for).</summary>
    public required long DuePeakPerSecond { get; init; }

    /// <summary>Most fires recorded in any one second (the load the service actually took).</summary>
    public required long FiredPeakPerSecond { get; init; }

    /// <summary>Without any jitter, every workflow of an every-minute cron is due in the same second.</summary>
    public required long UnjitteredDuePeakPerSecond { get; init; }

    public required IReadOnlyList<MinuteFigures> PerMinute { get; init; }

    /// <summary>The scheduler's share of the lateness: Quartz's FireTimeUtc − ScheduledFireTimeUtc of the first fire of each occurrence.</summary>
    public required Distribution QuartzLatenessMs { get; init; }

    /// <summary>Fires Quartz handed to the job during the whole phase (cron_fired events).</summary>
    public required long QuartzFires { get; init; }

    /// <summary>Fires of an occurrence that had already been fired (the database deduplicates them), whole phase.</summary>
    public required long RepeatedFires { get; init; }

    public required int TriggersFiredRepeatedly { get; init; }

    /// <summary>Triggers whose next fire time was more than the catch-up window in the past at the end.</summary>
    public required long StuckTriggers { get; init; }

    /// <summary>Triggers created in the second of their first fire (see FireAnalysis.CountStartSecondTriggersAsync).</summary>
    public required int StartSecondTriggers { get; init; }

    public required double SettleSeconds { get; init; }
}

/// <summary>Fires of the occurrences of one cron minute.</summary>
internal sealed record MinuteFigures(DateTimeOffset Occurrence, long Expected, long Fired, long Missed, double P50Ms, double P99Ms, double MaxMs,
    double LastFireAfterOccurrenceSeconds);

internal sealed record MemorySnapshot(double WorkingSetMiB, double GcTotalMemoryMiB, double GcHeapSizeMiB)
{
    public static MemorySnapshot Take() => new(
        Math.Round(Environment.WorkingSet / 1048576.0, 1),
        Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
        Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1));
}

internal sealed record MemoryFigures(MemorySnapshot AfterDeploy, MemorySnapshot AtEnd, double PeakWorkingSetMiB, string GcMode);

/// <summary>
/// The scheduler's lag over the window: the benchmark's own query every second (peak, and samples past the service's
/// degraded bound), and the service's <c>scheduler</c> health entry every 5 s.
/// </summary>
internal sealed record LagFigures(double PeakLagSeconds, long PeakDueUnfired, int Samples, int SamplesPastBound, double BoundSeconds,
    int HealthChecks, int HealthDegraded, int FailedSamples);

/// <summary>CPU over the measured window: this process (host + load client), and the whole shared machine.</summary>
internal sealed record CpuFigures(double ProcessCoresUsed, double MachineBusyShare, string LoadAverageAtStart, string LoadAverageAtEnd);

internal sealed record BenchmarkReport
{
    public required string Command { get; init; }

    public required BenchmarkOptions Options { get; init; }

    public required MachineInfo Machine { get; init; }

    public required string PostgresVersion { get; init; }

    public required string GitCommit { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public required IReadOnlyList<PhaseResult> Phases { get; init; }
}
