using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry.Trace;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Observability;

/// <summary>
/// One <c>TriggerWorkflow</c> on a real host (engine simulator on a real socket) traced into an in-memory exporter:
/// the trace holds the gRPC server span, our admission and lock spans, PostgreSQL, Redis and the engine call, and the
/// log line of the run carries the same trace id.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class TraceTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private readonly ActivityCollection _spans = new();
    private RuntimeHost _host = null!;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        var settings = new Dictionary<string, string?>(SharedHostFixture.FastTracking)
        {
            ["WorkflowRuntime:Engine:Address"] = fixture.EngineServer.Address,
            ["Logging:LogLevel:Default"] = "Information",
            // The in-memory exporter stands in for OTLP, which turns dependency spans on by default.
            ["WorkflowRuntime:Telemetry:TraceDependencies"] = "true",
        };
        _host = await RuntimeHost.StartAsync(
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans)),
            settings);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_trigger_is_one_trace_from_the_grpc_server_through_lock_database_and_redis_to_the_engine()
    {
        var deployed = (await _host.Runtime.DeployWorkflowAsync(Deploy("tracing", Manual()))).Deployment;

        var run = await _host.Runtime.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = deployed.WorkflowId, Mode = ExecutionMode.Manual });

        var server = await Eventually.Until(() => Task.FromResult(_spans.Snapshot().FirstOrDefault(IsTriggerServerSpan)),
            span => span is not null, TimeSpan.FromSeconds(15));
        Assert.NotNull(server);
        var trace = await Eventually.Until(() => Task.FromResult(_spans.Snapshot().Where(s => s.TraceId == server.TraceId).ToList()),
            spans => spans.Any(s => s.Source.Name.Contains("Redis", StringComparison.OrdinalIgnoreCase)), TimeSpan.FromSeconds(20));

        var admit = Assert.Single(trace, s => s.OperationName == "trigger.admit");
        var acquire = Assert.Single(trace, s => s.OperationName == "lock.acquire");
        var execute = Assert.Single(trace, s => s.OperationName == "engine.execute");
        Assert.Equal(admit.SpanId, acquire.ParentSpanId);
        Assert.Equal(admit.SpanId, execute.ParentSpanId);
        Assert.Equal("acquired", acquire.GetTagItem("workflow_runtime.outcome"));
        Assert.Equal("ok", execute.GetTagItem("workflow_runtime.outcome"));
        Assert.Equal(run.Execution.ExecutionId, admit.GetTagItem("workflow_runtime.execution_id"));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql");
        Assert.Contains(trace, s => s.Source.Name.Contains("Redis", StringComparison.OrdinalIgnoreCase));
        // The engine's gRPC call as the HTTP/2 client saw it, made while engine.execute ran (grpc-dotnet's own span may
        // sit between them), and the trace context reached the engine: its server span is in the same trace.
        var engineUrl = fixture.EngineServer.Address.TrimEnd('/') + "/workflow_engine.WorkflowService/ExecuteWorkflow";
        Assert.True(trace.Any(s => s.Kind == ActivityKind.Client && s.GetTagItem("url.full") as string == engineUrl
                && s.StartTimeUtc >= execute.StartTimeUtc && s.StartTimeUtc <= execute.StartTimeUtc + execute.Duration),
            "no client span of the engine call inside engine.execute: " + string.Join("; ", trace.Select(Describe)));
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("/workflow_engine.WorkflowService/ExecuteWorkflow", StringComparison.Ordinal));

        var started = _host.LogLines.Select(line => JsonDocument.Parse(line).RootElement)
            .Single(e => e.GetProperty("event").GetString() == "execution_started"
                && e.GetProperty("fields").GetProperty("execution_id").GetString() == run.Execution.ExecutionId);
        Assert.Equal(server.TraceId.ToHexString(), started.GetProperty("trace_id").GetString());
    }

    private static string Describe(Activity s) =>
        $"{s.Source.Name}/{s.Kind}/{s.DisplayName}/{s.SpanId}<-{s.ParentSpanId}/{s.GetTagItem("url.full")}";

    private static bool Descends(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            parent = trace.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId ?? default;
        }

        return false;
    }

    private static bool IsTriggerServerSpan(Activity span) =>
        span.Kind == ActivityKind.Server
        && (span.DisplayName.Contains("TriggerWorkflow", StringComparison.Ordinal)
            || (span.GetTagItem("url.path") as string ?? string.Empty).Contains("TriggerWorkflow", StringComparison.Ordinal));

    /// <summary>The exporter adds from several threads; the test reads snapshots.</summary>
    private sealed class ActivityCollection : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];
        private readonly Lock _gate = new();

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<Activity> Snapshot()
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }

        public void Add(Activity item)
        {
            lock (_gate)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (_gate)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
