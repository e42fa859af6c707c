using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine;

namespace WorkflowRuntime.IntegrationTests.Engine;

/// <summary>Clients of the engine with test-sized timings, and a bounded poll.</summary>
internal static class EngineTestClients
{
    public static EngineOptions OptionsFor(string address, int callTimeoutMs = 2000, int maxAttempts = 4) => new()
    {
        Address = address,
        CallTimeoutMs = callTimeoutMs,
        MaxAttempts = maxAttempts,
        InitialBackoffMs = 10,
        MaxBackoffMs = 50,
    };

    public static GrpcWorkflowEngine Create(EngineOptions options, ILogger<GrpcWorkflowEngine>? logger = null) =>
        new(Options.Create(options), logger ?? NullLogger<GrpcWorkflowEngine>.Instance);

    public static EngineStartRequest Request(
        Guid workflowId,
        string definition = """{"steps":[]}""",
        IReadOnlyDictionary<string, string>? input = null,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        new(workflowId, definition, "MANUAL", "integration-test", input ?? new Dictionary<string, string>(), metadata ?? new Dictionary<string, string>());

    /// <summary>Polls until the engine reports a terminal status; fails the test after <paramref name="bound"/>.</summary>
    public static async Task<EngineExecutionState> PollUntilFinishedAsync(this IWorkflowEngine engine, string executionId, TimeSpan bound)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var state = await engine.GetStatusAsync(executionId);
            if (state.Status is EngineStatus.Success or EngineStatus.Error or EngineStatus.Canceled)
            {
                return state;
            }

            Assert.True(elapsed.Elapsed < bound, $"Execution {executionId} still {state.Status} after {elapsed.Elapsed}");
            await Task.Delay(20);
        }
    }
}

/// <summary>Keeps every log entry (all levels enabled) so a test can assert on event names and levels.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, string EventName, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string EventName, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId.Name ?? string.Empty, formatter(state, exception)));
}
