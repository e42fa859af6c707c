using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Executions;

/// <param name="Mode">Null: MANUAL by workflow id, WEBHOOK by webhook path.</param>
/// <param name="WaitTimeoutSeconds">0: the configured default.</param>
public sealed record TriggerCommand(
    string? WorkflowId,
    string? WebhookPath,
    ExecutionMode? Mode,
    string? TriggerData,
    string? IdempotencyKey,
    string? TriggeredBy,
    IReadOnlyDictionary<string, string> Metadata,
    bool WaitForCompletion,
    int WaitTimeoutSeconds)
{
    /// <summary>The caller's deadline (gRPC <c>grpc-timeout</c>); null when the call has none. Checked before admission.</summary>
    public DateTimeOffset? Deadline { get; init; }
}

/// <param name="Deduplicated">The idempotency key (or cron occurrence) had already started a run: this is that run.</param>
public sealed record TriggerOutcome(Execution Execution, bool Deduplicated);

/// <summary>What a cancel did: <paramref name="Canceled"/> is false when the run had already ended in the engine, and
/// <paramref name="Execution"/> then holds how it really ended.</summary>
public sealed record CancelOutcome(Execution Execution, bool Canceled);

public sealed record ExecutionHistoryRequest(
    string? WorkflowId,
    string? UserId,
    IReadOnlyList<ExecutionStatus> Statuses,
    IReadOnlyList<ExecutionMode> Modes,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int PageSize,
    string? PageToken);

/// <param name="QueuePositions">The place in its workflow's queue of each PENDING run of the page (1 = starts next).</param>
public sealed record ExecutionHistoryView(IReadOnlyList<Execution> Executions, string? NextPageToken,
    IReadOnlyDictionary<Guid, int>? QueuePositions = null);

/// <summary>What a backfill did with the occurrences of its range.</summary>
public sealed record BackfillCounts(int Occurrences, int Started, int AlreadyPresent, int Skipped);
