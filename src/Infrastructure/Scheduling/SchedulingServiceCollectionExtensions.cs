using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>The scheduler port's adapter. For now the logging stand-in; the Quartz cluster replaces it.</summary>
    public static IServiceCollection AddCronScheduling(this IServiceCollection services)
    {
        services.TryAddSingleton<ICronScheduler, LoggingCronScheduler>();
        return services;
    }
}
