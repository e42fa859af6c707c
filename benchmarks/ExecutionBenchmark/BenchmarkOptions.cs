using System.Globalization;
using System.Text.Json.Serialization;
using Npgsql;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// Command-line options. Every option has a default, so a bare run is the run (about 12 minutes of steps); a smoke run
/// shortens the steps, e.g. <c>--seconds 3 --sustain-seconds 3 --open-loop-seconds 3 --skip-rounds 2</c>.
/// </summary>
internal sealed record BenchmarkOptions
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime";

    /// <summary>Server, role and pool settings; the database is always <see cref="Database"/>.</summary>
    public string Postgres { get; init; } = DefaultPostgres;

    /// <summary>Dropped and recreated at the start of every run; must contain "bench".</summary>
    public string Database { get; init; } = "workflow_runtime_bench_exec";

    public string Redis { get; init; } = "127.0.0.1:6379";

    /// <summary>Length of a closed-loop step (floor and service) at every concurrency but <see cref="SustainConcurrency"/>.</summary>
    public int Seconds { get; init; } = 20;

    /// <summary>Length of the steps at <see cref="SustainConcurrency"/>: the issue asks for a sustained 60 s there.</summary>
    public int SustainSeconds { get; init; } = 60;

    /// <summary>The concurrency the targets are stated at; it runs <see cref="SustainSeconds"/> and is the one profiled.</summary>
    public int SustainConcurrency { get; init; } = 32;

    public IReadOnlyList<int> Concurrency { get; init; } = [4, 16, 32, 64];

    /// <summary>Open loop: calls per second, sent on a fixed schedule whatever the answers.</summary>
    public int Rate { get; init; } = 300;

    public int OpenLoopSeconds { get; init; } = 30;

    public IReadOnlyList<Policy> Policies { get; init; } = [Policy.Skip, Policy.AllowAll];

    public IReadOnlyList<BenchPhase> Phases { get; init; } = [BenchPhase.Floor, BenchPhase.ClosedLoop, BenchPhase.OpenLoop, BenchPhase.SkipPath];

    /// <summary>Pre-deployed workflows per policy, triggered round robin (a workflow comes round again only after its last run ended).</summary>
    public int Workflows { get; init; } = 1000;

    /// <summary>SKIP path: rounds of concurrent triggers, each round on a new workflow whose engine runs hang.</summary>
    public int SkipRounds { get; init; } = 20;

    public int SkipRoundSize { get; init; } = 100;

    /// <summary>SKIP path: the sustained loop of <see cref="SustainConcurrency"/> workers on one workflow whose run is held (transactions per skip).</summary>
    public int SkipLoopSeconds { get; init; } = 20;

    /// <summary>How long a simulated engine run stays RUNNING before it succeeds.</summary>
    public int EngineLatencyMs { get; init; } = 50;

    /// <summary>Bound of the wait, after a step, for every execution it started to be terminal.</summary>
    public int DrainSeconds { get; init; } = 60;

    /// <summary>Unmeasured closed-loop load before the first step, so JIT and pools are warm in every measured step.</summary>
    public int WarmupSeconds { get; init; } = 10;

    /// <summary>
    /// Seconds of dotnet-trace and dotnet-counters on the service under the SKIP load at <see cref="SustainConcurrency"/>
    /// (in an extra step right after that one, so the profilers' CPU does not spoil its figures); 0 = none.
    /// </summary>
    public int TraceServiceSeconds { get; init; }

    public string Output { get; init; } = "artifacts/benchmarks/executions";

    /// <summary>The Markdown report generated from the run's JSON.</summary>
    public string Report { get; init; } = "docs/benchmarks/executions.md";

    /// <summary>When set, the run's JSON and report are also kept as docs/benchmarks/execution-results/&lt;name&gt;.{json,md}.</summary>
    public string? KeepAs { get; init; }

    /// <summary>A result JSON of an earlier run (e.g. the kept "before"): the report adds a comparison with it.</summary>
    public string? CompareWith { get; init; }

    /// <summary>
    /// Measure nothing: render the report (and --keep-as copies) from this result JSON of an earlier run, e.g. after
    /// the report's layout changed.
    /// </summary>
    public string? Render { get; init; }

    /// <summary>The service's build output (WorkflowRuntime.dll); default: the build beside this benchmark's.</summary>
    public string? ServiceDll { get; init; }

    /// <summary>The engine simulator's build output (EngineSimulator.dll); default: the build beside this benchmark's.</summary>
    public string? SimulatorDll { get; init; }

    [JsonIgnore]
    public string BenchConnectionString =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = Database }.ConnectionString;

    [JsonIgnore]
    public string MaintenanceConnectionString =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = "postgres", Pooling = false }.ConnectionString;

    public int SecondsAt(int concurrency) => concurrency == SustainConcurrency ? SustainSeconds : Seconds;

    public bool Runs(BenchPhase phase) => Phases.Contains(phase);

    public const string Usage = """
        usage: ExecutionBenchmark [--seconds 20] [--sustain-seconds 60] [--sustain-concurrency 32] [--concurrency 4,16,32,64]
                                  [--rate 300] [--open-loop-seconds 30] [--policies skip,allow_all]
                                  [--phases floor,closed-loop,open-loop,skip-path] [--workflows 1000]
                                  [--skip-rounds 20] [--skip-round-size 100] [--skip-loop-seconds 20] [--engine-latency-ms 50]
                                  [--drain-seconds 60] [--warmup-seconds 10] [--trace-service 0] [--output artifacts/benchmarks/executions]
                                  [--report docs/benchmarks/executions.md] [--keep-as <name>] [--compare-with <result.json>]
                                  [--render <result.json>]
                                  [--postgres "<conn>"] [--database workflow_runtime_bench_exec] [--redis 127.0.0.1:6379]
                                  [--service-dll <WorkflowRuntime.dll>] [--simulator-dll <EngineSimulator.dll>]
        """;

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        foreach (var (name, value) in CommandLine.Pairs(args, Usage))
        {
            options = name switch
            {
                "--seconds" => options with { Seconds = CommandLine.PositiveInt(name, value) },
                "--sustain-seconds" => options with { SustainSeconds = CommandLine.PositiveInt(name, value) },
                "--sustain-concurrency" => options with { SustainConcurrency = CommandLine.PositiveInt(name, value) },
                "--concurrency" => options with { Concurrency = [.. value.Split(',').Select(v => CommandLine.PositiveInt(name, v.Trim()))] },
                "--rate" => options with { Rate = CommandLine.PositiveInt(name, value) },
                "--open-loop-seconds" => options with { OpenLoopSeconds = CommandLine.PositiveInt(name, value) },
                "--policies" => options with { Policies = [.. value.Split(',').Select(v => ParsePolicy(v.Trim()))] },
                "--phases" => options with { Phases = [.. value.Split(',').Select(v => ParsePhase(v.Trim()))] },
                "--workflows" => options with { Workflows = CommandLine.PositiveInt(name, value) },
                "--skip-rounds" => options with { SkipRounds = CommandLine.PositiveInt(name, value) },
                "--skip-round-size" => options with { SkipRoundSize = CommandLine.PositiveInt(name, value) },
                "--skip-loop-seconds" => options with { SkipLoopSeconds = CommandLine.PositiveInt(name, value) },
                "--engine-latency-ms" => options with { EngineLatencyMs = NonNegativeInt(name, value) },
                "--drain-seconds" => options with { DrainSeconds = CommandLine.PositiveInt(name, value) },
                "--warmup-seconds" => options with { WarmupSeconds = NonNegativeInt(name, value) },
                "--trace-service" => options with { TraceServiceSeconds = NonNegativeInt(name, value) },
                "--output" => options with { Output = value },
                "--report" => options with { Report = value },
                "--keep-as" => options with { KeepAs = KeepName(value) },
                "--compare-with" => options with { CompareWith = value },
                "--render" => options with { Render = value },
                "--postgres" => options with { Postgres = value },
                "--database" => options with { Database = value },
                "--redis" => options with { Redis = value },
                "--service-dll" => options with { ServiceDll = value },
                "--simulator-dll" => options with { SimulatorDll = value },
                _ => throw new ArgumentException($"unknown option {name}.\n{Usage}"),
            };
        }

        ScratchDatabase.EnsureBenchName(options.Database, "--database");
        if (options.SkipRoundSize < 2)
        {
            throw new ArgumentException("--skip-round-size must be at least 2: one trigger is admitted, the others must be skipped.");
        }

        return options;
    }

    public static string PolicyName(Policy policy) => policy == Policy.Skip ? "SKIP" : "ALLOW_ALL";

    public static string PhaseName(BenchPhase phase) => phase switch
    {
        BenchPhase.Floor => "floor",
        BenchPhase.ClosedLoop => "closed-loop",
        BenchPhase.OpenLoop => "open-loop",
        _ => "skip-path",
    };

    private static Policy ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "skip" => Policy.Skip,
        "allow_all" or "allow-all" => Policy.AllowAll,
        _ => throw new ArgumentException($"--policies takes skip and allow_all, not '{value}'."),
    };

    private static BenchPhase ParsePhase(string value)
    {
        foreach (var phase in Enum.GetValues<BenchPhase>())
        {
            if (string.Equals(PhaseName(phase), value, StringComparison.OrdinalIgnoreCase))
            {
                return phase;
            }
        }

        throw new ArgumentException($"--phases takes floor, closed-loop, open-loop and skip-path, not '{value}'.");
    }

    private static string KeepName(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !value.StartsWith('.')
            ? value
            : throw new ArgumentException($"--keep-as names a file in docs/benchmarks/execution-results: letters, digits, '-', '_' and '.', not '{value}'.");

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"{name} must be a whole number ≥ 0, not '{value}'.");
}

internal enum Policy
{
    Skip,
    AllowAll,
}

internal enum BenchPhase
{
    /// <summary>The bare floor: what one execution needs, straight on PostgreSQL and Redis, before each service step.</summary>
    Floor,

    /// <summary>N workers calling TriggerWorkflow back to back.</summary>
    ClosedLoop,

    /// <summary>Calls on a fixed schedule, whatever the answers (no coordinated omission).</summary>
    OpenLoop,

    /// <summary>Rounds of concurrent triggers on a SKIP workflow whose run hangs: one admitted, the others skipped.</summary>
    SkipPath,
}
