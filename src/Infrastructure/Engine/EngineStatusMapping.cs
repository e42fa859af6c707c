using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Protocol;

namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>The engine's wire statuses and the port's <see cref="EngineStatus"/>, one to one.</summary>
internal static class EngineStatusMapping
{
    public static EngineStatus ToPort(ExecutionStatus status) => status switch
    {
        ExecutionStatus.New => EngineStatus.New,
        ExecutionStatus.Running => EngineStatus.Running,
        ExecutionStatus.Success => EngineStatus.Success,
        ExecutionStatus.Error => EngineStatus.Error,
        ExecutionStatus.Canceled => EngineStatus.Canceled,
        ExecutionStatus.Waiting => EngineStatus.Waiting,
        ExecutionStatus.Paused => EngineStatus.Paused,
        // proto3 enums are open: a newer engine may send a value this contract does not know yet.
        _ => throw new EngineRejectedException($"The workflow engine answered with unknown execution status {(int)status}."),
    };

    public static ExecutionStatus ToProtocol(EngineStatus status) => status switch
    {
        EngineStatus.New => ExecutionStatus.New,
        EngineStatus.Running => ExecutionStatus.Running,
        EngineStatus.Success => ExecutionStatus.Success,
        EngineStatus.Error => ExecutionStatus.Error,
        EngineStatus.Canceled => ExecutionStatus.Canceled,
        EngineStatus.Waiting => ExecutionStatus.Waiting,
        EngineStatus.Paused => ExecutionStatus.Paused,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not an engine status."),
    };

    /// <summary>Whether the engine will not change this status any more.</summary>
    public static bool IsTerminal(this EngineStatus status) =>
        status is EngineStatus.Success or EngineStatus.Error or EngineStatus.Canceled;
}
