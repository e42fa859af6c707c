using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// The real host, in this process, on real loopback sockets, against the real PostgreSQL and Redis.
/// The configure callback of <see cref="StartAsync"/> may add configuration or replace a service (e.g. a failing scheduler).
/// </summary>
internal sealed class RuntimeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly StrictLogCapture _logs;

    private RuntimeHost(WebApplication app, StrictLogCapture logs, int grpcPort, int httpPort)
    {
        _app = app;
        _logs = logs;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Runtime = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(Channel);
        Monitoring = new MonitoringService.MonitoringServiceClient(Channel);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
    }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public GrpcChannel Channel { get; }

    public WorkflowRuntimeService.WorkflowRuntimeServiceClient Runtime { get; }

    public MonitoringService.MonitoringServiceClient Monitoring { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Every line the host logged, formatted by the real formatter; each is parsed strictly on dispose.</summary>
    public IReadOnlyCollection<string> LogLines => _logs.Lines;

    public static async Task<RuntimeHost> StartAsync(Action<WebApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null)
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestSettings.PostgresConnectionString,
            ["ConnectionStrings:Redis"] = TestSettings.RedisConnectionString,
            ["WorkflowRuntime:Server:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WorkflowRuntime:Server:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WorkflowRuntime:Server:InstanceId"] = $"test-{grpcPort}",
            ["Logging:LogLevel:Default"] = "Warning",
            // As for HostProcess: on a loaded 2-core machine a cold first database round trip can take seconds; an
            // unreachable server still fails at once (connection refused).
            ["WorkflowRuntime:Server:StartupCheckTimeoutMs"] = "20000",
            ["WorkflowRuntime:Persistence:HealthCheckTimeoutMs"] = "15000",
            // Production profile without credentials: say so explicitly (the security tests override it).
            ["WorkflowRuntime:Security:AllowInsecure"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new StrictLogCapture();
        var app = WorkflowRuntimeApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new RuntimeHost(app, logs, grpcPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _logs.AssertStrict();
    }
}
