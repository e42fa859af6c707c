namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>
/// Serialises writes where the database has one writer at a time. SQLite (the embedded profile) locks the whole file
/// for a write; callers that race for that lock inside the driver get "database is locked" when a transaction cannot
/// be upgraded, so every SaveChanges and every explicit transaction of the process queues here first (ADR 0022).
/// PostgreSQL has row locks and needs none: its gate lets everyone through.
/// </summary>
public sealed class DatabaseWriteGate : IDisposable
{
    private readonly SemaphoreSlim? _writer;

    private DatabaseWriteGate(SemaphoreSlim? writer) => _writer = writer;

    /// <summary>No serialisation (PostgreSQL).</summary>
    public static DatabaseWriteGate Unrestricted() => new(null);

    /// <summary>One writer at a time, process-wide (SQLite).</summary>
    public static DatabaseWriteGate SingleWriter() => new(new SemaphoreSlim(1, 1));

    public bool IsSerialised => _writer is not null;

    /// <summary>Waits for the writer slot; dispose the result to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            return default;
        }

        await _writer.WaitAsync(cancellationToken);
        return new Slot(_writer);
    }

    public void Dispose() => _writer?.Dispose();

    /// <summary>The held writer slot (or nothing, when the gate is unrestricted).</summary>
    public readonly struct Slot : IDisposable
    {
        private readonly SemaphoreSlim? _writer;

        internal Slot(SemaphoreSlim writer) => _writer = writer;

        public void Dispose() => _writer?.Release();
    }
}
