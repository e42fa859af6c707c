namespace WorkflowRuntime.Domain.Triggers;

/// <summary>A trigger attached to a deployment. Created and changed only through <see cref="Deployments.Deployment"/>.</summary>
public sealed class WorkflowTrigger
{
    private WorkflowTrigger(Guid id, Guid workflowId, TriggerSpec spec, int jitterSeconds, DateTimeOffset createdAt)
    {
        Id = id;
        WorkflowId = workflowId;
        Spec = spec;
        Type = spec.Type;
        JitterSeconds = jitterSeconds;
        IsActive = true;
        WebhookPath = (spec as WebhookTriggerSpec)?.Path;
        CreatedAt = createdAt;
    }

    // For the persistence adapter's materialiser.
    private WorkflowTrigger()
    {
        Spec = ManualTriggerSpec.Instance;
    }

    public Guid Id { get; private set; }

    public Guid WorkflowId { get; private set; }

    public TriggerType Type { get; private set; }

    public TriggerSpec Spec { get; private set; }

    public bool IsActive { get; private set; }

    /// <summary>The resolved offset (cron only, 0 otherwise), stored so the API shows what the scheduler uses.</summary>
    public int JitterSeconds { get; private set; }

    /// <summary>The webhook path while this trigger holds it; the database keeps active paths unique.</summary>
    public string? WebhookPath { get; private set; }

    public long FireCount { get; private set; }

    public DateTimeOffset? LastFiredAt { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    internal static WorkflowTrigger Create(Guid workflowId, TriggerSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var jitter = spec is CronTriggerSpec cron ? cron.JitterFor(workflowId.ToString()) : 0;
        return new WorkflowTrigger(Guid.NewGuid(), workflowId, spec, jitter, now);
    }

    /// <summary>
    /// The first fire strictly after <paramref name="now"/>: the cron occurrence T plus this trigger's jitter.
    /// Null for non-cron or inactive triggers.
    /// </summary>
    public DateTimeOffset? NextFireAfter(DateTimeOffset now)
    {
        if (!IsActive || Spec is not CronTriggerSpec cron)
        {
            return null;
        }

        var offset = TimeSpan.FromSeconds(JitterSeconds);
        return cron.NextOccurrenceAfter(now - offset) + offset;
    }

    internal void Deactivate()
    {
        IsActive = false;
        WebhookPath = null;
    }

    public void RecordFire(DateTimeOffset firedAt)
    {
        FireCount++;
        LastFiredAt = firedAt;
    }
}
