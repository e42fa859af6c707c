using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using WorkflowRuntime.Application.Diagnostics;

namespace WorkflowRuntime.UnitTests.Application.Diagnostics;

/// <summary>Listens to one instrument of the <c>WorkflowRuntime</c> meter and keeps what it records (in process, no I/O).</summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(double Value, IReadOnlyDictionary<string, object?> Tags)> _measurements = new();

    public RecordedMeasurements(string instrument)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == WorkflowRuntimeTelemetry.Name && published.Name == instrument)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) => Record(value, tags));
        _listener.Start();
    }

    public IReadOnlyList<(double Value, IReadOnlyDictionary<string, object?> Tags)> All => [.. _measurements];

    /// <summary>Measurements whose tags include every given pair.</summary>
    public IReadOnlyList<double> With(params (string Key, object? Value)[] tags) =>
        All.Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value))).Select(m => m.Value).ToList();

    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measurements.Enqueue((value, copy));
    }
}
