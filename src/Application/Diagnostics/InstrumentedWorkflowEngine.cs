using System.Diagnostics;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>
/// Wraps the engine port (gRPC client or simulator alike) with the <c>engine.*</c> spans and the
/// <c>workflow_runtime.engine.call.duration</c> histogram, tagged by operation and outcome.
/// </summary>
public sealed class InstrumentedWorkflowEngine(IWorkflowEngine inner) : IWorkflowEngine
{
    public Task<EngineStartResult> ExecuteAsync(EngineStartRequest request, CancellationToken cancellationToken = default) =>
        MeasureAsync("execute", request?.WorkflowId.ToString(), () => inner.ExecuteAsync(request!, cancellationToken));

    public Task<EngineExecutionState> GetStatusAsync(string engineExecutionId, CancellationToken cancellationToken = default) =>
        MeasureAsync("get_status", null, () => inner.GetStatusAsync(engineExecutionId, cancellationToken),
            engineExecutionId, traceWithoutParent: false);

    public Task<EngineCancelResult> CancelAsync(string engineExecutionId, string reason, CancellationToken cancellationToken = default) =>
        MeasureAsync("cancel", null, () => inner.CancelAsync(engineExecutionId, reason, cancellationToken), engineExecutionId);

    /// <summary>The outcome tag: ok, or why not (unavailable: no answer; rejected: an answer that says no; canceled).</summary>
    public static string OutcomeOf(Exception? exception) => exception switch
    {
        null => "ok",
        EngineUnavailableException => "unavailable",
        EngineRejectedException => "rejected",
        OperationCanceledException => "canceled",
        _ => "error",
    };

    /// <param name="traceWithoutParent">
    /// False for status polls: the trackers poll every running execution from background loops, and a root trace
    /// per poll would flood a trace backend; inside a traced request they are still spans.
    /// </param>
    private static async Task<T> MeasureAsync<T>(string operation, string? workflowId, Func<Task<T>> call,
        string? engineExecutionId = null, bool traceWithoutParent = true)
    {
        using var activity = traceWithoutParent || Activity.Current is not null
            ? WorkflowRuntimeTelemetry.ActivitySource.StartActivity($"engine.{operation}", ActivityKind.Internal)
            : null;
        activity?.SetTag("workflow_runtime.engine.operation", operation);
        activity?.SetTag("workflow_runtime.workflow_id", workflowId);
        activity?.SetTag("workflow_runtime.engine_execution_id", engineExecutionId);
        var started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        try
        {
            return await call();
        }
        catch (Exception ex)
        {
            failure = ex;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            var outcome = OutcomeOf(failure);
            activity?.SetTag("workflow_runtime.outcome", outcome);
            WorkflowRuntimeTelemetry.EngineCallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("operation", operation),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
