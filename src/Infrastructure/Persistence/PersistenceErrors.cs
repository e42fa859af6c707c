using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Turns provider exceptions into the persistence port's documented ones.</summary>
internal static class PersistenceErrors
{
    private const string UniqueViolationSqlState = "23505";
    private const int SqliteConstraintError = 19;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    // SQLite names the columns, not the index, of a violated unique constraint.
    private static readonly Dictionary<string, string> SqliteUniqueColumns = new(StringComparer.Ordinal)
    {
        ["workflow_triggers.webhook_path"] = UniqueConstraints.ActiveWebhookPath,
        ["workflow_executions.workflow_id, workflow_executions.idempotency_key"] = UniqueConstraints.ExecutionIdempotencyKey,
        ["workflow_executions.workflow_id, workflow_executions.scheduled_for"] = UniqueConstraints.ExecutionOccurrence,
        ["workflow_executions.workflow_id"] = UniqueConstraints.ExclusiveExecution,
        ["workflows.id"] = UniqueConstraints.WorkflowPrimaryKey,
    };

    public static async Task<T> GuardAsync<T>(Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The port exception for a provider exception, or null when it is not one the port documents.</summary>
    public static Exception? Translate(Exception exception) => exception switch
    {
        DbUpdateConcurrencyException => new ConcurrencyConflictException("the row's version changed since it was read", exception),
        DbUpdateException { InnerException: { } inner } when Translate(inner) is { } translated => translated,
        // The deployment fence (ADR 0024): a run admitted against a deployment version that is no longer stored.
        PostgresException { SqlState: StaleDeploymentException.Marker } => new StaleDeploymentException(exception),
        SqliteException { SqliteErrorCode: SqliteConstraintError } sqlite when sqlite.Message.Contains(StaleDeploymentException.Marker, StringComparison.Ordinal) =>
            new StaleDeploymentException(exception),
        // The pending bound (ADR 0026): the workflow's buffer already holds as many PENDING runs as its policy allows.
        PostgresException { SqlState: PendingLimitReachedException.Marker } => new PendingLimitReachedException(exception),
        SqliteException { SqliteErrorCode: SqliteConstraintError } sqlite when sqlite.Message.Contains(PendingLimitReachedException.Marker, StringComparison.Ordinal) =>
            new PendingLimitReachedException(exception),
        PostgresException { SqlState: UniqueViolationSqlState } postgres =>
            new UniqueConstraintViolationException(postgres.ConstraintName ?? "unknown", exception),
        SqliteException { SqliteErrorCode: SqliteConstraintError } sqlite when UniqueConstraintOf(sqlite) is { } name =>
            new UniqueConstraintViolationException(name, exception),
        // Another connection held the file longer than the busy timeout: nothing was written, a retry may succeed.
        // (The driver's text is not quoted: callers never see database error texts.)
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } =>
            new PersistenceUnavailableException("the embedded database stayed locked by another writer", exception),
        NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: SocketException or TimeoutException or IOException } =>
            // The message reaches callers ("the database is unavailable: …"): never the server's or driver's text.
            new PersistenceUnavailableException(SafeErrorText.Describe(exception), exception),
        // Npgsql's execution strategy wraps what it takes for transient ("… likely due to a transient failure") around
        // either the driver's exception or EF's DbUpdateException: found by the PostgreSQL-restart fault test.
        InvalidOperationException { InnerException: { } inner } when Translate(inner) is { } translated => translated,
        _ => null,
    };

    private static string? UniqueConstraintOf(SqliteException exception)
    {
        const string marker = "UNIQUE constraint failed: ";
        var at = exception.Message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var columns = exception.Message[(at + marker.Length)..].TrimEnd('.', '\'', ' ');
        return SqliteUniqueColumns.GetValueOrDefault(columns, columns);
    }
}
