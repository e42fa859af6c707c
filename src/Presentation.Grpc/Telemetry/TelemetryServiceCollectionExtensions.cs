using Npgsql;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Infrastructure.Redis;
using WorkflowRuntime.Presentation.Grpc.Health;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Telemetry;

/// <summary>
/// OpenTelemetry for the host (ADR 0016): our <c>WorkflowRuntime</c> source and meter plus ASP.NET Core/gRPC server,
/// HttpClient (the engine's gRPC channel), Npgsql, Redis and runtime instrumentation; Prometheus on <c>/metrics</c>;
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Also the dependency checks on ASP.NET Core HealthChecks.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "workflow-runtime";

    /// <summary>Call after the engine and the lock are registered: they get their instrumented decorators here.</summary>
    public static IServiceCollection AddWorkflowRuntimeTelemetry(this IServiceCollection services, IConfiguration configuration,
        ServerOptions server, RuntimeInstance instance)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        var telemetry = new TelemetryOptions();
        configuration.GetSection(TelemetryOptions.SectionName).Bind(telemetry);

        services.Decorate<IWorkflowEngine, InstrumentedWorkflowEngine>();
        services.Decorate<IDistributedLock, InstrumentedDistributedLock>();
        services.AddScoped<IDeploymentCensus, EfDeploymentCensus>();
        services.AddHostedService<TelemetrySampler>();
        AddHealthChecks(services, server, telemetry);

        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: instance.Version,
                serviceInstanceId: instance.InstanceId))
            .WithTracing(tracing =>
            {
                tracing.AddSource(WorkflowRuntimeTelemetry.Name)
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path));
                if (telemetry.TraceDependencies ?? otlp)
                {
                    // Grpc.Net.Client: grpc-dotnet's client call span, between engine.* and the HTTP/2 request.
                    tracing.AddSource("Grpc.Net.Client")
                        .AddHttpClientInstrumentation()
                        .AddNpgsql()
                        .AddRedisInstrumentation()
                        .ConfigureRedisInstrumentation((sp, redis) => InstrumentRedis(sp, redis));
                }

                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(WorkflowRuntimeTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (telemetry.PrometheusEnabled)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        WorkflowRuntimeTelemetry.EnsureCreated();
        return services;
    }

    /// <summary><c>GET /metrics</c> on the HTTP port only (the gRPC port speaks HTTP/2 to clients, not to Prometheus).</summary>
    public static void MapWorkflowRuntimeMetrics(this WebApplication app, int httpPort)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.PrometheusEnabled)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{httpPort}");
        }
    }

    private static void AddHealthChecks(IServiceCollection services, ServerOptions server, TelemetryOptions telemetry)
    {
        services.AddHealthChecks();
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<HealthCheckServiceOptions>>(sp =>
            new DependencyHealthRegistration(sp.GetServices<IDependencyHealthCheck>(),
                TimeSpan.FromMilliseconds(server.StartupCheckTimeoutMs)));
        services.AddSingleton<IHealthCheckPublisher, DependencyHealthPublisher>();
        services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.FromSeconds(1);
            options.Period = TimeSpan.FromSeconds(telemetry.SampleIntervalSeconds);
        });
    }

    // Probes and scrapes every few seconds would drown the traces that matter.
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Redis connection is made lazily by its manager; each new one is handed to the instrumentation.</summary>
    private static void InstrumentRedis(IServiceProvider services, StackExchangeRedisInstrumentation redis)
    {
        if (services.GetService<RedisConnectionManager>() is { } manager)
        {
            manager.OnConnected(connection => redis.AddConnection(connection));
        }
    }
}
