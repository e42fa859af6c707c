namespace WorkflowRuntime.Domain.Triggers;

/// <summary>What starts a workflow: one of <see cref="CronTriggerSpec"/>, <see cref="WebhookTriggerSpec"/>, <see cref="ManualTriggerSpec"/>.</summary>
public abstract record TriggerSpec
{
    public abstract TriggerType Type { get; }
}
