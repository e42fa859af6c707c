namespace WorkflowRuntime.Domain.Executions;

public enum ExecutionStatus
{
    New,
    Running,
    Success,
    Error,
    Canceled,
    Timeout,
    Skipped,

    /// <summary>Waiting for the workflow's slot (overlap policy BUFFER_ONE / BUFFER_ALL); becomes NEW when promoted.</summary>
    Pending,
}

public static class ExecutionStatusExtensions
{
    /// <summary>Terminal states are final: no transition leaves them.</summary>
    public static bool IsTerminal(this ExecutionStatus status) =>
        status is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Canceled
            or ExecutionStatus.Timeout or ExecutionStatus.Skipped;
}
