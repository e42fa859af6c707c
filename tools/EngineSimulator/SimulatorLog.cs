namespace EngineSimulator;

/// <summary>The simulator's own log events.</summary>
internal static partial class SimulatorLog
{
    /// <summary>Logs <c>engine_simulator_started</c> with the address and the behaviours in force, once the port is open.</summary>
    public static void Started(WebApplication app)
    {
        var options = app.Services.GetRequiredService<SimulatorOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EngineSimulator");
        Started(logger, options.BindAddress, options.Port, options.Default.Outcome, options.Default.LatencyMs, options.Workflows.Count);
    }

    [LoggerMessage(EventId = 1, EventName = "engine_simulator_started", Level = LogLevel.Information,
        Message = "Engine simulator listening on {BindAddress}:{Port}: default outcome {Outcome} after {LatencyMs} ms, {Overrides} per-workflow overrides; a simulator, never a production engine")]
    private static partial void Started(ILogger logger, string bindAddress, int port, string outcome, int latencyMs, int overrides);
}
