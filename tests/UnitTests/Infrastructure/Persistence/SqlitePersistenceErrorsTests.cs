using Microsoft.Data.Sqlite;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Infrastructure.Persistence;

namespace WorkflowRuntime.UnitTests.Infrastructure.Persistence;

/// <summary>An embedded database held by another writer is a transient condition, not a bug (ADR 0022).</summary>
public sealed class SqlitePersistenceErrorsTests
{
    [Theory]
    [InlineData(5)] // SQLITE_BUSY
    [InlineData(6)] // SQLITE_LOCKED
    public void A_locked_embedded_database_is_unavailable_not_an_internal_error(int errorCode)
    {
        var translated = PersistenceErrors.Translate(new SqliteException("SQLite Error 5: 'database is locked'.", errorCode));

        var unavailable = Assert.IsType<PersistenceUnavailableException>(translated);
        Assert.Contains("locked by another writer", unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_sqlite_error_is_not_translated()
    {
        Assert.Null(PersistenceErrors.Translate(new SqliteException("SQLite Error 1: 'no such table: x'.", 1)));
    }
}

public sealed class DatabaseWriteGateTests
{
    [Fact]
    public async Task The_single_writer_gate_lets_one_writer_in_at_a_time()
    {
        using var gate = DatabaseWriteGate.SingleWriter();

        var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None).AsTask();

        Assert.True(gate.IsSerialised);
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second).Dispose();
    }

    [Fact]
    public async Task The_unrestricted_gate_never_waits()
    {
        using var gate = DatabaseWriteGate.Unrestricted();

        using var first = await gate.EnterAsync(CancellationToken.None);
        using var second = await gate.EnterAsync(CancellationToken.None);

        Assert.False(gate.IsSerialised);
    }

    [Fact]
    public async Task A_writer_waiting_for_the_gate_can_give_up()
    {
        using var gate = DatabaseWriteGate.SingleWriter();
        using var held = await gate.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = gate.EnterAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
