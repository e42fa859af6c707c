using System.Globalization;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// The engine simulator and the service, each its own process from its built binary, the service in the production
/// profile (PostgreSQL, Redis, the simulator's gRPC address) and without caller authentication
/// (<c>AllowInsecure</c>: no mTLS, no API keys), its JSON log in the output folder.
/// </summary>
internal sealed class ProcessesUnderTest : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private ProcessesUnderTest(ChildProcess simulator, ChildProcess service, int grpcPort,
        IReadOnlyDictionary<string, string> serviceEnvironment, IReadOnlyDictionary<string, string> simulatorEnvironment)
    {
        Simulator = simulator;
        Service = service;
        GrpcPort = grpcPort;
        ServiceEnvironment = serviceEnvironment;
        SimulatorEnvironment = simulatorEnvironment;
    }

    public ChildProcess Simulator { get; }

    public ChildProcess Service { get; }

    public int GrpcPort { get; }

    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; }

    public IReadOnlyDictionary<string, string> SimulatorEnvironment { get; }

    /// <summary>
    /// Starts the simulator (every run succeeds after the engine latency, except the workflows in
    /// <paramref name="hangingWorkflows"/>, whose runs stay RUNNING until canceled), migrates the bench database with
    /// the service's own <c>migrate</c> command, then starts the service and waits for <c>service_started</c>.
    /// </summary>
    public static async Task<ProcessesUnderTest> StartAsync(BenchmarkOptions options, string output, IReadOnlyList<Guid> hangingWorkflows,
        CancellationToken cancellationToken)
    {
        var invariant = CultureInfo.InvariantCulture;
        var simulatorPort = FreePort.Next();
        var simulatorEnvironment = new Dictionary<string, string>
        {
            ["EngineSimulator__Port"] = simulatorPort.ToString(invariant),
            ["EngineSimulator__Default__Outcome"] = "Success",
            ["EngineSimulator__Default__LatencyMs"] = options.EngineLatencyMs.ToString(invariant),
        };
        foreach (var workflowId in hangingWorkflows)
        {
            simulatorEnvironment[$"EngineSimulator__Workflows__{workflowId}__Outcome"] = "Hang";
        }

        var simulatorDll = RepositoryPaths.SimulatorDll(options);
        var serviceDll = RepositoryPaths.ServiceDll(options);
        var simulator = ChildProcess.Start("engine simulator", "dotnet", [simulatorDll], simulatorEnvironment,
            Path.Combine(output, "engine-simulator.log"), output);
        try
        {
            await simulator.WaitForLogLineAsync("Engine simulator listening on", StartTimeout, cancellationToken);
            Log.Progress("main", $"engine simulator pid {simulator.Id} on 127.0.0.1:{simulatorPort}: runs succeed after {options.EngineLatencyMs} ms, "
                + $"{hangingWorkflows.Count} workflows hang");

            var grpcPort = FreePort.Next();
            var serviceEnvironment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = options.BenchConnectionString,
                ["ConnectionStrings__Redis"] = options.Redis,
                ["WorkflowRuntime__Engine__Address"] = $"http://127.0.0.1:{simulatorPort}",
                ["WorkflowRuntime__Server__GrpcPort"] = grpcPort.ToString(invariant),
                ["WorkflowRuntime__Server__HttpPort"] = FreePort.Next().ToString(invariant),
                ["WorkflowRuntime__Server__InstanceId"] = "execution-bench",
                // The bench runs without mTLS and API keys: the production profile refuses to start that way unless told.
                ["WorkflowRuntime__Security__AllowInsecure"] = "true",
                // As the container image runs it (Dockerfile): server GC with dynamic adaptation.
                ["DOTNET_gcServer"] = "1",
                ["DOTNET_GCDynamicAdaptationMode"] = "1",
            };

            using (var migrate = ChildProcess.Start("migrate", "dotnet", [serviceDll, "migrate"], serviceEnvironment,
                       Path.Combine(output, "service-migrate.log"), output))
            {
                var exitCode = await migrate.WaitForExitAsync(StartTimeout, cancellationToken);
                if (exitCode != 0)
                {
                    throw new InvalidOperationException($"migrate exited with code {exitCode}:\n{migrate.Tail()}");
                }
            }

            var service = ChildProcess.Start("service", "dotnet", [serviceDll], serviceEnvironment, Path.Combine(output, "service.log"), output);
            try
            {
                await service.WaitForLogLineAsync("\"event\":\"service_started\"", StartTimeout, cancellationToken);
            }
            catch
            {
                service.Dispose();
                throw;
            }

            Log.Progress("main", $"service pid {service.Id} on 127.0.0.1:{grpcPort} (production profile, database {options.Database}, log {service.LogPath})");
            var shown = serviceEnvironment.ToDictionary(e => e.Key, e => e.Key == "ConnectionStrings__Postgres" ? RunInfo.WithoutPassword(e.Value) : e.Value);
            return new ProcessesUnderTest(simulator, service, grpcPort, shown, simulatorEnvironment);
        }
        catch
        {
            simulator.Dispose();
            throw;
        }
    }

    /// <summary>SIGTERM to the service (it drains its runs), then to the simulator; the service's exit code, or null if it was killed.</summary>
    public async Task<int?> StopAsync()
    {
        var exitCode = await Service.StopAsync(TimeSpan.FromSeconds(45));
        await Simulator.StopAsync(TimeSpan.FromSeconds(10));
        return exitCode;
    }

    public void Dispose()
    {
        Service.Dispose();
        Simulator.Dispose();
    }
}
