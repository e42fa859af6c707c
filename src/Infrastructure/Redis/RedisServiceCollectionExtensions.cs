using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IDistributedLock"/>: Redis when <c>ConnectionStrings:Redis</c> is set (plus its health
    /// check), otherwise the in-process lock of the embedded profile.
    /// </summary>
    public static IServiceCollection AddDistributedLock(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<RedisOptions>()
            .Bind(configuration.GetSection(RedisOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        var connectionString = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<IDistributedLock, InProcessDistributedLock>();
            return services;
        }

        services.AddSingleton(sp => new RedisConnectionManager(
            connectionString,
            sp.GetRequiredService<IOptions<RedisOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisConnectionManager>>()));
        services.AddSingleton<IDependencyHealthCheck>(sp => sp.GetRequiredService<RedisConnectionManager>());
        services.AddSingleton<IDistributedLock, DistributedLockManager>();
        return services;
    }
}
