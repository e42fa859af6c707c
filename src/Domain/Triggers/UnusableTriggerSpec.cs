namespace WorkflowRuntime.Domain.Triggers;

/// <summary>
/// A stored trigger that can no longer be read under today's rules (an unknown time zone, a cron expression the
/// parser refuses). It keeps the stored configuration unchanged so that saving the deployment writes it back as it
/// was, never fires, and is shown so the owner can replace it. One such row must not fail a page of deployments or
/// the scheduler's reconcile pass.
/// </summary>
/// <param name="StoredType">The kind the row was stored as.</param>
/// <param name="StoredConfig">The stored configuration document, verbatim.</param>
/// <param name="Problem">Why it cannot be used, for logs and callers.</param>
public sealed record UnusableTriggerSpec(TriggerType StoredType, string StoredConfig, string Problem) : TriggerSpec
{
    public override TriggerType Type => StoredType;

    /// <summary>The cron expression as stored, when it was a cron trigger.</summary>
    public string? Expression { get; init; }

    /// <summary>The zone as stored, when it was a cron trigger.</summary>
    public string? TimeZoneId { get; init; }

    /// <summary>The path as stored, when it was a webhook trigger.</summary>
    public string? Path { get; init; }
}
