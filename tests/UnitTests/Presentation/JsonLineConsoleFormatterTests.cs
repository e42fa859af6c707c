using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowRuntime.Presentation.Grpc.Logging;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class JsonLineConsoleFormatterTests
{
    private const string Category = "WorkflowRuntime.Application.Deployments.DeploymentService";

    [Fact]
    public void Writes_one_json_line_with_event_name_message_and_snake_case_fields()
    {
        var state = new List<KeyValuePair<string, object?>>
        {
            new("WorkflowId", Guid.Parse("8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11")),
            new("TriggerCount", 3),
            new("Version", 7L),
            new("IsNew", true),
            new("Ratio", 0.5),
            new("PauseNote", null),
            new("DeployedAt", new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero)),
            new("{OriginalFormat}", "Workflow {WorkflowId} deployed with {TriggerCount} triggers"),
        };

        var (line, root) = Write(LogLevel.Information, new EventId(1001, "workflow_deployed"), state, null,
            "Workflow 8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11 deployed with 3 triggers");

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.True(DateTime.TryParse(root.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind, out var timestamp));
        Assert.Equal(DateTimeKind.Utc, timestamp.Kind);
        Assert.Equal("info", root.GetProperty("level").GetString());
        Assert.Equal("workflow_deployed", root.GetProperty("event").GetString());
        Assert.Equal(Category, root.GetProperty("category").GetString());
        Assert.Equal("Workflow 8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11 deployed with 3 triggers", root.GetProperty("message").GetString());

        var fields = root.GetProperty("fields");
        Assert.Equal("8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11", fields.GetProperty("workflow_id").GetString());
        Assert.Equal(3, fields.GetProperty("trigger_count").GetInt64());
        Assert.Equal(7, fields.GetProperty("version").GetInt64());
        Assert.True(fields.GetProperty("is_new").GetBoolean());
        Assert.Equal(0.5, fields.GetProperty("ratio").GetDouble());
        Assert.Equal(JsonValueKind.Null, fields.GetProperty("pause_note").ValueKind);
        Assert.Equal("2025-06-01T12:00:00.0000000+00:00", fields.GetProperty("deployed_at").GetString());
        Assert.False(fields.TryGetProperty("{OriginalFormat}", out _));
        Assert.False(fields.TryGetProperty("original_format", out _));
        Assert.False(root.TryGetProperty("exception", out _));
    }

    [Theory]
    [InlineData(LogLevel.Trace, "trace")]
    [InlineData(LogLevel.Debug, "debug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warning")]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Critical, "critical")]
    public void Level_names(LogLevel level, string expected)
    {
        var (_, root) = Write(level, new EventId(1, "e"), [], null, "m");

        Assert.Equal(expected, root.GetProperty("level").GetString());
    }

    [Fact]
    public void Without_an_event_name_the_event_is_the_category_tail_in_snake_case()
    {
        var (_, root) = Write(LogLevel.Information, new EventId(0), [], null, "started", "Microsoft.Hosting.Lifetime");

        Assert.Equal("lifetime", root.GetProperty("event").GetString());

        (_, root) = Write(LogLevel.Information, default, [], null, "x");
        Assert.Equal("deployment_service", root.GetProperty("event").GetString());
    }

    [Fact]
    public void With_a_current_activity_the_trace_and_span_ids_are_written()
    {
        using var activity = new Activity("unit-test").SetIdFormat(ActivityIdFormat.W3C).Start();

        var (_, root) = Write(LogLevel.Information, new EventId(1, "e"), [], null, "m");

        Assert.Equal(activity.TraceId.ToHexString(), root.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), root.GetProperty("span_id").GetString());
        Assert.Matches("^[0-9a-f]{32}$", root.GetProperty("trace_id").GetString()!);
    }

    [Fact]
    public void Without_an_activity_there_is_no_trace_id()
    {
        Assert.Null(Activity.Current);

        var (_, root) = Write(LogLevel.Information, new EventId(1, "e"), [], null, "m");

        Assert.False(root.TryGetProperty("trace_id", out _));
    }

    [Fact]
    public void An_exception_is_written_in_full_and_a_multi_line_message_stays_on_one_line()
    {
        var exception = CaptureException();

        var (line, root) = Write(LogLevel.Error, new EventId(9, "failure"), [], exception, "first line\nsecond \"quoted\" line");

        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.Equal("first line\nsecond \"quoted\" line", root.GetProperty("message").GetString());
        var written = root.GetProperty("exception").GetString();
        Assert.Contains("InvalidOperationException", written, StringComparison.Ordinal);
        Assert.Contains("boom", written, StringComparison.Ordinal);
        Assert.Contains(nameof(CaptureException), written, StringComparison.Ordinal); // the stack trace
    }

    [Fact]
    public void Scope_values_are_added_to_the_fields()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push(new Dictionary<string, object?> { ["RequestId"] = "req-1", ["Attempt"] = 2 });

        var (_, root) = Write(LogLevel.Information, new EventId(1, "e"), [new("WorkflowId", "wf")], null, "m", scopeProvider: scopes);

        var fields = root.GetProperty("fields");
        Assert.Equal("wf", fields.GetProperty("workflow_id").GetString());
        Assert.Equal("req-1", fields.GetProperty("request_id").GetString());
        Assert.Equal(2, fields.GetProperty("attempt").GetInt64());
    }

    [Fact]
    public void A_key_in_both_the_state_and_a_scope_is_written_once_with_the_state_value()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push(new Dictionary<string, object?> { ["RpcMethod"] = "/from.scope/Call", ["Attempt"] = 1 });

        var (_, root) = Write(LogLevel.Error, new EventId(200, "rpc_failed"), [new("RpcMethod", "/from.state/Call")], null, "m", scopeProvider: scopes);

        var fields = root.GetProperty("fields");
        Assert.Equal("/from.state/Call", fields.GetProperty("rpc_method").GetString());
        Assert.Equal(1, fields.GetProperty("attempt").GetInt64());
        Assert.Equal(2, fields.EnumerateObject().Count());
    }

    [Fact]
    public void Of_two_scopes_with_the_same_key_the_innermost_wins()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var outer = scopes.Push(new Dictionary<string, object?> { ["Request"] = "outer" });
        using var inner = scopes.Push(new Dictionary<string, object?> { ["request"] = "inner" });

        var (_, root) = Write(LogLevel.Information, new EventId(1, "e"), [], null, "m", scopeProvider: scopes);

        Assert.Equal("inner", root.GetProperty("fields").GetProperty("request").GetString());
    }

    [Fact]
    public void With_an_activity_trace_and_span_ids_appear_only_once_at_the_top_even_when_a_scope_or_the_state_carries_them()
    {
        using var activity = new Activity("test").Start();
        var scopes = new LoggerExternalScopeProvider();
        // What ASP.NET Core's request scope carries.
        using var scope = scopes.Push(new Dictionary<string, object?> { ["TraceId"] = "scope-trace", ["SpanId"] = "scope-span", ["RequestPath"] = "/x" });

        var (line, root) = Write(LogLevel.Error, new EventId(200, "rpc_failed"), [new("TraceId", activity.TraceId.ToHexString())], null, "m",
            scopeProvider: scopes);

        Assert.Equal(activity.TraceId.ToHexString(), root.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), root.GetProperty("span_id").GetString());
        var fields = root.GetProperty("fields");
        Assert.False(fields.TryGetProperty("trace_id", out _));
        Assert.False(fields.TryGetProperty("span_id", out _));
        Assert.Equal("/x", fields.GetProperty("request_path").GetString());
        Assert.Equal(1, CountOccurrences(line, "\"trace_id\""));
    }

    [Fact]
    public void Without_an_activity_a_trace_id_value_stays_in_the_fields()
    {
        Activity.Current = null;

        var (_, root) = Write(LogLevel.Error, new EventId(200, "rpc_failed"), [new("TraceId", "0HN-request")], null, "m");

        Assert.Equal("0HN-request", root.GetProperty("fields").GetProperty("trace_id").GetString());
        Assert.False(root.TryGetProperty("trace_id", out _));
    }

    [Fact]
    public void Nothing_is_written_without_a_message_or_exception()
    {
        var formatter = new JsonLineConsoleFormatter();
        using var output = new StringWriter();
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(LogLevel.Information, Category, new EventId(1), [], null, (_, _) => null!);

        formatter.Write(entry, null, output);

        Assert.Equal(string.Empty, output.ToString());
    }

    [Theory]
    [InlineData("WorkflowId", "workflow_id")]
    [InlineData("TriggerCount", "trigger_count")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("HTTPStatus", "http_status")]
    public void ToSnakeCase(string name, string expected) => Assert.Equal(expected, JsonLineConsoleFormatter.ToSnakeCase(name));

    [Fact]
    public void The_formatter_is_registered_under_jsonl() => Assert.Equal("jsonl", new JsonLineConsoleFormatter().Name);

    [Fact]
    public void A_short_line_after_a_long_one_on_the_same_thread_carries_nothing_of_it()
    {
        var (_, first) = Write(LogLevel.Information, new EventId(1, "first"), [new("Note", new string('x', 5000))], null, "long");
        var (line, second) = Write(LogLevel.Information, new EventId(2, "second"), [new("Count", 1)], null, "short");

        Assert.Equal(5000, first.GetProperty("fields").GetProperty("note").GetString()!.Length);
        Assert.Equal("second", second.GetProperty("event").GetString());
        Assert.False(second.GetProperty("fields").TryGetProperty("note", out _));
        Assert.DoesNotContain("xxx", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_larger_than_the_kept_buffer_is_written_whole_and_the_next_line_is_still_right()
    {
        var (_, huge) = Write(LogLevel.Warning, new EventId(1, "huge"), [new("Note", new string('é', 200_000))], null, "huge");
        var (_, next) = Write(LogLevel.Information, new EventId(2, "next"), [new("Count", 2)], null, "next");

        Assert.Equal(200_000, huge.GetProperty("fields").GetProperty("note").GetString()!.Length);
        Assert.Equal(2, next.GetProperty("fields").GetProperty("count").GetInt64());
    }

    [Fact]
    public void A_field_whose_text_writes_a_line_itself_leaves_both_lines_whole()
    {
        var formatter = new JsonLineConsoleFormatter();
        using var inner = new StringWriter();
        var nested = new LoggingToString(() =>
        {
            var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(LogLevel.Information, Category, new EventId(2, "inner"),
                [new("Depth", 2)], null, (_, _) => "inner line");
            formatter.Write(entry, null, inner);
            return "outer value";
        });

        var (_, outer) = Write(LogLevel.Information, new EventId(1, "outer"), [new("Value", nested), new("Depth", 1)], null, "outer line");

        Assert.Equal("outer value", outer.GetProperty("fields").GetProperty("value").GetString());
        Assert.Equal(1, outer.GetProperty("fields").GetProperty("depth").GetInt64());
        using var innerLine = JsonDocument.Parse(inner.ToString());
        Assert.Equal("inner", innerLine.RootElement.GetProperty("event").GetString());
        Assert.Equal(2, innerLine.RootElement.GetProperty("fields").GetProperty("depth").GetInt64());
    }

    private sealed class LoggingToString(Func<string> text)
    {
        public override string ToString() => text();
    }

    private static (string Line, JsonElement Root) Write(LogLevel level, EventId eventId, IReadOnlyList<KeyValuePair<string, object?>> state,
        Exception? exception, string message, string category = Category, IExternalScopeProvider? scopeProvider = null)
    {
        var formatter = new JsonLineConsoleFormatter();
        using var output = new StringWriter();
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(level, category, eventId, state, exception, (_, _) => message);

        formatter.Write(entry, scopeProvider, output);

        var line = output.ToString();
        // Strict: a key written twice in one object fails every test of the formatter.
        using var document = JsonDocument.Parse(line, new JsonDocumentOptions { AllowDuplicateProperties = false });
        return (line, document.RootElement.Clone());
    }

    private static int CountOccurrences(string text, string value) =>
        (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    private static InvalidOperationException CaptureException()
    {
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }
}
