using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowRuntime.Presentation.Grpc.Logging;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// A logger provider for in-process hosts that formats every entry through the real <see cref="JsonLineConsoleFormatter"/>
/// (with the real scopes) and keeps the lines, so a test host can prove each one is strict JSON: one object, no key
/// twice. <see cref="AssertStrict"/> runs when the host is disposed.
/// </summary>
internal sealed class StrictLogCapture : ILoggerProvider, ISupportExternalScope
{
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    private readonly JsonLineConsoleFormatter _formatter = new();
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Parses every captured line strictly; the first that fails fails the test, quoting the line.</summary>
    public void AssertStrict()
    {
        foreach (var line in _lines)
        {
            AssertStrictLine(line);
        }
    }

    public static void AssertStrictLine(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line, Strict);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
        catch (JsonException ex)
        {
            Assert.Fail($"log line is not strict JSON ({ex.Message}): {line}");
        }
    }

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(StrictLogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            owner._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), owner._scopes, writer);
            foreach (var line in writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                owner._lines.Enqueue(line);
            }
        }
    }
}
