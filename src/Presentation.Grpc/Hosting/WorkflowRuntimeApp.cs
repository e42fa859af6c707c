using System.ComponentModel.DataAnnotations;
using System.Net;
using MapsterMapper;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Infrastructure.Engine;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Infrastructure.Redis;
using WorkflowRuntime.Infrastructure.Scheduling;
using WorkflowRuntime.Presentation.Grpc.Grpc;
using WorkflowRuntime.Presentation.Grpc.Health;
using WorkflowRuntime.Presentation.Grpc.Logging;
using WorkflowRuntime.Presentation.Grpc.Mapping;
using WorkflowRuntime.Presentation.Grpc.Validation;
using WorkflowRuntime.Presentation.Grpc.Telemetry;
using WorkflowRuntime.Presentation.Grpc.Security;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>Builds and runs the host. Tests build it the same way, on real sockets, with their own configuration.</summary>
public static class WorkflowRuntimeApp
{
    public const string MigrateCommand = "migrate";

    /// <summary>Builds the application. <paramref name="configure"/> lets a test add configuration or replace a service.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args.Where(a => a != MigrateCommand).ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables();

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.FormatterName = JsonLineConsoleFormatter.FormatterName)
            .AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();

        configure?.Invoke(builder);
        LogMasking.Configure(builder.Configuration);

        var server = LoadServerOptions(builder.Configuration);
        var security = SecuritySetup.Load(builder.Configuration, servesCalls: !args.Contains(MigrateCommand));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(server.BindAddress);
            kestrel.Listen(address, server.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseCallerTls(security);
            });
            kestrel.Listen(address, server.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        AddServices(builder.Services, builder.Configuration, server);
        builder.Services.AddCallerSecurity(security);

        var app = builder.Build();
        app.UseTruncatedFrameAnswer();
        app.UseCallerSecurity();
        app.MapGrpcService<WorkflowRuntimeGrpcService>().RequireHost($"*:{server.GrpcPort}");
        app.MapGrpcService<MonitoringGrpcService>().RequireHost($"*:{server.GrpcPort}");
        app.MapGrpcHealthChecksService().RequireHost($"*:{server.GrpcPort}");
        app.MapGrpcReflectionService().RequireHost($"*:{server.GrpcPort}");
        app.MapHealthEndpoints(server.HttpPort);
        app.MapWorkflowRuntimeMetrics(server.HttpPort);
        return app;
    }

    /// <summary>The process entry point: <c>migrate</c> applies migrations and exits; otherwise serves until stopped.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException or FormatException)
        {
            // Logging is not up yet when the configuration itself is broken: say it plainly on stderr.
            await Console.Error.WriteLineAsync($"workflow-runtime: invalid configuration: {ex.Message}");
            return 1;
        }

        await using (app)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WorkflowRuntime.Startup");
            try
            {
                if (args.Contains(MigrateCommand))
                {
                    await using var scope = app.Services.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
                    StartupLog.DatabaseMigrated(logger);
                    return 0;
                }

                await app.StartAsync();
                LogStarted(app, logger);
                await app.WaitForShutdownAsync();
                return 0;
            }
            catch (Exception ex) when (ex is OptionsValidationException or StartupAbortedException or InvalidOperationException
                                           or IOException or Npgsql.NpgsqlException)
            {
                StartupLog.StartupFailed(logger, ex.Message, ex);
                return 1;
            }
        }
    }

    internal static void AddServices(IServiceCollection services, IConfiguration configuration, ServerOptions server)
    {
        services.AddSingleton(TimeProvider.System);
        var instance = new RuntimeInstance(
            string.IsNullOrWhiteSpace(server.InstanceId) ? RuntimeInstance.DefaultInstanceId() : server.InstanceId,
            DateTimeOffset.UtcNow);
        services.AddSingleton(instance);
        services.AddSingleton(new RuntimeIdentity(instance.InstanceId));
        services.AddOptions<ServerOptions>().Bind(configuration.GetSection(ServerOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddApplication(configuration);

        // Hosted services start in registration order: the gate (dependency checks, migrations) goes first.
        services.AddHostedService<StartupGate>();
        // Right after the gate, so it stops after the scheduler and Kestrel and its last flush sees every fire.
        services.AddTriggerCounters(configuration);

        services.AddPersistence(configuration);
        services.AddDistributedLock(configuration);
        services.AddWorkflowEngine(configuration);
        services.AddCronScheduling(configuration);
        services.AddWorkflowRuntimeTelemetry(configuration, server, instance);

        // The loops that drive the application's process-wide services.
        services.AddHostedService<ExecutionHeartbeatService>();
        services.AddHostedService<ExecutionSweeperService>();
        services.AddHostedService<PendingRunService>();
        services.AddHostedService<ExecutionDrainService>();
        services.AddHostedService<CronReconcilerService>();
        var drain = configuration.GetValue(ExecutionOptions.SectionName + ":" + nameof(ExecutionOptions.DrainTimeoutSeconds),
            new ExecutionOptions().DrainTimeoutSeconds);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(drain + 10));

        var mapping = ContractMapping.Create();
        services.AddSingleton(mapping);
        services.AddSingleton<IMapper>(new Mapper(mapping));

        services.AddSingleton<DependencyHealthReporter>();

        services.AddGrpc(options =>
        {
            options.Interceptors.Add<ErrorInterceptor>();
            options.Interceptors.Add<RequestValidationInterceptor>();
            options.EnableDetailedErrors = false;
            // The largest legal request and no more: a 15 MB id is refused (RESOURCE_EXHAUSTED) before it is buffered.
            options.MaxReceiveMessageSize = Validation.ServiceCollectionExtensions.MaxReceiveMessageSize(configuration);
        });
        services.AddRequestValidation();
        services.AddGrpcReflection();
        // grpc.health.v1 reads the same framework checks as /health (registered with the telemetry).
        services.AddGrpcHealthChecks();
    }

    /// <summary>Read before the host exists (Kestrel needs the ports), so validated here with the same rules.</summary>
    internal static ServerOptions LoadServerOptions(IConfiguration configuration)
    {
        var options = new ServerOptions();
        configuration.GetSection(ServerOptions.SectionName).Bind(options);
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true)
            || !IPAddress.TryParse(options.BindAddress, out _))
        {
            var messages = errors.Select(e => e.ErrorMessage ?? string.Empty).DefaultIfEmpty(
                $"WorkflowRuntime:Server:BindAddress '{options.BindAddress}' is not an IP address.");
            throw new OptionsValidationException(ServerOptions.SectionName, typeof(ServerOptions), messages);
        }

        return options;
    }

    private static void LogStarted(WebApplication app, ILogger logger)
    {
        var server = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var instance = app.Services.GetRequiredService<RuntimeInstance>();
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        var profile = string.IsNullOrWhiteSpace(configuration.GetConnectionString(PersistenceOptions.PostgresConnectionStringName))
            ? "embedded"
            : "production";
        var grpcEndpoint = $"{server.BindAddress}:{server.GrpcPort}";
        var httpEndpoint = $"{server.BindAddress}:{server.HttpPort}";
        StartupLog.ServiceStarted(logger, instance.Version, instance.InstanceId, grpcEndpoint, httpEndpoint, profile);
    }
}
