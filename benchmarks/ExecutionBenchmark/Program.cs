using System.Runtime.InteropServices;
using WorkflowRuntime.Benchmarks.Executions;

// The load generator: starts the engine simulator and the service as processes, measures, writes the report.
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

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// SIGTERM too: the orchestrator must get to stop the service and the simulator it started (no orphan load).
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

try
{
    return await Orchestrator.RunAsync(options, args, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("benchmark canceled");
    return 130;
}
