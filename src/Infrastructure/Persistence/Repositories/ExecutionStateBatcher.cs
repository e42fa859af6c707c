using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <summary>
/// Writes concurrent state changes of runs in one conditional UPDATE (ADR 0027). Only the changes that cannot trip a
/// constraint or a trigger come here: a run moving to RUNNING or ending, and the statement skips rows stored as
/// PENDING (so their <c>pending_leaves</c> trigger and the exclusive-run index never act inside a batch). A change it
/// did not write (its revision moved on, its row is PENDING, the statement failed) the repository writes on its own.
/// </summary>
public sealed class ExecutionStateBatcher(string connectionString, int commandTimeoutSeconds, ILogger<ExecutionStateBatcher> logger)
    : StatementBatcher<ExecutionStateBatcher.StateRow>(connectionString, commandTimeoutSeconds, logger, "state")
{
    /// <summary>Whether a change to <paramref name="status"/> may go through a batch.</summary>
    public static bool Batches(ExecutionStatus status) => status == ExecutionStatus.Running || status.IsTerminal();

    protected override string Sql => """
        UPDATE workflow_executions AS e SET
            status = v.status, engine_execution_id = v.engine_execution_id, result_data = v.result_data,
            error_message = v.error_message, started_at = v.started_at, finished_at = v.finished_at,
            heartbeat_at = v.heartbeat_at, deadline_at = v.deadline_at, owner_instance_id = v.owner_instance_id,
            lock_token = v.lock_token, revision = v.revision
        FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                    $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::bigint[])
            AS v(id, expected_revision, status, engine_execution_id, result_data, error_message, started_at,
                 finished_at, heartbeat_at, deadline_at, owner_instance_id, lock_token, revision)
        WHERE e.id = v.id AND e.revision = v.expected_revision AND e.status <> 'PENDING'
        RETURNING e.id
        """;

    /// <summary>
    /// Queues the run's current state; true when a batch wrote it (the stored row was at
    /// <paramref name="expectedRevision"/>), false when the caller must write it on its own.
    /// </summary>
    public Task<bool> TryWriteAsync(Execution execution, long expectedRevision)
    {
        ArgumentNullException.ThrowIfNull(execution);
        return IsFound(EnqueueAsync(StateRow.Of(execution, expectedRevision)));
    }

    private static async Task<bool> IsFound(Task<BatchAnswer> answer) => await answer == BatchAnswer.Found;

    protected override Guid IdOf(StateRow row) => row.Id;

    protected override void Bind(NpgsqlParameterCollection parameters, IReadOnlyList<StateRow> rows)
    {
        parameters.Add(Array(rows, r => r.Id, NpgsqlDbType.Uuid));
        parameters.Add(Array(rows, r => r.ExpectedRevision, NpgsqlDbType.Bigint));
        parameters.Add(Array(rows, r => r.Status, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.EngineExecutionId, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.ResultData, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.ErrorMessage, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.StartedAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.FinishedAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.HeartbeatAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.DeadlineAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.OwnerInstanceId, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.LockToken, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.Revision, NpgsqlDbType.Bigint));
    }

    /// <summary>The stored columns of a run's state, copied when it was queued (the caller's aggregate may move on).</summary>
    public sealed record StateRow(Guid Id, long ExpectedRevision, string Status, string? EngineExecutionId, string? ResultData,
        string? ErrorMessage, DateTime? StartedAt, DateTime? FinishedAt, DateTime? HeartbeatAt, DateTime? DeadlineAt,
        string? OwnerInstanceId, string? LockToken, long Revision)
    {
        public static StateRow Of(Execution e, long expectedRevision) => new(e.Id, expectedRevision,
            StoredColumns.Spell(e.Status), e.EngineExecutionId, e.ResultData, e.ErrorMessage, StoredColumns.Utc(e.StartedAt),
            StoredColumns.Utc(e.FinishedAt), StoredColumns.Utc(e.HeartbeatAt), StoredColumns.Utc(e.DeadlineAt), e.OwnerInstanceId,
            e.LockToken, e.Revision);
    }
}
