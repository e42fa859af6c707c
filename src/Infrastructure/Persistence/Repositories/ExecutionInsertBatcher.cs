using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <summary>
/// Inserts concurrently admitted runs in one statement (ADR 0027): new runs (NEW) and records of skipped or missed
/// triggers (SKIPPED). <c>ON CONFLICT DO NOTHING</c> leaves out a row that meets a unique index (a repeated key or
/// occurrence, a taken slot), and a row the deployment fence refuses fails the whole statement: either way the row
/// comes back not written and the repository inserts it on its own, where the violation or the stale version is
/// reported as it always was. PENDING runs never come here: their bound is counted under a lock by the insert trigger.
/// </summary>
public sealed class ExecutionInsertBatcher(string connectionString, int commandTimeoutSeconds, ILogger<ExecutionInsertBatcher> logger)
    : StatementBatcher<ExecutionInsertBatcher.InsertRow>(connectionString, commandTimeoutSeconds, logger, "insert")
{
    /// <summary>Whether a new run with <paramref name="status"/> may be inserted by a batch.</summary>
    public static bool Batches(ExecutionStatus status) => status is ExecutionStatus.New or ExecutionStatus.Skipped;

    protected override string Sql => """
        INSERT INTO workflow_executions (id, workflow_id, status, mode, trigger_id, triggered_by, idempotency_key,
            scheduled_for, is_exclusive, engine_execution_id, trigger_data, result_data, error_message, skip_reason,
            created_at, started_at, finished_at, deadline_at, heartbeat_at, owner_instance_id, lock_token, revision,
            deployment_version)
        SELECT id, workflow_id, status, mode, trigger_id, triggered_by, idempotency_key, scheduled_for, is_exclusive,
            engine_execution_id, trigger_data::jsonb, result_data, error_message, skip_reason, created_at, started_at,
            finished_at, deadline_at, heartbeat_at, owner_instance_id, lock_token, revision, deployment_version
        FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[],
                    $8::timestamptz[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                    $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[],
                    $20::text[], $21::text[], $22::bigint[], $23::bigint[])
            AS v(id, workflow_id, status, mode, trigger_id, triggered_by, idempotency_key, scheduled_for, is_exclusive,
                 engine_execution_id, trigger_data, result_data, error_message, skip_reason, created_at, started_at,
                 finished_at, deadline_at, heartbeat_at, owner_instance_id, lock_token, revision, deployment_version)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    /// <summary>Queues the new run; true when a batch inserted it, false when the caller must insert it on its own.</summary>
    public Task<bool> TryInsertAsync(Execution execution)
    {
        ArgumentNullException.ThrowIfNull(execution);
        return IsFound(EnqueueAsync(InsertRow.Of(execution)));
    }

    private static async Task<bool> IsFound(Task<BatchAnswer> answer) => await answer == BatchAnswer.Found;

    protected override Guid IdOf(InsertRow row) => row.Id;

    protected override void Bind(NpgsqlParameterCollection parameters, IReadOnlyList<InsertRow> rows)
    {
        parameters.Add(Array(rows, r => r.Id, NpgsqlDbType.Uuid));
        parameters.Add(Array(rows, r => r.WorkflowId, NpgsqlDbType.Uuid));
        parameters.Add(Array(rows, r => r.Status, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.Mode, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.TriggerId, NpgsqlDbType.Uuid));
        parameters.Add(Array(rows, r => r.TriggeredBy, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.IdempotencyKey, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.ScheduledFor, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.IsExclusive, NpgsqlDbType.Boolean));
        parameters.Add(Array(rows, r => r.EngineExecutionId, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.TriggerData, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.ResultData, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.ErrorMessage, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.SkipReason, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.CreatedAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.StartedAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.FinishedAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.DeadlineAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.HeartbeatAt, NpgsqlDbType.TimestampTz));
        parameters.Add(Array(rows, r => r.OwnerInstanceId, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.LockToken, NpgsqlDbType.Text));
        parameters.Add(Array(rows, r => r.Revision, NpgsqlDbType.Bigint));
        parameters.Add(Array(rows, r => r.DeploymentVersion, NpgsqlDbType.Bigint));
    }

    /// <summary>Every stored column of a new run, copied when it was queued.</summary>
    public sealed record InsertRow(Guid Id, Guid WorkflowId, string Status, string Mode, Guid? TriggerId, string? TriggeredBy,
        string? IdempotencyKey, DateTime? ScheduledFor, bool IsExclusive, string? EngineExecutionId, string TriggerData,
        string? ResultData, string? ErrorMessage, string? SkipReason, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt,
        DateTime? DeadlineAt, DateTime? HeartbeatAt, string? OwnerInstanceId, string? LockToken, long Revision, long? DeploymentVersion)
    {
        public static InsertRow Of(Execution e) => new(e.Id, e.WorkflowId, StoredColumns.Spell(e.Status), StoredColumns.Spell(e.Mode),
            e.TriggerId, e.TriggeredBy, e.IdempotencyKey, StoredColumns.Utc(e.ScheduledFor), e.IsExclusive, e.EngineExecutionId,
            e.TriggerData, e.ResultData, e.ErrorMessage, e.SkipReason, e.CreatedAt.UtcDateTime, StoredColumns.Utc(e.StartedAt),
            StoredColumns.Utc(e.FinishedAt), StoredColumns.Utc(e.DeadlineAt), StoredColumns.Utc(e.HeartbeatAt), e.OwnerInstanceId,
            e.LockToken, e.Revision, e.DeploymentVersion);
    }
}
