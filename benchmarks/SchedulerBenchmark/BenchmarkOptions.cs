using System.Globalization;
using Npgsql;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>Command-line options. Every option has a default, so a bare run is the run (10,000 workflows, 5 minutes).</summary>
internal sealed record BenchmarkOptions
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime";

    public int Workflows { get; init; } = 10_000;

    public double Minutes { get; init; } = 5;

    /// <summary>Server, role and pool settings; the database is always <see cref="Database"/>.</summary>
    public string Postgres { get; init; } = DefaultPostgres;

    /// <summary>Dropped and recreated before each phase; must contain "bench" so a test or dev database is never hit.</summary>
    public string Database { get; init; } = "workflow_runtime_bench";

    public string Redis { get; init; } = "127.0.0.1:6379";

    public string Cron { get; init; } = "* * * * *";

    /// <summary>Requested jitter window (seconds); the service caps it by the cron's shortest gap (60 s for every minute).</summary>
    public int JitterWindow { get; init; } = 300;

    /// <summary>Concurrent DeployWorkflow callers.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>How long the simulated engine keeps a run RUNNING before it succeeds.</summary>
    public int EngineLatencyMs { get; init; } = 50;

    /// <summary><c>both</c> (jittered, then the baseline without jitter), <c>jittered</c> or <c>baseline</c>.</summary>
    public string Phases { get; init; } = "both";

    public string Output { get; init; } = "artifacts/benchmarks/scheduler";

    /// <summary>
    /// A control, off by default: never deploy a workflow within a few seconds before one of its due times, so no
    /// trigger is created in the very second of its first fire (the start-second bug of JitteredCronTrigger, see
    /// docs/benchmarks/scheduler.md). The benchmark then shows the scheduler's lateness as it would be once that is fixed.
    /// </summary>
    public bool AvoidStartSecondBug { get; init; }

    // Internal: set by the orchestrator when it starts a phase in a child process.
    public string? ChildPhase { get; init; }

    public string? EngineAddress { get; init; }

    public string? ResultFile { get; init; }

    public int? ParentPid { get; init; }

    public string BenchConnectionString =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = Database }.ConnectionString;

    public string MaintenanceConnectionString =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = "postgres", Pooling = false }.ConnectionString;

    public IReadOnlyList<Phase> SelectedPhases => Phases switch
    {
        "both" => [Phase.Jittered, Phase.Baseline],
        "jittered" => [Phase.Jittered],
        "baseline" => [Phase.Baseline],
        _ => throw new ArgumentException($"--phases must be both, jittered or baseline, not '{Phases}'."),
    };

    public const string Usage = """
        usage: SchedulerBenchmark [--workflows 10000] [--minutes 5] [--postgres "<conn>"] [--database workflow_runtime_bench]
                                  [--redis 127.0.0.1:6379] [--cron "* * * * *"] [--jitter-window 300] [--concurrency 8]
                                  [--engine-latency-ms 50] [--phases both|jittered|baseline] [--output <dir>]
                                  [--avoid-start-second-bug false]
        """;

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        foreach (var (name, value) in CommandLine.Pairs(args, Usage))
        {
            options = name switch
            {
                "--workflows" => options with { Workflows = CommandLine.PositiveInt(name, value) },
                "--minutes" => options with { Minutes = PositiveDouble(name, value) },
                "--postgres" => options with { Postgres = value },
                "--database" => options with { Database = value },
                "--redis" => options with { Redis = value },
                "--cron" => options with { Cron = value },
                "--jitter-window" => options with { JitterWindow = CommandLine.PositiveInt(name, value) },
                "--concurrency" => options with { Concurrency = CommandLine.PositiveInt(name, value) },
                "--engine-latency-ms" => options with { EngineLatencyMs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--phases" => options with { Phases = value },
                "--output" => options with { Output = value },
                "--avoid-start-second-bug" => options with { AvoidStartSecondBug = bool.Parse(value) },
                "--child-phase" => options with { ChildPhase = value },
                "--engine-address" => options with { EngineAddress = value },
                "--result-file" => options with { ResultFile = value },
                "--parent-pid" => options with { ParentPid = CommandLine.PositiveInt(name, value) },
                _ => throw new ArgumentException($"unknown option {name}.\n{Usage}"),
            };
        }

        ScratchDatabase.EnsureBenchName(options.Database, "--database");

        _ = options.SelectedPhases;
        return options;
    }

    /// <summary>The arguments that reproduce these options in a child process.</summary>
    public IEnumerable<string> ToArguments()
    {
        string[] pairs =
        [
            "--workflows", Workflows.ToString(CultureInfo.InvariantCulture),
            "--minutes", Minutes.ToString(CultureInfo.InvariantCulture),
            "--postgres", Postgres,
            "--database", Database,
            "--redis", Redis,
            "--cron", Cron,
            "--jitter-window", JitterWindow.ToString(CultureInfo.InvariantCulture),
            "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture),
            "--engine-latency-ms", EngineLatencyMs.ToString(CultureInfo.InvariantCulture),
            "--phases", Phases,
            "--output", Output,
            "--avoid-start-second-bug", AvoidStartSecondBug ? "true" : "false",
        ];
        return pairs;
    }

    private static double PositiveDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} must be a positive number, not '{value}'.");
}

internal enum Phase
{
    /// <summary>The service as shipped: each workflow's cron shifted by its hash jitter.</summary>
    Jittered,

    /// <summary>The baseline, Quartz without our jitter: the same workflows deployed with disable_jitter = true.</summary>
    Baseline,
}
