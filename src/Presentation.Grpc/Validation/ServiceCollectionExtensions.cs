using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;

namespace WorkflowRuntime.Presentation.Grpc.Validation;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// The edge of the host: field limits from the options, the request validator, and decoding-safe binding of every
    /// gRPC service in place of grpc-dotnet's own binder (call after <c>AddGrpc</c>).
    /// </summary>
    public static IServiceCollection AddRequestValidation(this IServiceCollection services)
    {
        services.AddSingleton(provider => new FieldLimits(
            provider.GetRequiredService<IOptions<DeploymentOptions>>().Value,
            provider.GetRequiredService<IOptions<ExecutionOptions>>().Value));
        services.AddSingleton<RequestValidator>();
        services.AddDecodingSafeGrpcBinding();
        return services;
    }

    public static IServiceCollection AddDecodingSafeGrpcBinding(this IServiceCollection services)
    {
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(DecodingSafeServiceMethodProvider<>));
        return services;
    }

    /// <summary>The receive limit from the configured payload limits (read before the options exist, like the drain timeout).</summary>
    public static int MaxReceiveMessageSize(IConfiguration configuration) => new FieldLimits(
        configuration.GetSection(DeploymentOptions.SectionName).Get<DeploymentOptions>() ?? new DeploymentOptions(),
        configuration.GetSection(ExecutionOptions.SectionName).Get<ExecutionOptions>() ?? new ExecutionOptions()).MaxReceiveMessageSize;
}
