using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>
/// Per-connection SQLite settings, applied whenever EF opens a connection (pooled ones included): a busy timeout, so
/// a reader or the health probe waits for the writer instead of failing with "database is locked", and
/// <c>synchronous=NORMAL</c>, which in WAL mode survives a process crash and only risks the last commits on power loss
/// (the embedded profile is a laptop convenience, ADR 0022). WAL itself is a property of the file, set once at start.
/// </summary>
internal sealed class SqliteConnectionSettings(int busyTimeoutMs) : DbConnectionInterceptor
{
    private string Pragmas => $"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA synchronous = NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
