namespace WorkflowRuntime.Domain.Ports;

/// <summary>The external engine that actually runs workflows.</summary>
public interface IWorkflowEngine
{
    Task<EngineStartResult> ExecuteAsync(EngineStartRequest request, CancellationToken cancellationToken = default);

    Task<EngineExecutionState> GetStatusAsync(string engineExecutionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the engine to stop a run and says what happened. An engine that cannot be reached is
    /// <see cref="EngineCancelOutcome.Unreachable"/>, not an exception: the caller decides what that means for its record.
    /// </summary>
    Task<EngineCancelResult> CancelAsync(string engineExecutionId, string reason, CancellationToken cancellationToken = default);
}

/// <param name="IdempotencyKey">
/// The runtime's execution id: the engine starts at most one run per key and answers a repeat with the run it already
/// has, so a dispatch whose outcome is unknown (the instance died, the answer was lost) can be sent again (ADR 0023).
/// </param>
public sealed record EngineStartRequest(
    Guid WorkflowId,
    string WorkflowDefinition,
    string Mode,
    string? TriggeredBy,
    IReadOnlyDictionary<string, string> InputData,
    IReadOnlyDictionary<string, string> Metadata,
    string? IdempotencyKey = null);

public sealed record EngineStartResult(string EngineExecutionId, EngineStatus Status, string? Message);

public sealed record EngineExecutionState(EngineStatus Status, string? ResultData, string? ErrorMessage);

/// <summary>What a cancel request did in the engine.</summary>
public enum EngineCancelOutcome
{
    /// <summary>The run was still going and is stopped now.</summary>
    Canceled,

    /// <summary>The run had ended before the cancel arrived; <see cref="EngineCancelResult.FinalState"/> says how.</summary>
    AlreadyFinished,

    /// <summary>The engine has no run with that id (it never had it, or forgot it).</summary>
    UnknownRun,

    /// <summary>No answer: the engine is down or unreachable, so nothing is known to have changed.</summary>
    Unreachable,
}

/// <param name="FinalState">For <see cref="EngineCancelOutcome.AlreadyFinished"/>: the run's terminal state and result.</param>
/// <param name="Message">What the engine (or the failed call) said, for logs and error messages.</param>
public sealed record EngineCancelResult(EngineCancelOutcome Outcome, EngineExecutionState? FinalState = null, string? Message = null)
{
    public static EngineCancelResult Canceled() => new(EngineCancelOutcome.Canceled);

    public static EngineCancelResult AlreadyFinished(EngineExecutionState finalState) =>
        new(EngineCancelOutcome.AlreadyFinished, finalState ?? throw new ArgumentNullException(nameof(finalState)));

    public static EngineCancelResult UnknownRun(string? message = null) => new(EngineCancelOutcome.UnknownRun, Message: message);

    public static EngineCancelResult Unreachable(string message) => new(EngineCancelOutcome.Unreachable, Message: message);
}

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
