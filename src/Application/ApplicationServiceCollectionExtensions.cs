using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Scheduling;

namespace WorkflowRuntime.Application;

public static class ApplicationServiceCollectionExtensions
{
    /// <summary>
    /// The application layer's services and settings. The host adds the ports' adapters (persistence, lock, engine,
    /// scheduler) and the background loops that drive the tracker, sweeper and reconciler.
    /// </summary>
    public static IServiceCollection AddApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DeploymentOptions>().Bind(configuration.GetSection(DeploymentOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExecutionOptions>().Bind(configuration.GetSection(ExecutionOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutionOptions>, ExecutionOptionsValidator>());

        // Use cases: every public *Service and *Coordinator of this assembly, one instance per call (they hold the
        // call's repositories and unit of work).
        services.Scan(scan => scan.FromAssemblyOf<DeploymentService>()
            .AddClasses(classes => classes.Where(type => type.Name.EndsWith("Service", StringComparison.Ordinal)
                || type.Name.EndsWith("Coordinator", StringComparison.Ordinal)), publicOnly: true)
            .AsSelf()
            .WithScopedLifetime());

        // The steps of a trigger: the ones that read or write through the call's repositories live per call, the
        // pure and the process-wide ones once.
        services.AddSingleton<TriggerValidator>();
        services.AddScoped<TriggerTargets>();
        services.AddScoped<ExecutionAdmission>();
        services.AddSingleton<ExecutionLauncher>();
        services.AddSingleton<ActiveRunReplacer>();
        services.AddSingleton<PendingRunSignal>();
        services.AddSingleton<PendingRunStarter>();

        // Process-wide state: the deployment cache, and the runs this instance follows until they end.
        services.AddSingleton<DeploymentCache>();
        services.AddSingleton<ExecutionStateWriter>();
        services.AddSingleton<ExecutionTracker>();
        services.AddSingleton<ExecutionSweeper>();
        services.AddSingleton<SuspectedOrphans>();
        services.AddScoped<CronScheduleReconciler>();
        return services;
    }
}
