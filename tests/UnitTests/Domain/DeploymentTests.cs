using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class DeploymentTests
{
    private static readonly DateTimeOffset Later = Samples.Now.AddMinutes(5);

    public enum Operation
    {
        Deploy,
        Pause,
        Resume,
        Archive,
    }

    /// <summary>All 16 (from, to) pairs of the lifecycle and whether the state machine allows them.</summary>
    public static TheoryData<DeploymentStatus, DeploymentStatus, bool> AllTransitions()
    {
        var legal = new HashSet<(DeploymentStatus, DeploymentStatus)>
        {
            (DeploymentStatus.Draft, DeploymentStatus.Deployed),
            (DeploymentStatus.Draft, DeploymentStatus.Archived),
            (DeploymentStatus.Deployed, DeploymentStatus.Paused),
            (DeploymentStatus.Deployed, DeploymentStatus.Archived),
            (DeploymentStatus.Paused, DeploymentStatus.Deployed),
            (DeploymentStatus.Paused, DeploymentStatus.Archived),
        };
        var data = new TheoryData<DeploymentStatus, DeploymentStatus, bool>();
        foreach (var from in Enum.GetValues<DeploymentStatus>())
        {
            foreach (var to in Enum.GetValues<DeploymentStatus>())
            {
                data.Add(from, to, legal.Contains((from, to)));
            }
        }

        return data;
    }

    /// <summary>Every lifecycle method from every status: the status it leads to, or null when it must be refused.</summary>
    public static TheoryData<DeploymentStatus, Operation, DeploymentStatus?> AllOperations() => new()
    {
        { DeploymentStatus.Draft, Operation.Deploy, DeploymentStatus.Deployed },
        { DeploymentStatus.Draft, Operation.Pause, null },
        { DeploymentStatus.Draft, Operation.Resume, null },
        { DeploymentStatus.Draft, Operation.Archive, DeploymentStatus.Archived },
        { DeploymentStatus.Deployed, Operation.Deploy, null },
        { DeploymentStatus.Deployed, Operation.Pause, DeploymentStatus.Paused },
        { DeploymentStatus.Deployed, Operation.Resume, null },
        { DeploymentStatus.Deployed, Operation.Archive, DeploymentStatus.Archived },
        { DeploymentStatus.Paused, Operation.Deploy, null },
        { DeploymentStatus.Paused, Operation.Pause, null },
        { DeploymentStatus.Paused, Operation.Resume, DeploymentStatus.Deployed },
        { DeploymentStatus.Paused, Operation.Archive, DeploymentStatus.Archived },
        { DeploymentStatus.Archived, Operation.Deploy, null },
        { DeploymentStatus.Archived, Operation.Pause, null },
        { DeploymentStatus.Archived, Operation.Resume, null },
        { DeploymentStatus.Archived, Operation.Archive, null },
    };

    [Theory]
    [MemberData(nameof(AllTransitions))]
    public void CanTransition_allows_exactly_the_lifecycle_edges(DeploymentStatus from, DeploymentStatus to, bool legal) =>
        Assert.Equal(legal, Deployment.CanTransition(from, to));

    [Theory]
    [MemberData(nameof(AllTransitions))]
    public void Driving_a_real_aggregate_agrees_with_CanTransition(DeploymentStatus from, DeploymentStatus to, bool legal)
    {
        // Every method that targets 'to' (none targets DRAFT); at least one must succeed exactly when the edge is legal.
        var operations = OperationsTargeting(to);
        var succeeded = false;
        foreach (var operation in operations)
        {
            var deployment = Samples.InStatus(from);
            Assert.Equal(from, deployment.Status);
            try
            {
                Apply(deployment, operation);
                Assert.Equal(to, deployment.Status);
                succeeded = true;
            }
            catch (InvalidStateTransitionException)
            {
                Assert.Equal(from, deployment.Status);
            }
        }

        Assert.Equal(legal, succeeded);
    }

    [Theory]
    [MemberData(nameof(AllOperations))]
    public void Lifecycle_methods_move_or_refuse_without_changing_anything(DeploymentStatus from, Operation operation, DeploymentStatus? expected)
    {
        var deployment = Samples.InStatus(from);
        var version = deployment.Version;
        var updatedAt = deployment.UpdatedAt;

        if (expected is { } target)
        {
            Apply(deployment, operation);

            Assert.Equal(target, deployment.Status);
            Assert.Equal(version + 1, deployment.Version);
            Assert.Equal(Later, deployment.UpdatedAt);
        }
        else
        {
            var ex = Assert.Throws<InvalidStateTransitionException>(() => Apply(deployment, operation));

            Assert.Equal("Deployment", ex.Entity);
            Assert.Equal(from.ToString().ToUpperInvariant(), ex.From);
            Assert.Equal(from, deployment.Status);
            Assert.Equal(version, deployment.Version);
            Assert.Equal(updatedAt, deployment.UpdatedAt);
        }
    }

    [Fact]
    public void Archived_is_terminal_for_every_change()
    {
        var deployment = Samples.Archived();
        var version = deployment.Version;
        var name = deployment.Name;

        Assert.Throws<InvalidStateTransitionException>(() => deployment.Rename("other", Later));
        Assert.Throws<InvalidStateTransitionException>(() => deployment.ChangeDefinition(Samples.Definition, Later));
        Assert.Throws<InvalidStateTransitionException>(() => deployment.ChangeConfig(DeploymentConfig.Default, Later));
        Assert.Throws<InvalidStateTransitionException>(() => deployment.ReplaceTriggers([ManualTriggerSpec.Instance], Later));
        foreach (var to in Enum.GetValues<DeploymentStatus>())
        {
            Assert.False(Deployment.CanTransition(DeploymentStatus.Archived, to));
        }

        Assert.Equal(version, deployment.Version);
        Assert.Equal(name, deployment.Name);
        Assert.Equal(DeploymentStatus.Archived, deployment.Status);
    }

    [Fact]
    public void CreateDraft_starts_at_version_1_as_a_draft_without_triggers()
    {
        var id = Guid.NewGuid();

        var deployment = Deployment.CreateDraft(id, " user-1 ", " Daily report ", "  ", Samples.Definition, Samples.Now);

        Assert.Equal(id, deployment.Id);
        Assert.Equal("user-1", deployment.UserId);
        Assert.Equal("Daily report", deployment.Name);
        Assert.Null(deployment.Description);
        Assert.Equal(DeploymentStatus.Draft, deployment.Status);
        Assert.Equal(1, deployment.Version);
        Assert.Empty(deployment.Triggers);
        Assert.Null(deployment.DeployedAt);
        Assert.Equal(DeploymentConfig.Default, deployment.Config);
        Assert.Equal(Samples.Now, deployment.CreatedAt);
        Assert.Equal(Samples.Now, deployment.UpdatedAt);
        Assert.False(deployment.AcceptsExecutions);
    }

    public static TheoryData<string?, string?, string?, string> InvalidDrafts => new()
    {
        { null, "name", null, "user_id" },
        { "", "name", null, "user_id" },
        { "   ", "name", null, "user_id" },
        { new string('u', Deployment.MaxUserIdLength + 1), "name", null, "user_id" },
        { "user", null, null, "name" },
        { "user", " ", null, "name" },
        { "user", new string('n', Deployment.MaxNameLength + 1), null, "name" },
        { "user", "name", new string('d', Deployment.MaxDescriptionLength + 1), "description" },
    };

    [Theory]
    [MemberData(nameof(InvalidDrafts))]
    public void CreateDraft_names_the_invalid_field(string? userId, string? name, string? description, string field)
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            Deployment.CreateDraft(Guid.NewGuid(), userId, name, description, Samples.Definition, Samples.Now));

        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void CreateDraft_accepts_a_name_of_exactly_the_maximum_length() =>
        Assert.Equal(Deployment.MaxNameLength,
            Deployment.CreateDraft(Guid.NewGuid(), "u", new string('n', Deployment.MaxNameLength), null, Samples.Definition, Samples.Now).Name.Length);

    [Fact]
    public void CreateDraft_refuses_the_empty_guid()
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            Deployment.CreateDraft(Guid.Empty, "user", "name", null, Samples.Definition, Samples.Now));

        Assert.Equal("workflow_id", ex.Field);
    }

    [Fact]
    public void Deploy_sets_status_deployed_at_config_and_triggers()
    {
        var deployment = Samples.Draft();
        var config = DeploymentConfig.Create(OverlapPolicy.AllowAll, 120);
        TriggerSpec[] specs = [CronTriggerSpec.Create("0 9 * * *"), WebhookTriggerSpec.Create("orders/created"), ManualTriggerSpec.Instance];

        deployment.Deploy(specs, config, Later);

        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.True(deployment.AcceptsExecutions);
        Assert.Equal(Later, deployment.DeployedAt);
        Assert.Equal(config, deployment.Config);
        Assert.Equal(2, deployment.Version);
        Assert.Equal(specs, deployment.Triggers.Select(t => t.Spec));
        Assert.Equal([TriggerType.Cron, TriggerType.Webhook, TriggerType.Manual], deployment.Triggers.Select(t => t.Type));
        Assert.All(deployment.Triggers, t =>
        {
            Assert.True(t.IsActive);
            Assert.Equal(deployment.Id, t.WorkflowId);
            Assert.Equal(Later, t.CreatedAt);
            Assert.NotEqual(Guid.Empty, t.Id);
        });
        Assert.Equal("orders/created", deployment.Triggers[1].WebhookPath);
        Assert.Null(deployment.Triggers[0].WebhookPath);
        Assert.Equal(3, deployment.ActiveTriggers.Count());
    }

    [Fact]
    public void Every_change_increments_the_version()
    {
        var deployment = Samples.Draft();
        var versions = new List<long> { deployment.Version };

        deployment.Rename("renamed", Later);
        versions.Add(deployment.Version);
        deployment.ChangeDefinition(Samples.Definition, Later);
        versions.Add(deployment.Version);
        deployment.ChangeConfig(DeploymentConfig.Create(OverlapPolicy.AllowAll, 10), Later);
        versions.Add(deployment.Version);
        deployment.ReplaceTriggers([ManualTriggerSpec.Instance], Later);
        versions.Add(deployment.Version);
        deployment.Deploy([ManualTriggerSpec.Instance], DeploymentConfig.Default, Later);
        versions.Add(deployment.Version);
        deployment.Pause(null, Later);
        versions.Add(deployment.Version);
        deployment.Resume(Later);
        versions.Add(deployment.Version);
        deployment.Archive(Later);
        versions.Add(deployment.Version);

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8, 9], versions);
        Assert.Equal("renamed", deployment.Name);
    }

    [Fact]
    public void Rename_validates_the_name_and_changes_nothing_when_invalid()
    {
        var deployment = Samples.Deployed();

        var ex = Assert.Throws<DomainValidationException>(() => deployment.Rename("  ", Later));

        Assert.Equal("name", ex.Field);
        Assert.Equal("Daily report", deployment.Name);
        Assert.Equal(2, deployment.Version);
    }

    [Fact]
    public void ReplaceTriggers_swaps_the_whole_set()
    {
        var deployment = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"), WebhookTriggerSpec.Create("old"));
        var oldIds = deployment.Triggers.Select(t => t.Id).ToList();

        deployment.ReplaceTriggers([WebhookTriggerSpec.Create("new")], Later);

        var trigger = Assert.Single(deployment.Triggers);
        Assert.Equal("new", trigger.WebhookPath);
        Assert.DoesNotContain(trigger.Id, oldIds);
    }

    [Fact]
    public void Archive_deactivates_every_trigger_and_frees_webhook_paths()
    {
        var deployment = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"), WebhookTriggerSpec.Create("orders/created"), ManualTriggerSpec.Instance);

        deployment.Archive(Later);

        Assert.Equal(DeploymentStatus.Archived, deployment.Status);
        Assert.Equal(3, deployment.Triggers.Count);
        Assert.All(deployment.Triggers, t =>
        {
            Assert.False(t.IsActive);
            Assert.Null(t.WebhookPath);
            Assert.Null(t.NextFireAfter(Later));
        });
        Assert.Empty(deployment.ActiveTriggers);
        Assert.False(deployment.AcceptsExecutions);
    }

    [Fact]
    public void Deploy_refuses_more_than_20_triggers_and_stays_a_draft()
    {
        var deployment = Samples.Draft();
        var triggers = Enumerable.Range(0, Deployment.MaxTriggers + 1)
            .Select(i => (TriggerSpec)WebhookTriggerSpec.Create($"hook-{i}"))
            .ToList();

        var ex = Assert.Throws<DomainValidationException>(() => deployment.Deploy(triggers, DeploymentConfig.Default, Later));

        Assert.Equal("triggers", ex.Field);
        Assert.Equal(DeploymentStatus.Draft, deployment.Status);
        Assert.Equal(1, deployment.Version);
        Assert.Null(deployment.DeployedAt);
        Assert.Empty(deployment.Triggers);
    }

    [Fact]
    public void Deploy_accepts_exactly_20_triggers()
    {
        var deployment = Samples.Draft();
        var triggers = Enumerable.Range(0, Deployment.MaxTriggers)
            .Select(i => (TriggerSpec)WebhookTriggerSpec.Create($"hook-{i}"))
            .ToList();

        deployment.Deploy(triggers, DeploymentConfig.Default, Later);

        Assert.Equal(Deployment.MaxTriggers, deployment.Triggers.Count);
    }

    [Fact]
    public void ReplaceTriggers_refuses_more_than_20_and_keeps_the_old_set()
    {
        var deployment = Samples.Deployed();
        var before = deployment.Triggers.ToList();
        var triggers = Enumerable.Repeat<TriggerSpec>(ManualTriggerSpec.Instance, Deployment.MaxTriggers + 1).ToList();

        var ex = Assert.Throws<DomainValidationException>(() => deployment.ReplaceTriggers(triggers, Later));

        Assert.Equal("triggers", ex.Field);
        Assert.Equal(before, deployment.Triggers);
        Assert.Equal(2, deployment.Version);
    }

    [Fact]
    public void Deploy_refuses_a_webhook_path_used_twice_naming_the_second()
    {
        var deployment = Samples.Draft();
        TriggerSpec[] triggers = [WebhookTriggerSpec.Create("orders"), WebhookTriggerSpec.Create("/orders", ["GET"])];

        var ex = Assert.Throws<DomainValidationException>(() => deployment.Deploy(triggers, DeploymentConfig.Default, Later));

        Assert.Equal("triggers[1].webhook.path", ex.Field);
        Assert.Contains("orders", ex.Message, StringComparison.Ordinal);
        Assert.Equal(DeploymentStatus.Draft, deployment.Status);
    }

    [Fact]
    public void Duplicate_path_index_counts_every_trigger_kind()
    {
        var deployment = Samples.Draft();
        TriggerSpec[] triggers = [WebhookTriggerSpec.Create("a"), ManualTriggerSpec.Instance, CronTriggerSpec.Create("0 9 * * *"), WebhookTriggerSpec.Create("a")];

        var ex = Assert.Throws<DomainValidationException>(() => deployment.Deploy(triggers, DeploymentConfig.Default, Later));

        Assert.Equal("triggers[3].webhook.path", ex.Field);
    }

    [Fact]
    public void Pause_sets_the_note_and_Resume_clears_it()
    {
        var deployment = Samples.Deployed();

        deployment.Pause("  maintenance window  ", Later);
        Assert.Equal(DeploymentStatus.Paused, deployment.Status);
        Assert.Equal("maintenance window", deployment.PauseNote);
        Assert.False(deployment.AcceptsExecutions);

        deployment.Resume(Later);
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.Null(deployment.PauseNote);
        Assert.True(deployment.AcceptsExecutions);
    }

    [Fact]
    public void Pause_refuses_a_note_that_is_too_long_and_stays_deployed()
    {
        var deployment = Samples.Deployed();

        var ex = Assert.Throws<DomainValidationException>(() => deployment.Pause(new string('x', Deployment.MaxPauseNoteLength + 1), Later));

        Assert.Equal("note", ex.Field);
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.Null(deployment.PauseNote);
    }

    [Fact]
    public void Pause_and_archive_keep_triggers_active_only_until_archived()
    {
        var deployment = Samples.Deployed(WebhookTriggerSpec.Create("orders"));

        deployment.Pause(null, Later);

        Assert.True(Assert.Single(deployment.Triggers).IsActive);
        Assert.Equal("orders", deployment.Triggers[0].WebhookPath);
    }

    [Theory]
    [InlineData("0 9 * * *")]
    [InlineData("*/1 * * * *")]
    [InlineData("*/10 * * * * *")]
    public void Cron_trigger_jitter_is_the_spec_jitter_for_the_deployment_id(string expression)
    {
        var spec = CronTriggerSpec.Create(expression);
        var deployment = Samples.Deployed(spec);

        var trigger = Assert.Single(deployment.Triggers);

        Assert.Equal(spec.JitterFor(deployment.Id.ToString()), trigger.JitterSeconds);
    }

    [Fact]
    public void Cron_trigger_jitter_is_fixed_for_a_known_id()
    {
        // md5("11111111-1111-1111-1111-111111111111")[:8] % 300 == 202, and % 60 == 22 (computed independently).
        var deployment = Samples.Draft(Guid.Parse("11111111-1111-1111-1111-111111111111"));

        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *"), CronTriggerSpec.Create("* * * * *")], DeploymentConfig.Default, Later);

        Assert.Equal(202, deployment.Triggers[0].JitterSeconds);
        Assert.Equal(22, deployment.Triggers[1].JitterSeconds);
    }

    [Fact]
    public void Non_cron_triggers_and_disabled_jitter_have_no_offset()
    {
        var deployment = Samples.Deployed(
            WebhookTriggerSpec.Create("orders"), ManualTriggerSpec.Instance, CronTriggerSpec.Create("0 9 * * *", disableJitter: true));

        Assert.All(deployment.Triggers, t => Assert.Equal(0, t.JitterSeconds));
    }

    [Theory]
    [InlineData("2025-06-01T12:00:00Z")]
    [InlineData("2025-06-01T09:00:00Z")]
    [InlineData("2025-06-01T08:59:59Z")]
    [InlineData("2025-12-31T23:59:59Z")]
    public void NextFireAfter_is_the_occurrence_plus_jitter_strictly_after_now(string nowText)
    {
        var now = DateTimeOffset.Parse(nowText, System.Globalization.CultureInfo.InvariantCulture);
        var spec = CronTriggerSpec.Create("0 9 * * *");
        var deployment = Samples.Deployed(spec);
        var trigger = deployment.Triggers[0];
        var jitter = TimeSpan.FromSeconds(trigger.JitterSeconds);

        var next = trigger.NextFireAfter(now);

        Assert.NotNull(next);
        Assert.True(next > now, $"{next:O} is not after {now:O}");
        var occurrence = next.Value - jitter;
        Assert.Equal(new TimeSpan(9, 0, 0), occurrence.TimeOfDay);
        Assert.True(next - now <= TimeSpan.FromDays(1) + jitter);
    }

    [Fact]
    public void NextFireAfter_inside_the_jitter_of_an_occurrence_is_that_occurrence_shifted()
    {
        // Jitter 202 s for this id: at 09:01 the fire for the 09:00 occurrence (09:03:22) is still ahead.
        var deployment = Samples.Draft(Guid.Parse("11111111-1111-1111-1111-111111111111"));
        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Default, Later);
        var trigger = deployment.Triggers[0];

        Assert.Equal(new DateTimeOffset(2025, 6, 2, 9, 3, 22, TimeSpan.Zero), trigger.NextFireAfter(new DateTimeOffset(2025, 6, 2, 9, 1, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2025, 6, 3, 9, 3, 22, TimeSpan.Zero), trigger.NextFireAfter(new DateTimeOffset(2025, 6, 2, 9, 3, 22, TimeSpan.Zero)));
    }

    [Fact]
    public void NextFireAfter_is_null_for_webhook_and_manual_triggers()
    {
        var deployment = Samples.Deployed(WebhookTriggerSpec.Create("orders"), ManualTriggerSpec.Instance);

        Assert.All(deployment.Triggers, t => Assert.Null(t.NextFireAfter(Samples.Now)));
    }

    [Fact]
    public void RecordFire_counts_fires()
    {
        var trigger = Samples.Deployed().Triggers[0];

        trigger.RecordFire(Samples.Now);
        trigger.RecordFire(Later);

        Assert.Equal(2, trigger.FireCount);
        Assert.Equal(Later, trigger.LastFiredAt);
    }

    private static Operation[] OperationsTargeting(DeploymentStatus to) => to switch
    {
        DeploymentStatus.Deployed => [Operation.Deploy, Operation.Resume],
        DeploymentStatus.Paused => [Operation.Pause],
        DeploymentStatus.Archived => [Operation.Archive],
        _ => [],
    };

    private static void Apply(Deployment deployment, Operation operation)
    {
        switch (operation)
        {
            case Operation.Deploy:
                deployment.Deploy([ManualTriggerSpec.Instance], DeploymentConfig.Default, Later);
                break;
            case Operation.Pause:
                deployment.Pause("note", Later);
                break;
            case Operation.Resume:
                deployment.Resume(Later);
                break;
            case Operation.Archive:
                deployment.Archive(Later);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }
}
