using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>
/// A logger provider added next to the host's own console logger. It counts every event the service logs at
/// Information and above in its own categories (warnings and errors in all categories), keeping the first message of
/// each, and keeps Quartz's view of every fire (the <c>cron_fired</c> event: trigger, occurrence, lateness), so the
/// report can tell the scheduler's share of the lateness from the coordinator's, and see repeated fires.
/// </summary>
internal sealed class LogEventCounter : ILoggerProvider
{
    public const string CronFiredEvent = "cron_fired";

    private readonly ConcurrentDictionary<(LogLevel Level, string Category, string Event), Entry> _events = new();
    private readonly ConcurrentQueue<QuartzFire> _fires = new();

    public ILogger CreateLogger(string categoryName) => new CountingLogger(this, categoryName);

    public IReadOnlyList<LoggedEvent> Snapshot(LogLevel minimum) =>
    [
        .. _events.Where(e => e.Key.Level >= minimum)
            .OrderByDescending(e => e.Key.Level).ThenByDescending(e => e.Value.Count)
            .Select(e => new LoggedEvent(e.Key.Level.ToString(), e.Key.Category, e.Key.Event, e.Value.Count, e.Value.FirstMessage)),
    ];

    /// <summary>Every fire Quartz handed to the job, as the job logged it.</summary>
    public IReadOnlyCollection<QuartzFire> QuartzFires => _fires;

    public void Dispose()
    {
    }

    private void Record<TState>(LogLevel level, string category, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        var name = string.IsNullOrEmpty(eventId.Name) ? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : eventId.Name;
        var entry = _events.GetOrAdd((level, category, name), _ =>
        {
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += $" [{exception.GetType().Name}: {exception.Message}]";
            }

            return new Entry(message.Length <= 400 ? message : message[..400] + "…");
        });
        Interlocked.Increment(ref entry.Count);

        if (name == CronFiredEvent && state is IReadOnlyList<KeyValuePair<string, object?>> fields)
        {
            Guid? trigger = null;
            DateTimeOffset? occurrence = null;
            long? lateness = null;
            foreach (var (key, value) in fields)
            {
                switch (key, value)
                {
                    case ("TriggerId", Guid id):
                        trigger = id;
                        break;
                    case ("Occurrence", DateTimeOffset at):
                        occurrence = at;
                        break;
                    case ("LatenessMs", long ms):
                        lateness = ms;
                        break;
                }
            }

            if (trigger is { } t && occurrence is { } o && lateness is { } l)
            {
                _fires.Enqueue(new QuartzFire(t, o, l));
            }
        }
    }

    private sealed class Entry(string firstMessage)
    {
        public long Count;

        public string FirstMessage { get; } = firstMessage;
    }

    private sealed class CountingLogger(LogEventCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // The level itself is filtered by the logging configuration (see PhaseRunner).
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Record(logLevel, category, eventId, state, exception, formatter);
    }
}

internal sealed record LoggedEvent(string Level, string Category, string Event, long Count, string FirstMessage);

/// <summary>A fire as Quartz handed it to the job: lateness is FireTimeUtc − ScheduledFireTimeUtc (the scheduler's share).</summary>
internal readonly record struct QuartzFire(Guid TriggerId, DateTimeOffset Occurrence, long LatenessMs);
