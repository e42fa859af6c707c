namespace WorkflowRuntime.Application.Abstractions;

/// <summary>Someone else changed the row since it was read (the version did not match).</summary>
public sealed class ConcurrencyConflictException : Exception
{
    public ConcurrencyConflictException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}

/// <summary>The database refused a write because a unique index already holds the value.</summary>
public sealed class UniqueConstraintViolationException : Exception
{
    public UniqueConstraintViolationException(string constraintName, Exception? innerException = null)
        : base($"unique constraint '{constraintName}' violated", innerException)
    {
        ConstraintName = constraintName;
    }

    /// <summary>One of the names in <see cref="UniqueConstraints"/>.</summary>
    public string ConstraintName { get; }
}

/// <summary>
/// The database refused a run because its deployment is no longer at the version the run was admitted against (it
/// was updated, paused or archived meanwhile, on any replica): the cached deployment is stale (ADR 0024).
/// </summary>
public sealed class StaleDeploymentException : Exception
{
    /// <summary>The SQLSTATE (PostgreSQL) or RAISE text (SQLite) the deployment fence answers with.</summary>
    public const string Marker = "WR001";

    public StaleDeploymentException(Exception? innerException = null)
        : base("the workflow's deployment changed since it was read", innerException)
    {
    }
}

/// <summary>
/// The database refused a PENDING run because the workflow already has as many as its overlap policy allows
/// (BUFFER_ONE: 1, BUFFER_ALL: its buffer limit). Counted under a per-workflow lock inside the insert (ADR 0026), so
/// concurrent triggers on any replica never overfill the buffer.
/// </summary>
public sealed class PendingLimitReachedException : Exception
{
    /// <summary>The SQLSTATE (PostgreSQL) or RAISE text (SQLite) the pending bound answers with.</summary>
    public const string Marker = "WR002";

    public PendingLimitReachedException(Exception? innerException = null)
        : base("the workflow's buffer of pending runs is full", innerException)
    {
    }
}

/// <summary>The names of the unique indexes the application reacts to.</summary>
public static class UniqueConstraints
{
    public const string ActiveWebhookPath = "ux_workflow_triggers_active_webhook_path";
    public const string ExecutionIdempotencyKey = "ux_workflow_executions_idempotency_key";
    public const string ExecutionOccurrence = "ux_workflow_executions_scheduled_for";
    public const string ExclusiveExecution = "ux_workflow_executions_one_exclusive_active";
    public const string WorkflowPrimaryKey = "pk_workflows";
}

/// <summary>The database could not be reached.</summary>
public sealed class PersistenceUnavailableException : Exception
{
    public PersistenceUnavailableException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
