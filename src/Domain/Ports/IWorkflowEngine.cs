namespace WorkflowRuntime.Domain.Ports;

/// <summary>The external engine that actually runs workflows.</summary>
public interface IWorkflowEngine
{
    Task<EngineStartResult> ExecuteAsync(EngineStartRequest request, CancellationToken cancellationToken = default);

    Task<EngineExecutionState> GetStatusAsync(string engineExecutionId, CancellationToken cancellationToken = default);

    Task CancelAsync(string engineExecutionId, string reason, CancellationToken cancellationToken = default);
}

public sealed record EngineStartRequest(
    Guid WorkflowId,
    string WorkflowDefinition,
    string Mode,
    string? TriggeredBy,
    IReadOnlyDictionary<string, string> InputData,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record EngineStartResult(string EngineExecutionId, EngineStatus Status, string? Message);

public sealed record EngineExecutionState(EngineStatus Status, string? ResultData, string? ErrorMessage);

/// <summary>The engine's own statuses (its contract, not ours).</summary>
public enum EngineStatus
{
    New,
    Running,
    Success,
    Error,
    Canceled,
    Waiting,
    Paused,
}

/// <summary>The engine could not be reached after retries.</summary>
public sealed class EngineUnavailableException : Exception
{
    public EngineUnavailableException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}

/// <summary>
/// The engine answered but refused the call (an invalid argument, an unknown execution id, …): retrying the same call
/// will not help, unlike <see cref="EngineUnavailableException"/>.
/// </summary>
public sealed class EngineRejectedException : Exception
{
    public EngineRejectedException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
