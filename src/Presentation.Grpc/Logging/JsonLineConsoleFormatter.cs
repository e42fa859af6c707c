using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using WorkflowRuntime.Application.Logging;

namespace WorkflowRuntime.Presentation.Grpc.Logging;

/// <summary>
/// One JSON object per line: <c>timestamp</c>, <c>level</c>, <c>event</c> (the event name), <c>category</c>,
/// <c>message</c>, <c>fields</c> (the structured values and scope values), <c>trace_id</c>/<c>span_id</c> when an
/// activity is current, and <c>exception</c>. Every text in it (message, field and scope values, the exception) goes
/// through the <see cref="LogRedactor"/> first. The built-in JSON formatter writes only the numeric event id and nests
/// fields differently, which makes log queries by event name awkward.
/// </summary>
internal sealed class JsonLineConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "jsonl";

    private const string TraceIdKey = "trace_id";
    private const string SpanIdKey = "span_id";

    // Relaxed escaping keeps '+', quotes in messages and non-ASCII readable; the output is a log, not HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // A line is written on the logging thread that logs it, two or more per execution: the buffer and the writer are
    // that thread's own and reused, and the snake_case spelling of a field name (a template's few names) is kept.
    private const int MaxRememberedNames = 4096;
    private const int MaxKeptBufferBytes = 64 * 1024;
    private static readonly ConcurrentDictionary<string, string> SnakeCaseNames = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static LineBuffer? _line;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        // Reused per thread; a line written while another is being written on the same thread (a field's ToString
        // that logs) gets a buffer of its own.
        var line = _line is { InUse: false } idle ? idle : new LineBuffer();
        _line ??= line;
        var writer = line.Start();
        try
        {
            writer.WriteStartObject();
            Span<char> timestamp = stackalloc char[32];
            DateTime.UtcNow.TryFormat(timestamp, out var length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            writer.WriteString("timestamp", timestamp[..length]);
            writer.WriteString("level", LevelName(logEntry.LogLevel));
            writer.WriteString("event", string.IsNullOrEmpty(logEntry.EventId.Name) ? EventFallback(logEntry.Category) : logEntry.EventId.Name);
            writer.WriteString("category", logEntry.Category);
            writer.WriteString("message", LogRedactor.Default.Redact(message));

            // No key twice (ADR 0017): the event's own values first, then scopes innermost first, each key once; the
            // current activity's ids are written once, at the top, and not repeated from a scope.
            var activity = Activity.Current;
            var written = line.Written;
            if (activity is not null)
            {
                written.Add(TraceIdKey);
                written.Add(SpanIdKey);
            }

            writer.WriteStartObject("fields");
            WriteFields(writer, logEntry.State as IEnumerable<KeyValuePair<string, object?>>, written);
            foreach (var scope in InnermostFirst(scopeProvider))
            {
                WriteFields(writer, scope, written);
            }

            writer.WriteEndObject();

            if (activity is not null)
            {
                writer.WriteString(TraceIdKey, activity.TraceId.ToHexString());
                writer.WriteString(SpanIdKey, activity.SpanId.ToHexString());
            }

            if (logEntry.Exception is { } exception)
            {
                // Exception texts quote what failed, PostgreSQL's included (row values, trigger data): redacted like the rest.
                writer.WriteString("exception", LogRedactor.Default.Redact(exception.ToString()));
            }

            writer.WriteEndObject();

            line.CopyTo(textWriter);
        }
        finally
        {
            line.InUse = false;
        }
    }

    private static List<IEnumerable<KeyValuePair<string, object?>>> InnermostFirst(IExternalScopeProvider? scopeProvider)
    {
        var scopes = new List<IEnumerable<KeyValuePair<string, object?>>>();
        scopeProvider?.ForEachScope((scope, list) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> values)
            {
                list.Add(values);
            }
        }, scopes);
        scopes.Reverse();
        return scopes;
    }

    /// <summary>Writes each value whose snake_case name is not in <paramref name="written"/> yet, and records it there.</summary>
    private static void WriteFields(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>>? fields, HashSet<string> written)
    {
        if (fields is null)
        {
            return;
        }

        foreach (var (key, value) in fields)
        {
            if (key == "{OriginalFormat}")
            {
                continue;
            }

            var name = ToSnakeCase(key);
            if (!written.Add(name))
            {
                continue;
            }
            switch (value)
            {
                case null:
                    writer.WriteNull(name);
                    break;
                case bool flag:
                    writer.WriteBoolean(name, flag);
                    break;
                case int or long or short or byte or uint or ulong or ushort:
                    writer.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case double or float or decimal:
                    writer.WriteNumber(name, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case DateTimeOffset instant:
                    writer.WriteString(name, instant.ToString("O", CultureInfo.InvariantCulture));
                    break;
                default:
                    writer.WriteString(name, LogMasking.MaskField(key, Convert.ToString(value, CultureInfo.InvariantCulture)));
                    break;
            }
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    // Framework messages carry no event name; the last segment of the category still says where they came from.
    private static string EventFallback(string category) => ToSnakeCase(category[(category.LastIndexOf('.') + 1)..]);

    internal static string ToSnakeCase(string name)
    {
        if (SnakeCaseNames.TryGetValue(name, out var known))
        {
            return known;
        }

        var converted = JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        if (SnakeCaseNames.Count < MaxRememberedNames)
        {
            SnakeCaseNames.TryAdd(name, converted);
        }

        return converted;
    }

    /// <summary>One thread's reusable line: the UTF-8 bytes, the JSON writer over them, the keys written so far.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification =
        "The writer writes into a managed buffer and holds nothing to release; the line lives as long as its thread.")]
    private sealed class LineBuffer
    {
        private ArrayBufferWriter<byte> _bytes = new(1024);
        private Utf8JsonWriter? _writer;

        public HashSet<string> Written { get; } = new(StringComparer.Ordinal);

        public bool InUse { get; set; }

        public Utf8JsonWriter Start()
        {
            // A rare huge line (an exception with a long stack) must not pin its buffer to the thread for good.
            if (_bytes.Capacity > MaxKeptBufferBytes)
            {
                _bytes = new ArrayBufferWriter<byte>(1024);
                _writer = null;
            }

            InUse = true;
            _bytes.ResetWrittenCount();
            Written.Clear();
            if (_writer is null)
            {
                _writer = new Utf8JsonWriter(_bytes, WriterOptions);
            }
            else
            {
                _writer.Reset(_bytes);
            }

            return _writer;
        }

        public void CopyTo(TextWriter textWriter)
        {
            _writer!.Flush();
            var bytes = _bytes.WrittenSpan;
            var chars = ArrayPool<char>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxCharCount(bytes.Length) + 1);
            try
            {
                var count = System.Text.Encoding.UTF8.GetChars(bytes, chars);
                chars[count] = '\n';
                textWriter.Write(chars, 0, count + 1);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }
    }
}
