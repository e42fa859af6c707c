using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Hosting;

/// <summary>
/// The embedded profile under load (issue 11): 32 callers in flight against one SQLite file for about ten seconds.
/// Before the single-writer gate and WAL, 8 callers got "database is locked" as INTERNAL, trackers lost their final
/// write without a log line and the sweeper then closed or "adopted" runs no instance had lost.
/// </summary>
public sealed class EmbeddedLoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Callers = 32;
    private static readonly TimeSpan LoadFor = TimeSpan.FromSeconds(10);

    // Events that would mean a write was refused, a run was taken for lost, or a loop failed.
    private static readonly string[] TroubleEvents =
    [
        "execution_tracking_failed", "execution_tracking_error", "execution_write_deferred", "execution_lost",
        "execution_adopted", "execution_redispatched", "sweep_failed", "rpc_failed",
    ];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"wr-embedded-load-{Guid.NewGuid():N}");
    private readonly ConcurrentQueue<(LogLevel Level, string Name, string Message)> _events = new();
    private RuntimeHost _host = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(SharedHostFixture.FastTracking)
        {
            ["ConnectionStrings:Postgres"] = string.Empty,
            ["ConnectionStrings:Redis"] = string.Empty,
            ["WorkflowRuntime:Persistence:SqlitePath"] = Path.Combine(_directory, "runtime.db"),
            ["WorkflowRuntime:Engine:SimulatedLatencyMs"] = "100",
            ["Logging:LogLevel:Default"] = "Information",
            // The recorder needs Information; the test output does not need thousands of lines of it.
            ["Logging:Console:LogLevel:Default"] = "Warning",
        };
        _host = await RuntimeHost.StartAsync(builder => builder.Services.AddSingleton<ILoggerProvider>(new EventRecorder(_events)), settings);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Thirty_two_callers_in_flight_get_no_errors_and_every_run_ends_success_with_no_run_taken_for_lost()
    {
        // Half the callers each own a SKIP workflow and wait for completion; the other half share one ALLOW_ALL
        // workflow, trigger without waiting and poll the run like a client would. Every key is distinct.
        var exclusive = new List<string>();
        for (var i = 0; i < Callers / 2; i++)
        {
            exclusive.Add(await DeployAsync(OverlapPolicy.Skip));
        }

        var shared = await DeployAsync(OverlapPolicy.AllowAll);
        var errors = new ConcurrentQueue<string>();
        var started = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < LoadFor; n++)
            {
                try
                {
                    var waiting = caller % 2 == 0;
                    var response = await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest
                    {
                        WorkflowId = waiting ? exclusive[caller / 2] : shared,
                        IdempotencyKey = $"caller-{caller}-{n}",
                        TriggerData = $$"""{"caller":{{caller}},"n":{{n}}}""",
                        WaitForCompletion = waiting,
                        WaitTimeoutSeconds = 30,
                    });
                    started.Enqueue(response.Execution.ExecutionId);
                    if (!waiting)
                    {
                        await PollUntilEndedAsync(response.Execution.ExecutionId);
                    }
                    else if (response.Execution.Status != ExecutionStatus.Success)
                    {
                        errors.Enqueue($"caller {caller}: waited run ended {response.Execution.Status}: {response.Execution.ErrorMessage}");
                    }
                }
                catch (RpcException ex)
                {
                    errors.Enqueue($"caller {caller}: {ex.StatusCode} {ex.Status.Detail}");
                }
            }
        })));

        output.WriteLine($"{Callers} callers, {clock.Elapsed.TotalSeconds:0.0} s: {started.Count} runs ({started.Count / clock.Elapsed.TotalSeconds:0.0}/s), {errors.Count} errors");
        Assert.True(errors.IsEmpty, $"{errors.Count} errors, e.g.:\n{string.Join('\n', errors.Take(10))}");
        Assert.True(started.Count >= Callers, $"only {started.Count} runs started in {LoadFor}");

        var history = await AllExecutionsAsync();
        Assert.Equal(started.Count, history.Count);
        var notSuccess = history.Where(e => e.Status != ExecutionStatus.Success).ToList();
        Assert.True(notSuccess.Count == 0,
            $"{notSuccess.Count} of {history.Count} runs did not end SUCCESS, e.g. {string.Join("; ", notSuccess.Take(5).Select(e => $"{e.Status} {e.ErrorMessage}"))}");
        Assert.DoesNotContain(history, e => e.ErrorMessage.Contains("runtime instance lost", StringComparison.Ordinal));
        var trouble = _events.Where(e => TroubleEvents.Contains(e.Name)).Select(e => $"{e.Name}: {e.Message}").ToList();
        Assert.True(trouble.Count == 0, $"unexpected log events: {string.Join("; ", trouble.Take(10))}");
        Assert.Empty(_events.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Name}: {e.Message}"));
    }

    private async Task PollUntilEndedAsync(string executionId)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var execution = (await _host.Runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId })).Execution;
            if (execution.Status is not (ExecutionStatus.New or ExecutionStatus.Running))
            {
                return;
            }

            await Task.Delay(50);
        }
    }

    private async Task<List<Execution>> AllExecutionsAsync()
    {
        var all = new List<Execution>();
        var token = string.Empty;
        do
        {
            var page = await _host.Runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { PageSize = 200, PageToken = token });
            all.AddRange(page.Executions);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return all;
    }

    private async Task<string> DeployAsync(OverlapPolicy policy)
    {
        var request = Deploy("load", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = policy, ExecutionTimeoutSeconds = 600 };
        return (await _host.Runtime.DeployWorkflowAsync(request)).Deployment.WorkflowId;
    }

    /// <summary>Every log event of the host, by name and level (the console formatter is not needed for this).</summary>
    private sealed class EventRecorder(ConcurrentQueue<(LogLevel Level, string Name, string Message)> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(entries);

        // The host's container disposes it with the other providers; nothing to free.
        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<(LogLevel, string, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue((logLevel, eventId.Name ?? string.Empty, formatter(state, exception)));
                }
            }
        }
    }
}
