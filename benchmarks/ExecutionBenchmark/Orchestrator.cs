using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Npgsql;
using StackExchange.Redis;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// The whole run: a fresh bench database, the simulator and the service as processes, the workflows deployed, then
/// the phases in order (per policy: floor and service at each concurrency, side by side; the open loop; the SKIP
/// path), and the JSON and Markdown written from what was measured.
/// </summary>
internal static class Orchestrator
{
    private const string FloorTagPrefix = "floor";

    private static readonly string[] ProfileSummaryFiles =
    [
        "service-trace-top-exclusive.txt", "service-trace-top-inclusive.txt", "service-trace-top-inclusive-400.txt",
        "service-trace-breakdown.txt", "service-counters-summary.txt",
    ];

    public static async Task<int> RunAsync(BenchmarkOptions options, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (options.Render is { } resultFile)
        {
            var earlier = JsonSerializer.Deserialize<BenchmarkReport>(await File.ReadAllTextAsync(resultFile, cancellationToken), Json.Options)!;
            await WriteAsync(options, Path.GetFullPath(options.Output), earlier, cancellationToken, writeJson: false);
            return 0;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var machine = MachineInfo.Read();
        var output = Path.GetFullPath(options.Output);
        Directory.CreateDirectory(output);
        var postgresVersion = await RunInfo.PostgresVersionAsync(options.MaintenanceConnectionString, cancellationToken);
        var gitCommit = await RunInfo.GitCommitAsync();
        Log.Progress("main", $"{machine.LogicalCpus} CPUs ({machine.CpuModel}), load {machine.LoadAverage}, PostgreSQL {postgresVersion}, commit {gitCommit}");

        Log.Progress("main", $"recreating database {options.Database}");
        await ScratchDatabase.RecreateAsync(options.MaintenanceConnectionString, options.Database, cancellationToken);

        var workload = Workload.Plan(options);
        using var processes = await ProcessesUnderTest.StartAsync(options, output, workload.HangingWorkflows, cancellationToken);
        int? serviceExitCode = null;
        RunFigures figures;
        try
        {
            figures = await MeasureAsync(options, workload, processes, output, cancellationToken);
        }
        finally
        {
            Log.Progress("main", "stopping the service and the engine simulator");
            serviceExitCode = await processes.StopAsync();
        }

        var report = new BenchmarkReport
        {
            Command = RunInfo.CommandLine("bash scripts/bench-executions.sh",
                args.Select(a => a.Contains("Password=", StringComparison.OrdinalIgnoreCase) ? RunInfo.WithoutPassword(a) : a)),
            Options = options with { Postgres = RunInfo.WithoutPassword(options.Postgres) },
            Machine = machine,
            LoadAverageAtEnd = MachineInfo.LoadAverageNow(),
            PostgresVersion = postgresVersion,
            RedisVersion = figures.RedisVersion,
            GitCommit = gitCommit,
            StartedAt = startedAt,
            FinishedAt = DateTimeOffset.UtcNow,
            ServiceEnvironment = processes.ServiceEnvironment,
            SimulatorEnvironment = Shortened(processes.SimulatorEnvironment),
            BackgroundTransactionsPerSecond = figures.BackgroundTransactionsPerSecond,
            Deploy = figures.Deploy,
            Steps = figures.Steps,
            SkipPath = figures.SkipPath,
            Profile = figures.Profile,
            ServiceLog = ServiceLogSummary.Read(processes.Service.LogPath),
            ServiceExitCode = serviceExitCode,
        };
        await WriteAsync(options, output, report, cancellationToken);
        return 0;
    }

    private static async Task<RunFigures> MeasureAsync(BenchmarkOptions options, Workload workload, ProcessesUnderTest processes, string output,
        CancellationToken cancellationToken)
    {
        // Several HTTP/2 connections when one's stream limit is reached: the open loop may have hundreds of calls in flight.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{processes.GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);
        var transactions = new TransactionCounter(options);
        var background = await BackgroundRateAsync(transactions, cancellationToken);
        Log.Progress("main", $"idle service: {background:F2} transactions/s on the bench database");

        Log.Progress("main", $"deploying {workload.Deployments.Count} workflows (manual triggers only)");
        var deploy = await Deployer.DeployAsync(client, workload.Deployments, cancellationToken);
        Log.Progress("main", $"deployed {deploy.Workflows} in {deploy.Seconds:F1} s ({deploy.PerSecond:F1}/s, p99 {deploy.LatencyMs.P99:F0} ms)");

        var maxWorkers = options.Concurrency.Max();
        await using var database = NpgsqlDataSource.Create(options.BenchConnectionString);
        // The floor is the minimum: Npgsql's reset of a pooled connection (DISCARD ALL, sent with the next statement)
        // is a transaction of its own, which would double the floor's count; the service pays it at its defaults.
        await using var floorDatabase = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(options.BenchConnectionString)
        {
            MaxPoolSize = maxWorkers + 8,
            NoResetOnClose = true,
        }.ConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options.Redis);
        var redisVersion = redis.GetServers().FirstOrDefault()?.Version.ToString() ?? "unknown";
        var ledger = new ExecutionLedger(database);
        await ledger.CreateFloorTableAsync(cancellationToken);
        var cpu = new CpuAccounting(processes.Service.Id, processes.Simulator.Id, options.Database);
        var measurer = new StepMeasurer(options, transactions, ledger, cpu);
        var load = new ServiceLoad(client);
        var floor = new FloorRunner(floorDatabase, redis.GetDatabase(), workload.FloorWorkflows);
        var profiler = new ServiceProfiler(output);

        await WarmUpAsync(options, workload, load, floor, ledger, cancellationToken);

        var steps = new List<StepResult>();
        ProfileFigures? profile = null;
        foreach (var policy in options.Policies)
        {
            var pool = workload.Pools[policy];
            var name = BenchmarkOptions.PolicyName(policy);
            foreach (var concurrency in options.Concurrency)
            {
                var seconds = TimeSpan.FromSeconds(options.SecondsAt(concurrency));
                if (options.Runs(BenchPhase.Floor))
                {
                    var tag = $"{FloorTagPrefix}-{name.ToLowerInvariant()}-c{concurrency}";
                    steps.Add(await measurer.MeasureAsync(
                        new StepPlan($"floor c={concurrency} ({name})", StepPlan.Floor, policy, concurrency, 0, seconds, tag, ExecutionLedger.FloorTable),
                        async (recorder, token) => (await floor.RunAsync(tag, concurrency, seconds, recorder, token), null), cancellationToken));
                }

                if (options.Runs(BenchPhase.ClosedLoop))
                {
                    var tag = $"service-{name.ToLowerInvariant()}-c{concurrency}";
                    steps.Add(await measurer.MeasureAsync(
                        new StepPlan($"{name} c={concurrency}", StepPlan.ClosedLoop, policy, concurrency, 0, seconds, tag, ExecutionLedger.ServiceTable),
                        async (recorder, token) => (await load.ClosedLoopAsync(pool, tag, concurrency, seconds, recorder, token), null),
                        cancellationToken));
                    if (options.TraceServiceSeconds > 0 && policy == Policy.Skip && concurrency == options.SustainConcurrency)
                    {
                        (var step, profile) = await ProfiledStepAsync(options, measurer, load, pool, profiler, processes.Service.Id, cancellationToken);
                        steps.Add(step);
                    }
                }
            }
        }

        if (options.Runs(BenchPhase.OpenLoop))
        {
            foreach (var policy in options.Policies)
            {
                var name = BenchmarkOptions.PolicyName(policy);
                var tag = $"open-{name.ToLowerInvariant()}-r{options.Rate}";
                var seconds = TimeSpan.FromSeconds(options.OpenLoopSeconds);
                steps.Add(await measurer.MeasureAsync(
                    new StepPlan($"{name} open loop {options.Rate}/s", StepPlan.OpenLoop, policy, 0, options.Rate, seconds, tag, ExecutionLedger.ServiceTable),
                    async (recorder, token) =>
                    {
                        var (calls, lag) = await load.OpenLoopAsync(workload.Pools[policy], tag, options.Rate, seconds, recorder, token);
                        return (calls, lag);
                    },
                    cancellationToken));
            }
        }

        SkipPathFigures? skipPath = null;
        if (options.Runs(BenchPhase.SkipPath))
        {
            var runner = new SkipPathRunner(client, load, ledger);
            skipPath = await runner.RoundsAsync(workload.SkipRoundWorkflows, options.SkipRoundSize, cancellationToken);
            Log.Progress("skip-path", $"{skipPath.Skipped} skipped in {skipPath.Rounds} rounds, latency p50 {skipPath.SkippedLatencyMs.P50:F1} / "
                + $"p99 {skipPath.SkippedLatencyMs.P99:F1} ms; every round admitted exactly one: {skipPath.AllRoundsCorrect}");

            // The sustained SKIP loop, at the concurrency the admitted path is judged at, for its transactions per skip.
            var hold = await runner.HoldAsync(workload.SkipHoldWorkflow, cancellationToken);
            var held = new WorkflowPool(Policy.Skip, [workload.SkipHoldWorkflow]);
            var seconds = TimeSpan.FromSeconds(options.SkipLoopSeconds);
            var concurrency = options.SustainConcurrency;
            steps.Add(await measurer.MeasureAsync(
                new StepPlan($"SKIP loop c={concurrency} (run held)", StepPlan.SkipLoop, Policy.Skip, concurrency, 0, seconds, "skip-loop", ExecutionLedger.ServiceTable),
                async (recorder, token) => (await load.ClosedLoopAsync(held, "skip-loop", concurrency, seconds, recorder, token), null),
                cancellationToken));
            await runner.ReleaseAsync(hold, cancellationToken);
        }

        return new RunFigures(redisVersion, background, deploy, steps, skipPath, profile);
    }

    /// <summary>
    /// The same load as the SKIP step at the sustained concurrency, right after it, with dotnet-trace and
    /// dotnet-counters attached in its middle. A step of its own: on two cores the profilers take a large share of the
    /// CPU, which would spoil the figures the targets are judged on. Its own figures show what profiling cost.
    /// </summary>
    private static async Task<(StepResult Step, ProfileFigures Profile)> ProfiledStepAsync(BenchmarkOptions options, StepMeasurer measurer,
        ServiceLoad load, WorkflowPool pool, ServiceProfiler profiler, int servicePid, CancellationToken cancellationToken)
    {
        var lead = TimeSpan.FromSeconds(5);
        var seconds = lead + TimeSpan.FromSeconds(options.TraceServiceSeconds) + lead;
        var concurrency = options.SustainConcurrency;
        var tag = $"service-skip-c{concurrency}-profiled";
        var step = await measurer.MeasureAsync(
            new StepPlan($"SKIP c={concurrency} (profiled)", StepPlan.Profiled, Policy.Skip, concurrency, 0, seconds, tag, ExecutionLedger.ServiceTable),
            async (recorder, token) => (await load.ClosedLoopAsync(pool, tag, concurrency, seconds, recorder, token), null),
            cancellationToken,
            async token =>
            {
                await Task.Delay(lead, token);
                Log.Progress("profile", $"dotnet-trace and dotnet-counters on the service for {options.TraceServiceSeconds} s");
                await profiler.CollectAsync(servicePid, options.TraceServiceSeconds, token);
            });
        return (step, await profiler.SummariseAsync(options.TraceServiceSeconds, cancellationToken));
    }

    /// <summary>Unmeasured load on every path the steps take, so JIT, pools and caches are warm when the first step starts.</summary>
    private static async Task WarmUpAsync(BenchmarkOptions options, Workload workload, ServiceLoad load, FloorRunner floor, ExecutionLedger ledger,
        CancellationToken cancellationToken)
    {
        if (options.WarmupSeconds == 0)
        {
            return;
        }

        var seconds = TimeSpan.FromSeconds(options.WarmupSeconds);
        Log.Progress("main", $"warming up for {options.WarmupSeconds} s per path (not measured)");
        await floor.RunAsync("warmup-floor", 4, seconds, new CallRecorder(), cancellationToken);
        foreach (var policy in options.Policies)
        {
            var tag = $"warmup-{BenchmarkOptions.PolicyName(policy).ToLowerInvariant()}";
            await load.ClosedLoopAsync(workload.Pools[policy], tag, 4, seconds, new CallRecorder(), cancellationToken);
            await ledger.DrainAsync(tag, TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken);
        }
    }

    /// <summary>
    /// The service's own background transactions (sweeper, scheduler check-in, gauges) over 10 idle seconds, taken
    /// before any load: a pooled connection that does background work would otherwise also report what it kept from the load.
    /// </summary>
    private static async Task<double> BackgroundRateAsync(TransactionCounter transactions, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(10);
        var before = await transactions.ReadAsync(cancellationToken);
        await Task.Delay(window, cancellationToken);
        var after = await transactions.ReadAsync(cancellationToken);
        return Math.Round((after - before) / window.TotalSeconds, 2);
    }

    private static async Task WriteAsync(BenchmarkOptions options, string output, BenchmarkReport report, CancellationToken cancellationToken,
        bool writeJson = true)
    {
        Directory.CreateDirectory(output);
        var json = JsonSerializer.Serialize(report, Json.Options);
        var jsonPath = Path.Combine(output, "executions.json");
        if (writeJson)
        {
            await File.WriteAllTextAsync(jsonPath, json, cancellationToken);
        }

        BenchmarkReport? baseline = null;
        if (options.CompareWith is { } comparePath)
        {
            baseline = JsonSerializer.Deserialize<BenchmarkReport>(await File.ReadAllTextAsync(comparePath, cancellationToken), Json.Options);
        }

        var markdown = MarkdownReport.Render(report, baseline, options.CompareWith);
        await File.WriteAllTextAsync(Path.Combine(output, "executions.md"), markdown, cancellationToken);
        var reportPath = Path.GetFullPath(options.Report);
        Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
        await File.WriteAllTextAsync(reportPath, markdown, cancellationToken);
        if (options.KeepAs is { } name)
        {
            Directory.CreateDirectory(RepositoryPaths.KeptResults);
            if (writeJson)
            {
                await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.KeptResults, name + ".json"), json, cancellationToken);
            }

            await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.KeptResults, name + ".md"), markdown, cancellationToken);
            KeepProfileSummaries(output, Path.Combine(RepositoryPaths.KeptResults, name + "-profile"));
        }

        Console.WriteLine(markdown);
        Log.Progress("main", (writeJson ? $"results: {jsonPath}; " : string.Empty) + $"report: {reportPath}"
            + (options.KeepAs is { } kept ? $"; kept as {Path.Combine(RepositoryPaths.KeptResults, kept)}.json/.md" : string.Empty));
    }

    /// <summary>The profilers' text summaries beside the kept results (the traces themselves stay in the output folder: they are large).</summary>
    private static void KeepProfileSummaries(string output, string directory)
    {
        var summaries = ProfileSummaryFiles.Select(f => Path.Combine(output, f)).Where(File.Exists).ToList();
        if (summaries.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        foreach (var file in summaries)
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }
    }

    /// <summary>The simulator's environment with the per-workflow hang overrides summed up (there are one per SKIP round).</summary>
    private static Dictionary<string, string> Shortened(IReadOnlyDictionary<string, string> environment)
    {
        var overrides = environment.Keys.Count(k => k.StartsWith("EngineSimulator__Workflows__", StringComparison.Ordinal));
        var shown = environment.Where(e => !e.Key.StartsWith("EngineSimulator__Workflows__", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value);
        shown["EngineSimulator__Workflows__<id>__Outcome"] = $"Hang ({overrides.ToString(CultureInfo.InvariantCulture)} SKIP-path workflows)";
        return shown;
    }

    private sealed record RunFigures(string RedisVersion, double BackgroundTransactionsPerSecond, DeployFigures Deploy,
        IReadOnlyList<StepResult> Steps, SkipPathFigures? SkipPath, ProfileFigures? Profile);
}

/// <summary>The workflows of a run, their ids made here: the pools per policy, the SKIP path's hanging ones, and the floor's.</summary>
internal sealed record Workload(
    IReadOnlyDictionary<Policy, WorkflowPool> Pools,
    Guid SkipHoldWorkflow,
    IReadOnlyList<Guid> SkipRoundWorkflows,
    IReadOnlyList<Guid> FloorWorkflows,
    IReadOnlyList<(Guid Id, Policy Policy, string Name)> Deployments)
{
    /// <summary>The workflows whose engine runs hang (the simulator is told their ids at start).</summary>
    public IReadOnlyList<Guid> HangingWorkflows => [SkipHoldWorkflow, .. SkipRoundWorkflows];

    public static Workload Plan(BenchmarkOptions options)
    {
        var pools = options.Policies.ToDictionary(p => p, p => new WorkflowPool(p, [.. Enumerable.Range(0, options.Workflows).Select(_ => Guid.NewGuid())]));
        var skipPath = options.Runs(BenchPhase.SkipPath);
        var hold = Guid.NewGuid();
        Guid[] rounds = skipPath ? [.. Enumerable.Range(0, options.SkipRounds).Select(_ => Guid.NewGuid())] : [];
        var deployments = new List<(Guid, Policy, string)>();
        foreach (var (policy, pool) in pools)
        {
            var prefix = $"exec-bench-{BenchmarkOptions.PolicyName(policy).ToLowerInvariant()}-";
            deployments.AddRange(pool.WorkflowIds.Select((id, i) => (id, policy, prefix + i.ToString("D5", CultureInfo.InvariantCulture))));
        }

        if (skipPath)
        {
            deployments.Add((hold, Policy.Skip, "exec-bench-skip-loop-held"));
            deployments.AddRange(rounds.Select((id, i) => (id, Policy.Skip, "exec-bench-skip-path-" + (i + 1).ToString("D2", CultureInfo.InvariantCulture))));
        }

        // The floor's workflows need no deployment: ten times as many, so a fast floor never comes round to one still in a cycle.
        return new Workload(pools, hold, rounds, [.. Enumerable.Range(0, options.Workflows * 10).Select(_ => Guid.NewGuid())], deployments);
    }
}
