using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Infrastructure.Scheduling.Lag;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;

namespace WorkflowRuntime.Infrastructure.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>Quartz's scheduler name: every replica of a cluster shares it (and its rows in the job store).</summary>
    internal const string SchedulerName = "workflow-runtime";

    /// <summary>
    /// Quartz behind the scheduler port. With PostgreSQL: a clustered ADO job store (instance id AUTO, schema
    /// provisioned by Quartz, System.Text.Json job data, our jittered trigger's persistence delegate). Embedded: the
    /// in-memory store, filled from the deployments table by the reconciler at start.
    /// </summary>
    public static IServiceCollection AddCronScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SchedulingOptions>().Bind(configuration.GetSection(SchedulingOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        // Quartz is configured before the container exists, so read (and validate, at start) the same section here.
        var settings = configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions();
        var catchUpWindow = TimeSpan.FromSeconds(Math.Max(1, settings.CatchUpWindowSeconds));
        var postgres = configuration.GetConnectionString(PersistenceOptions.PostgresConnectionStringName);

        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = SchedulerName;
                scheduler.GenerateInstanceId = true; // instanceId = AUTO
            });
            quartz.UseDefaultThreadPool(Math.Max(1, settings.MaxConcurrency));
            if (string.IsNullOrWhiteSpace(postgres))
            {
                quartz.UseInMemoryStore(store => store.MisfireThreshold = catchUpWindow);
            }
            else
            {
                quartz.UsePersistentStore(store =>
                {
                    store.UsePostgres(PersistenceServiceCollectionExtensions.WithoutErrorDetail(postgres));
                    store.UseSystemTextJsonSerializer(_ => { });
                    store.UseClustering(cluster =>
                    {
                        cluster.CheckinInterval = TimeSpan.FromMilliseconds(settings.ClusterCheckinIntervalMs);
                        cluster.CheckinMisfireThreshold = TimeSpan.FromMilliseconds(settings.ClusterCheckinIntervalMs * 2);
                    });
                    store.UseTriggerPersistenceDelegate<JitteredCronTriggerPersistenceDelegate>();
                    store.ProvisionSchema();
                    store.ConfigureStore(ado =>
                    {
                        ado.TablePrefix = "qrtz_";
                        ado.MisfireThreshold = catchUpWindow;
                    });
                });
            }

            quartz.AddTriggerListener<MissedFireListener>([GroupMatcher<TriggerKey>.GroupEquals(QuartzKeys.Group)]);
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        services.TryAddSingleton(TimeProvider.System);
        AddLagHealth(services, postgres);
        services.AddSingleton<QuartzCronScheduler>();
        services.TryAddSingleton<ICronScheduler>(sp => sp.GetRequiredService<QuartzCronScheduler>());
        return services;
    }

    private static void AddLagHealth(IServiceCollection services, string? postgres)
    {
        if (string.IsNullOrWhiteSpace(postgres))
        {
            services.AddSingleton<ISchedulerLagProbe>(sp => new InMemorySchedulerLagProbe(
                sp.GetRequiredService<ISchedulerFactory>(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.AddSingleton<ISchedulerLagProbe>(sp => new PostgresSchedulerLagProbe(
                PersistenceServiceCollectionExtensions.WithoutErrorDetail(postgres), SchedulerName, sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<IDependencyHealthCheck>(sp => new SchedulerLagHealthCheck(
            sp.GetRequiredService<ISchedulerLagProbe>(),
            sp.GetRequiredService<IOptions<SchedulingOptions>>(),
            TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<PersistenceOptions>>().Value.HealthCheckTimeoutMs),
            sp.GetRequiredService<ILogger<SchedulerLagHealthCheck>>()));
    }
}
