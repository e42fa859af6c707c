using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <summary>
/// "Does this workflow have a NEW or RUNNING exclusive run?" for many triggers in one query (ADR 0027): the question
/// every trigger of a SKIP workflow asks when its lock is held, so that a stale lock never skips. Concurrent questions,
/// for one workflow or many, share the statement; a failed statement sends each caller to ask on its own.
/// </summary>
public sealed class ExecutionSlotProbe(string connectionString, int commandTimeoutSeconds, ILogger<ExecutionSlotProbe> logger)
    : StatementBatcher<ExecutionSlotProbe.Question>(connectionString, commandTimeoutSeconds, logger, "slot_probe")
{
    protected override string Sql => """
        SELECT DISTINCT e.workflow_id FROM workflow_executions AS e
        WHERE e.workflow_id = ANY($1) AND e.is_exclusive AND e.status IN ('NEW', 'RUNNING')
        """;

    /// <summary>True or false from a shared query; null when the query failed and the caller must ask on its own.</summary>
    public async Task<bool?> HasActiveExclusiveAsync(Guid workflowId) => await EnqueueAsync(new Question(workflowId)) switch
    {
        BatchAnswer.Found => true,
        BatchAnswer.NotFound => false,
        _ => null,
    };

    // Several triggers of one workflow may ask in one batch: they share the answer, as they share the id.
    protected override Guid IdOf(Question row) => row.WorkflowId;

    protected override void Bind(NpgsqlParameterCollection parameters, IReadOnlyList<Question> rows) =>
        parameters.Add(new NpgsqlParameter<Guid[]>
        {
            TypedValue = [.. rows.Select(r => r.WorkflowId).Distinct()],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid,
        });

    public sealed record Question(Guid WorkflowId);
}
