using RuntimeSmokeClient;

var arguments = SmokeArguments.Parse(args, out var error);
if (arguments is null)
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(arguments.TimeoutSeconds + 30));
return await new SmokeRun(arguments, Console.Out).RunAsync(timeout.Token);
