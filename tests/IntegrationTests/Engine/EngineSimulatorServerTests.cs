using System.Net;
using System.Net.Sockets;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Engine;

public sealed class EngineSimulatorServerTests
{
    [Fact]
    public async Task Start_OnAPortInUse_FailsInsteadOfServingNothing()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await Assert.ThrowsAnyAsync<IOException>(
            () => EngineSimulatorServer.StartAsync(new EngineSimulation(TimeProvider.System), port));
    }

    [Fact]
    public async Task Start_ServesOnTheGivenLoopbackPort_AndDisposeFreesIt()
    {
        var port = FreePort.Next();
        var simulation = new EngineSimulation(TimeProvider.System);

        await using (var server = await EngineSimulatorServer.StartAsync(simulation, port))
        {
            Assert.Equal($"http://127.0.0.1:{port}", server.Address);
            using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(server.Address));
            Assert.True((await engine.CheckAsync()).Healthy);
        }

        // Stopped: the port can be bound again.
        using var rebound = new TcpListener(IPAddress.Loopback, port);
        rebound.Start();
    }
}
