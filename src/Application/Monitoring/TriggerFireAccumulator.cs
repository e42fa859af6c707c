namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// The in-memory side of the trigger counters: one tally per trigger until the next flush. Thread-safe; recording
/// is a dictionary update under a lock, nothing else, so it costs the hot path no I/O.
/// </summary>
public sealed class TriggerFireAccumulator : ITriggerFireRecorder
{
    private readonly Lock _gate = new();
    private Dictionary<Guid, TriggerFireTally> _pending = [];

    /// <summary>Triggers with fires not yet written.</summary>
    public int PendingTriggers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public void RecordFire(Guid triggerId, DateTimeOffset firedAt)
    {
        lock (_gate)
        {
            Add(new TriggerFireTally(triggerId, 1, firedAt));
        }
    }

    /// <summary>Takes every pending tally; the caller writes them or gives them back with <see cref="Restore"/>.</summary>
    public IReadOnlyCollection<TriggerFireTally> Drain()
    {
        lock (_gate)
        {
            var drained = _pending.Values;
            _pending = [];
            return drained;
        }
    }

    /// <summary>Puts back tallies a failed flush could not write, merged with the fires recorded since.</summary>
    public void Restore(IEnumerable<TriggerFireTally> tallies)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        lock (_gate)
        {
            foreach (var tally in tallies)
            {
                Add(tally);
            }
        }
    }

    private void Add(TriggerFireTally tally) =>
        _pending[tally.TriggerId] = _pending.TryGetValue(tally.TriggerId, out var existing)
            ? new TriggerFireTally(tally.TriggerId, existing.Fires + tally.Fires,
                existing.LastFiredAt > tally.LastFiredAt ? existing.LastFiredAt : tally.LastFiredAt)
            : tally;
}
