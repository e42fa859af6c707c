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

using var signals = new StopSignals();
var stop = signals.Source;

try
{
    return await Orchestrator.RunAsync(options, args, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("benchmark canceled");
    return 130;
}
