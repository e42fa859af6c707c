using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Domain.Deployments;

/// <summary>
/// A workflow and how it is deployed: the aggregate root. Lifecycle
/// <c>DRAFT → DEPLOYED ⇄ PAUSED</c>, and <c>DRAFT | DEPLOYED | PAUSED → ARCHIVED</c>, which is terminal.
/// Every change bumps <see cref="Version"/>, the optimistic-concurrency token.
/// </summary>
public sealed class Deployment
{
    public const int MaxTriggers = 20;
    public const int MaxNameLength = 255;
    public const int MaxUserIdLength = 255;
    public const int MaxDescriptionLength = 4000;
    public const int MaxPauseNoteLength = 1000;

    private static readonly Dictionary<DeploymentStatus, DeploymentStatus[]> AllowedTransitions = new()
    {
        [DeploymentStatus.Draft] = [DeploymentStatus.Deployed, DeploymentStatus.Archived],
        [DeploymentStatus.Deployed] = [DeploymentStatus.Paused, DeploymentStatus.Archived],
        [DeploymentStatus.Paused] = [DeploymentStatus.Deployed, DeploymentStatus.Archived],
        [DeploymentStatus.Archived] = [],
    };

    private readonly List<WorkflowTrigger> _triggers = [];

    // For the persistence adapter's materialiser.
    private Deployment()
    {
        UserId = string.Empty;
        Name = string.Empty;
        Definition = null!;
        Config = DeploymentConfig.Default;
    }

    public Guid Id { get; private set; }

    public string UserId { get; private set; }

    public string Name { get; private set; }

    public string? Description { get; private set; }

    public WorkflowDefinition Definition { get; private set; }

    public DeploymentStatus Status { get; private set; }

    public long Version { get; private set; }

    public DeploymentConfig Config { get; private set; }

    public string? PauseNote { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset? DeployedAt { get; private set; }

    public IReadOnlyList<WorkflowTrigger> Triggers => _triggers;

    public IEnumerable<WorkflowTrigger> ActiveTriggers => _triggers.Where(t => t.IsActive);

    /// <summary>Only a deployed workflow takes triggers.</summary>
    public bool AcceptsExecutions => Status == DeploymentStatus.Deployed;

    public static Deployment CreateDraft(Guid id, string? userId, string? name, string? description,
        WorkflowDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (id == Guid.Empty)
        {
            throw new DomainValidationException("workflow_id", "workflow_id must not be the empty UUID.");
        }

        return new Deployment
        {
            Id = id,
            UserId = RequireText(userId, "user_id", MaxUserIdLength),
            Name = RequireText(name, "name", MaxNameLength),
            Description = OptionalText(description, "description", MaxDescriptionLength),
            Definition = definition,
            Status = DeploymentStatus.Draft,
            Version = 1,
            Config = DeploymentConfig.Default,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Takes a draft live with its triggers and configuration.</summary>
    public void Deploy(IReadOnlyCollection<TriggerSpec> triggers, DeploymentConfig config, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        EnsureStatus(DeploymentStatus.Draft, DeploymentStatus.Deployed, "deploy");
        // Validate before changing anything, so a refused deploy leaves the draft as it was.
        var created = CreateTriggers(triggers, now);
        MoveTo(DeploymentStatus.Deployed);
        ReplaceWith(created);
        Config = config;
        DeployedAt = now;
        Touch(now);
    }

    public void Rename(string? name, DateTimeOffset now)
    {
        EnsureEditable();
        Name = RequireText(name, "name", MaxNameLength);
        Touch(now);
    }

    public void Describe(string? description, DateTimeOffset now)
    {
        EnsureEditable();
        Description = OptionalText(description, "description", MaxDescriptionLength);
        Touch(now);
    }

    public void ChangeDefinition(WorkflowDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        EnsureEditable();
        Definition = definition;
        Touch(now);
    }

    public void ChangeConfig(DeploymentConfig config, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        EnsureEditable();
        Config = config;
        Touch(now);
    }

    /// <summary>Swaps every trigger for a new set; the old ones are removed.</summary>
    public void ReplaceTriggers(IReadOnlyCollection<TriggerSpec> triggers, DateTimeOffset now)
    {
        EnsureEditable();
        ReplaceWith(CreateTriggers(triggers, now));
        Touch(now);
    }

    public void Pause(string? note, DateTimeOffset now)
    {
        var trimmed = OptionalText(note, "note", MaxPauseNoteLength);
        MoveTo(DeploymentStatus.Paused);
        PauseNote = trimmed;
        Touch(now);
    }

    public void Resume(DateTimeOffset now)
    {
        EnsureStatus(DeploymentStatus.Paused, DeploymentStatus.Deployed, "resume");
        MoveTo(DeploymentStatus.Deployed);
        PauseNote = null;
        Touch(now);
    }

    /// <summary>Retires the deployment for good: triggers are deactivated and webhook paths freed.</summary>
    public void Archive(DateTimeOffset now)
    {
        MoveTo(DeploymentStatus.Archived);
        foreach (var trigger in _triggers)
        {
            trigger.Deactivate();
        }

        Touch(now);
    }

    public static bool CanTransition(DeploymentStatus from, DeploymentStatus to) => AllowedTransitions[from].Contains(to);

    private void MoveTo(DeploymentStatus target)
    {
        if (!CanTransition(Status, target))
        {
            throw new InvalidStateTransitionException("Deployment", Status.ToString().ToUpperInvariant(), target.ToString().ToUpperInvariant());
        }

        Status = target;
    }

    // DRAFT → DEPLOYED is a deploy and PAUSED → DEPLOYED a resume; neither method may take the other's edge.
    private void EnsureStatus(DeploymentStatus required, DeploymentStatus target, string operation)
    {
        if (Status != required)
        {
            throw new InvalidStateTransitionException("Deployment", Status.ToString().ToUpperInvariant(),
                $"{target.ToString().ToUpperInvariant()} ({operation} applies to {required.ToString().ToUpperInvariant()} deployments only)");
        }
    }

    private void EnsureEditable()
    {
        if (Status == DeploymentStatus.Archived)
        {
            throw new InvalidStateTransitionException("Deployment", "ARCHIVED", "an updated deployment");
        }
    }

    private List<WorkflowTrigger> CreateTriggers(IReadOnlyCollection<TriggerSpec> triggers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        if (triggers.Count > MaxTriggers)
        {
            throw new DomainValidationException("triggers", $"a deployment has at most {MaxTriggers} triggers; got {triggers.Count}.");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var spec in triggers)
        {
            if (spec is WebhookTriggerSpec webhook && !paths.Add(webhook.Path))
            {
                throw new DomainValidationException($"triggers[{index}].webhook.path", $"webhook path '{webhook.Path}' appears twice in this deployment.");
            }

            index++;
        }

        return [.. triggers.Select(spec => WorkflowTrigger.Create(Id, spec, now))];
    }

    private void ReplaceWith(List<WorkflowTrigger> triggers)
    {
        _triggers.Clear();
        _triggers.AddRange(triggers);
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    private static string RequireText(string? value, string field, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new DomainValidationException(field, $"{field} is required.");
        }

        return trimmed.Length <= maxLength
            ? Storable(trimmed, field)
            : throw new DomainValidationException(field, $"{field} is longer than {maxLength} characters.");
    }

    private static string? OptionalText(string? value, string field, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return trimmed.Length <= maxLength
            ? Storable(trimmed, field)
            : throw new DomainValidationException(field, $"{field} is longer than {maxLength} characters.");
    }

    private static string Storable(string value, string field) =>
        InputText.FindUnstorable(value) is { } problem
            ? throw new DomainValidationException(field, $"{field} {problem}.")
            : value;
}
