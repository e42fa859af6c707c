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
}

public static class ExecutionStatusExtensions
{
    /// <summary>Terminal states are final: no transition leaves them.</summary>
    public static bool IsTerminal(this ExecutionStatus status) =>
        status is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Canceled
            or ExecutionStatus.Timeout or ExecutionStatus.Skipped;
}
