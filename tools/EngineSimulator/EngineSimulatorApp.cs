using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace EngineSimulator;

/// <summary>Builds the simulator host from configuration (appsettings.json, <c>EngineSimulator__*</c> variables, arguments).</summary>
public static class EngineSimulatorApp
{
    /// <summary>The host, or the configuration errors that stop it from starting (each naming its key).</summary>
    public static (WebApplication? App, IReadOnlyList<string> Errors) Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // One JSON object per line on stdout, like the runtime, so the same log pipeline reads both.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json => json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false });

        var options = new SimulatorOptions();
        builder.Configuration.GetSection(SimulatorOptions.SectionName).Bind(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, listen => listen.Protocols = HttpProtocols.Http2));

        var simulation = new EngineSimulation(TimeProvider.System, options.Default.ToBehaviour());
        foreach (var (workflowId, behaviour) in options.Workflows)
        {
            simulation.SetBehaviour(workflowId, behaviour.ToBehaviour());
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(simulation);
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks();

        var app = builder.Build();
        app.MapGrpcService<EngineSimulatorService>();
        app.MapGrpcHealthChecksService();
        return (app, errors);
    }
}
