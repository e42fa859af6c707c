namespace WorkflowRuntime.Domain.Triggers;

public enum TriggerType
{
    Cron,
    Webhook,
    Manual,
}
