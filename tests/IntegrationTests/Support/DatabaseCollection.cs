using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// Every test that uses the shared PostgreSQL test database runs in this collection, one at a time, because
/// each starts by emptying it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<SharedHostFixture>
{
    public const string Name = "database";
}

/// <summary>
/// One engine simulator on a real socket and one host for the collection (starting the host migrates the shared
/// database). The host runs with short tracking intervals so tests of timeouts and adoption finish in seconds.
/// </summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    internal EngineSimulation Engine { get; } = new(TimeProvider.System);

    internal RunningEngineSimulator EngineServer { get; private set; } = null!;

    internal RuntimeHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        EngineServer = await EngineSimulatorServer.StartAsync(Engine, FreePort.Next());
        Host = await StartHostAsync();
    }

    /// <summary>Another instance sharing the database, Redis and engine (or with <paramref name="settings"/> overrides).</summary>
    internal Task<RuntimeHost> StartHostAsync(IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>(FastTracking)
        {
            ["WorkflowRuntime:Engine:Address"] = EngineServer.Address,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return RuntimeHost.StartAsync(settings: configuration);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await EngineServer.DisposeAsync();
    }

    internal static IReadOnlyDictionary<string, string?> FastTracking { get; } = new Dictionary<string, string?>
    {
        ["WorkflowRuntime:Executions:PollInitialMs"] = "50",
        // Scheduling tests fire every two seconds; production keeps the 10 s minimum.
        ["WorkflowRuntime:Deployments:MinCronIntervalSeconds"] = "1",
        ["WorkflowRuntime:Executions:PollMaxMs"] = "200",
        ["WorkflowRuntime:Executions:HeartbeatIntervalSeconds"] = "1",
        ["WorkflowRuntime:Executions:StaleAfterSeconds"] = "5",
        ["WorkflowRuntime:Executions:SweepIntervalSeconds"] = "1",
        ["WorkflowRuntime:Executions:DrainTimeoutSeconds"] = "10",
    };
}
