using EngineSimulator;

var (app, errors) = EngineSimulatorApp.Build(args);
if (app is null)
{
    // Logging is not up while the configuration is broken: say it plainly on stderr, one line per problem.
    foreach (var error in errors)
    {
        await Console.Error.WriteLineAsync($"engine-simulator: invalid configuration: {error}");
    }

    return 1;
}

await using (app)
{
    await app.StartAsync();
    SimulatorLog.Started(app);
    await app.WaitForShutdownAsync();
}

return 0;
