namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// One measured step. A floor step carries the policy of the service step it is paired with (it runs right before
/// it, at the same concurrency, so both meet the same background load).
/// </summary>
internal sealed record StepResult
{
    public required string Name { get; init; }

    /// <summary>floor, closed-loop or open-loop.</summary>
    public required string Phase { get; init; }

    public required string Policy { get; init; }

    /// <summary>Closed loop and floor: concurrent workers. Open loop: 0.</summary>
    public required int Concurrency { get; init; }

    /// <summary>Open loop: calls per second. Otherwise 0.</summary>
    public required int Rate { get; init; }

    /// <summary>The <c>triggered_by</c> of every row the step made.</summary>
    public required string Tag { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    public required CallFigures Calls { get; init; }

    /// <summary>Open loop: how late the sender itself issued its latest call (it must stay small for the schedule to hold).</summary>
    public double? MaxSendLagMs { get; init; }

    public required DrainFigures Drain { get; init; }

    public required LedgerFigures Ledger { get; init; }

    public required TransactionFigures Transactions { get; init; }

    public required CpuSplit Cpu { get; init; }

    public required string LoadAverageAtStart { get; init; }

    public required string LoadAverageAtEnd { get; init; }

    /// <summary>dotnet-trace and dotnet-counters were attached to the service during this step.</summary>
    public bool Profiled { get; init; }
}

internal sealed record BenchmarkReport
{
    public required string Command { get; init; }

    public required BenchmarkOptions Options { get; init; }

    public required MachineInfo Machine { get; init; }

    public required string LoadAverageAtEnd { get; init; }

    public required string PostgresVersion { get; init; }

    public required string RedisVersion { get; init; }

    public required string GitCommit { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>The environment the service process was started with (the password masked).</summary>
    public required IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; }

    public required IReadOnlyDictionary<string, string> SimulatorEnvironment { get; init; }

    /// <summary>Transactions per second on the bench database with the service idle (its sweeper, scheduler check-ins).</summary>
    public required double BackgroundTransactionsPerSecond { get; init; }

    public required DeployFigures Deploy { get; init; }

    public required IReadOnlyList<StepResult> Steps { get; init; }

    public SkipPathFigures? SkipPath { get; init; }

    public ProfileFigures? Profile { get; init; }

    public required IReadOnlyList<LoggedEvent> ServiceLog { get; init; }

    /// <summary>The service's exit code after SIGTERM (null: it had to be killed).</summary>
    public int? ServiceExitCode { get; init; }
}
