namespace WorkflowRuntime.Domain.Triggers;

/// <summary>Started on demand through <c>TriggerWorkflow</c>; carries no settings.</summary>
public sealed record ManualTriggerSpec : TriggerSpec
{
    public static ManualTriggerSpec Instance { get; } = new();

    public override TriggerType Type => TriggerType.Manual;
}
