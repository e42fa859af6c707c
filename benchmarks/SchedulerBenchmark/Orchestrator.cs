using System.Diagnostics;
using System.Text.Json;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>
/// Runs the phases one after the other, each in a fresh child process against a freshly recreated database, with one
/// engine simulator (in this process) serving both; then writes the JSON and Markdown summaries.
/// </summary>
internal static class Orchestrator
{
    /// <summary>Runs finished long ago are forgotten only beyond this many, so a slow tracker never finds its run gone.</summary>
    private const int SimulatorRetainedRuns = 100_000;

    public static async Task<int> RunAsync(BenchmarkOptions options, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var machine = MachineInfo.Read();
        Directory.CreateDirectory(options.Output);
        var postgresVersion = await RunInfo.PostgresVersionAsync(options.MaintenanceConnectionString, cancellationToken);

        var simulation = new EngineSimulation(TimeProvider.System,
            SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(options.EngineLatencyMs)), SimulatorRetainedRuns);
        var engine = await EngineSimulatorServer.StartAsync(simulation, FreePort.Next(), cancellationToken);
        await using var __ = engine;
        PhaseRunner.Progress("main", $"engine simulator on {engine.Address} (runs succeed after {options.EngineLatencyMs} ms); "
            + $"{machine.LogicalCpus} CPUs, {machine.CpuModel}, load {machine.LoadAverage}");

        var results = new List<PhaseResult>();
        foreach (var phase in options.SelectedPhases)
        {
            var label = phase.ToString().ToLowerInvariant();
            simulation.Reset();
            PhaseRunner.Progress("main", $"recreating database {options.Database} for the {label} phase");
            await BenchDatabase.RecreateAsync(options, cancellationToken);
            var resultFile = Path.GetFullPath(Path.Combine(options.Output, $"phase-{label}.json"));
            File.Delete(resultFile);

            var exitCode = await RunChildAsync(options, phase, engine.Address, resultFile, cancellationToken);
            if (exitCode != 0 || !File.Exists(resultFile))
            {
                await Console.Error.WriteLineAsync($"the {label} phase failed (exit code {exitCode}); see the output above.");
                return 1;
            }

            results.Add(JsonSerializer.Deserialize<PhaseResult>(await File.ReadAllTextAsync(resultFile, cancellationToken), Json.Options)!);
        }

        var report = new BenchmarkReport
        {
            Command = RunInfo.CommandLine("dotnet run -c Release --project benchmarks/SchedulerBenchmark --", args),
            Options = options with { Postgres = RunInfo.WithoutPassword(options.Postgres) },
            Machine = machine,
            PostgresVersion = postgresVersion,
            GitCommit = await RunInfo.GitCommitAsync(),
            StartedAt = startedAt,
            FinishedAt = DateTimeOffset.UtcNow,
            Phases = results,
        };
        var markdown = MarkdownReport.Render(report);
        await File.WriteAllTextAsync(Path.Combine(options.Output, "scheduler.json"), JsonSerializer.Serialize(report, Json.Options), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(options.Output, "scheduler.md"), markdown, cancellationToken);
        Console.WriteLine(markdown);
        PhaseRunner.Progress("main", $"summary written to {Path.GetFullPath(options.Output)}/scheduler.md and scheduler.json");
        return 0;
    }

    /// <summary>The phase in a fresh process: its memory figures and JIT/pool warm-up owe nothing to an earlier phase.</summary>
    private static async Task<int> RunChildAsync(BenchmarkOptions options, Phase phase, string engineAddress, string resultFile,
        CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Orchestrator).Assembly.Location);
        }

        foreach (var argument in options.ToArguments()
                     .Concat(["--child-phase", phase.ToString(), "--engine-address", engineAddress, "--result-file", resultFile,
                         "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the phase process");
        // Deploy, the window, settling (two catch-up windows at most) and shutdown, with a generous margin.
        var limit = TimeSpan.FromMinutes(options.Minutes + 30 + (options.Workflows / 1000.0));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await child.WaitForExitAsync(timeout.Token);
            return child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            PhaseRunner.Progress("main", $"stopping the phase process {child.Id} ({(cancellationToken.IsCancellationRequested ? "canceled" : $"over its limit of {limit.TotalMinutes:F0} min")})");
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return -1;
        }
    }
}
