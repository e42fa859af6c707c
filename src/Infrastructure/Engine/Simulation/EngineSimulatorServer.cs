using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>Serves an <see cref="EngineSimulation"/> as the engine's gRPC service on loopback, for tests and benchmarks.</summary>
public static class EngineSimulatorServer
{
    /// <summary>Starts Kestrel on <c>127.0.0.1:<paramref name="port"/></c>, cleartext HTTP/2 only; dispose the handle to stop it.</summary>
    public static async Task<RunningEngineSimulator> StartAsync(EngineSimulation simulation, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(simulation);

        // The empty builder reads no configuration and logs nothing: the simulator is the same wherever it runs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(simulation);
        var app = builder.Build();
        app.MapGrpcService<EngineSimulatorService>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new RunningEngineSimulator(app, $"http://127.0.0.1:{port}");
    }
}

/// <summary>A started simulator; disposing it stops it.</summary>
public sealed class RunningEngineSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    internal RunningEngineSimulator(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:50051</c>: the value for <see cref="EngineOptions.Address"/>.</summary>
    public string Address { get; }

    /// <summary>Stops serving and frees the port; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
