using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// What the engine is sent to start a run, built the same way for the first dispatch and for a re-dispatch by the
/// sweeper: the execution id is the idempotency key, so sending it twice starts one engine run (ADR 0023).
/// </summary>
internal static class EngineDispatch
{
    public const string ExecutionIdMetadataKey = "runtime_execution_id";

    public static EngineStartRequest For(Deployment deployment, Execution execution, IReadOnlyDictionary<string, string> metadata) => new(
        deployment.Id,
        deployment.Definition.Json,
        execution.Mode.ToString().ToUpperInvariant(),
        execution.TriggeredBy,
        new Dictionary<string, string> { ["trigger_data"] = execution.TriggerData },
        new Dictionary<string, string>(metadata) { [ExecutionIdMetadataKey] = execution.Id.ToString() },
        IdempotencyKey: execution.Id.ToString());

    /// <summary>The metadata a re-dispatch can rebuild from the row (the request's own metadata is not stored).</summary>
    public static IReadOnlyDictionary<string, string> StoredMetadata(Execution execution) =>
        execution.ScheduledFor is { } occurrence
            ? new Dictionary<string, string> { ["scheduled_for"] = occurrence.ToString("O") }
            : new Dictionary<string, string>();
}
