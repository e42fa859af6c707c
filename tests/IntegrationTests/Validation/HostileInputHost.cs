using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Validation;

/// <summary>
/// One production-profile host (real PostgreSQL, Redis, engine simulator, sockets) for the hostile-input tests,
/// whose log lines are captured so the tests can see what an operator would see.
/// </summary>
public sealed class HostileInputHost : IAsyncLifetime
{
    internal EngineSimulation Engine { get; } = new(TimeProvider.System);

    internal RunningEngineSimulator EngineServer { get; private set; } = null!;

    internal RuntimeHost Host { get; private set; } = null!;

    internal CapturedLogs Logs { get; } = new();

    /// <summary>Speaks raw HTTP/2 (prior knowledge, cleartext) to the gRPC port, to send bytes no client would.</summary>
    internal HttpClient RawHttp2 { get; } = new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async Task InitializeAsync()
    {
        EngineServer = await EngineSimulatorServer.StartAsync(Engine, FreePort.Next());
        var settings = new Dictionary<string, string?>(SharedHostFixture.FastTracking)
        {
            ["WorkflowRuntime:Engine:Address"] = EngineServer.Address,
            ["WorkflowRuntime:Security:AllowInsecure"] = "true",
            // The production default, which the shared fixture lowers for its two-second schedules.
            ["WorkflowRuntime:Deployments:MinCronIntervalSeconds"] = "10",
        };
        Host = await RuntimeHost.StartAsync(builder => builder.Services.AddSingleton<ILoggerProvider>(Logs), settings);
    }

    public async Task DisposeAsync()
    {
        RawHttp2.Dispose();
        await Host.DisposeAsync();
        await EngineServer.DisposeAsync();
    }
}

/// <summary>Every log entry of the host at Warning or above (the host's configured minimum in tests).</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public void Clear() => _entries.Clear();

    public ILogger CreateLogger(string categoryName) => new Capture(categoryName, _entries);

    public void Dispose()
    {
    }

    internal sealed record Entry(string Category, LogLevel Level, string EventName, string Message, Exception? Exception);

    private sealed class Capture(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new Entry(category, logLevel, eventId.Name ?? string.Empty, formatter(state, exception), exception));
            }
        }
    }
}
