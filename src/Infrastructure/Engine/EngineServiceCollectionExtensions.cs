using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.Infrastructure.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IWorkflowEngine"/>: the gRPC client (plus its health check) when
    /// <c>WorkflowRuntime:Engine:Address</c> is set, otherwise the embedded simulated engine, whose runs succeed after
    /// <c>WorkflowRuntime:Engine:SimulatedLatencyMs</c>.
    /// </summary>
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection(EngineOptions.SectionName);
        services.AddOptions<EngineOptions>()
            .Bind(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        if (!string.IsNullOrWhiteSpace(section[nameof(EngineOptions.Address)]))
        {
            services.AddSingleton<GrpcWorkflowEngine>();
            services.AddSingleton<IWorkflowEngine>(sp => sp.GetRequiredService<GrpcWorkflowEngine>());
            services.AddSingleton<IDependencyHealthCheck>(sp => sp.GetRequiredService<GrpcWorkflowEngine>());
            return services;
        }

        services.AddSingleton(sp => new EngineSimulation(
            sp.GetRequiredService<TimeProvider>(),
            SimulatedBehaviour.Success(sp.GetRequiredService<IOptions<EngineOptions>>().Value.SimulatedLatency)));
        services.AddSingleton<IWorkflowEngine, SimulatedWorkflowEngine>();
        services.AddSingleton<IDependencyHealthCheck, SimulatedEngineHealthCheck>();
        return services;
    }
}
