namespace WorkflowRuntime.Domain.Executions;

public enum ExecutionMode
{
    Manual,
    Webhook,
    Scheduled,
    Retry,
}
