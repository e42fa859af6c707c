using System.Diagnostics;
using System.Text.Json;
using WorkflowRuntime.Benchmarks.Scheduler;

// Orchestrator by default; with --child-phase it runs one phase (started by the orchestrator in a fresh process).
BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

using var signals = new StopSignals();
var stop = signals.Source;

try
{
    if (options.ChildPhase is { } childPhase)
    {
        var phase = Enum.Parse<Phase>(childPhase, ignoreCase: true);
        _ = StopWhenParentExitsAsync(options.ParentPid, stop);
        var result = await PhaseRunner.RunAsync(options, phase, stop.Token);
        await File.WriteAllTextAsync(options.ResultFile!, JsonSerializer.Serialize(result, Json.Options), stop.Token);
        return 0;
    }

    return await Orchestrator.RunAsync(options, args, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("benchmark canceled");
    return 130;
}

// A phase process never outlives the orchestrator that started it (no orphan load on a shared machine).
static async Task StopWhenParentExitsAsync(int? parentPid, CancellationTokenSource stop)
{
    if (parentPid is not { } pid)
    {
        return;
    }

    while (!stop.IsCancellationRequested)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        try
        {
            using var parent = Process.GetProcessById(pid);
            if (!parent.HasExited)
            {
                continue;
            }
        }
        catch (ArgumentException)
        {
            // No such process any more.
        }

        await Console.Error.WriteLineAsync("the orchestrator is gone; stopping this phase");
        await stop.CancelAsync();
    }
}
