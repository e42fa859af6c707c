using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>How a simulated run of a workflow ends.</summary>
public enum SimulatedOutcome
{
    /// <summary>RUNNING for the latency, then SUCCESS with the result data.</summary>
    Success,

    /// <summary>RUNNING for the latency, then ERROR with the error message.</summary>
    Error,

    /// <summary>RUNNING until canceled.</summary>
    Hang,

    /// <summary>ExecuteWorkflow fails: UNAVAILABLE over gRPC, <see cref="EngineUnavailableException"/> in process.</summary>
    Unavailable,
}

/// <summary>What the simulated engine does with a run of one workflow (or of every workflow, as the default).</summary>
public sealed record SimulatedBehaviour(
    TimeSpan Latency, SimulatedOutcome Outcome, string? ResultData = null, string? ErrorMessage = null)
{
    public const string DefaultResultData = """{"ok":true}""";
    public const string DefaultErrorMessage = "simulated failure";

    public static SimulatedBehaviour Success(TimeSpan latency, string? resultData = null) =>
        new(latency, SimulatedOutcome.Success, resultData);

    public static SimulatedBehaviour Error(TimeSpan latency, string? errorMessage = null) =>
        new(latency, SimulatedOutcome.Error, ErrorMessage: errorMessage);

    public static SimulatedBehaviour Hang() => new(TimeSpan.Zero, SimulatedOutcome.Hang);

    public static SimulatedBehaviour Unavailable() => new(TimeSpan.Zero, SimulatedOutcome.Unavailable);

    internal void Validate()
    {
        if (Latency < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Latency), Latency, "A simulated latency cannot be negative.");
        }

        if (!Enum.IsDefined(Outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(Outcome), Outcome, "Not a simulated outcome.");
        }
    }
}

/// <summary>A simulated run as the engine sees it at the moment it was asked.</summary>
public sealed record SimulatedExecution(
    string ExecutionId,
    string WorkflowId,
    EngineStatus Status,
    string WorkflowDefinition,
    string Mode,
    string TriggeredBy,
    IReadOnlyDictionary<string, string> InputData,
    IReadOnlyDictionary<string, string> Metadata,
    string? ResultData,
    string? ErrorMessage,
    DateTimeOffset StartedAt);

/// <summary>What a cancel request did.</summary>
public enum SimulatedCancelOutcome
{
    Canceled,
    AlreadyFinished,
    NotFound,
}
