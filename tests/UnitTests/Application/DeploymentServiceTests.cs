using Ardalis.Result;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application;

public sealed class DeploymentServiceTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Mock<IDeploymentRepository> _deployments = new();
    private readonly Mock<IExecutionRepository> _executions = new();
    private readonly Mock<IUnitOfWork> _unitOfWork = new();
    private readonly Mock<ICronScheduler> _scheduler = new();
    private readonly DeploymentOptions _options = new();
    private readonly FixedTimeProvider _clock = new(Now);
    private bool _inTransaction;
    private int _savesInsideTransaction;
    private int _savesOutsideTransaction;

    public DeploymentServiceTests()
    {
        _unitOfWork
            .Setup(u => u.InTransactionAsync(It.IsAny<Func<CancellationToken, Task<bool>>>(), It.IsAny<CancellationToken>()))
            .Returns(async (Func<CancellationToken, Task<bool>> work, CancellationToken ct) =>
            {
                _inTransaction = true;
                try
                {
                    return await work(ct);
                }
                finally
                {
                    _inTransaction = false;
                }
            });
        _unitOfWork
            .Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>()))
            .Callback(() =>
            {
                if (_inTransaction)
                {
                    _savesInsideTransaction++;
                }
                else
                {
                    _savesOutsideTransaction++;
                }
            })
            .Returns(Task.CompletedTask);
    }

    private DeploymentService Service => new(_deployments.Object, _executions.Object, _unitOfWork.Object, _scheduler.Object,
        Options.Create(_options), _clock, NullLogger<DeploymentService>.Instance);

    // ---------------------------------------------------------------- deploy

    [Fact]
    public async Task Deploy_new_workflow_adds_saves_schedules_and_returns_it_deployed()
    {
        var id = Guid.NewGuid();
        _deployments.Setup(r => r.FindAsync(id, It.IsAny<CancellationToken>())).ReturnsAsync((Deployment?)null);

        var result = await Service.DeployAsync(DeployCommand(id.ToString(), new TriggerInput(TriggerType.Cron, CronExpression: "0 9 * * *")));

        Assert.Equal(ResultStatus.Ok, result.Status);
        var deployment = result.Value.Deployment;
        Assert.Equal(id, deployment.Id);
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.Equal(Now, deployment.DeployedAt);
        Assert.Equal("user-1", deployment.UserId);
        Assert.Equal("Daily report", deployment.Name);
        var trigger = Assert.Single(result.Value.Triggers);
        Assert.Equal(deployment.Triggers[0], trigger.Trigger);
        Assert.Equal(deployment.Triggers[0].NextFireAfter(Now), trigger.NextFireTime);
        Assert.NotNull(trigger.NextFireTime);
        _deployments.Verify(r => r.Add(It.Is<Deployment>(d => d.Id == id)), Times.Once);
        _scheduler.Verify(s => s.ScheduleAsync(deployment, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, _savesInsideTransaction);
        Assert.Equal(0, _savesOutsideTransaction);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Deploy_without_an_id_gets_one_from_the_server(string? workflowId)
    {
        Deployment? added = null;
        _deployments.Setup(r => r.Add(It.IsAny<Deployment>())).Callback((Deployment d) => added = d);

        var result = await Service.DeployAsync(DeployCommand(workflowId));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.NotEqual(Guid.Empty, result.Value.Deployment.Id);
        Assert.Same(added, result.Value.Deployment);
        _deployments.Verify(r => r.FindAsync(result.Value.Deployment.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Deploy_existing_draft_renames_redefines_and_deploys_it_without_adding()
    {
        var draft = Samples.Draft();
        _deployments.Setup(r => r.FindAsync(draft.Id, It.IsAny<CancellationToken>())).ReturnsAsync(draft);

        var command = DeployCommand(draft.Id.ToString()) with { Name = "Renamed" };
        var result = await Service.DeployAsync(command);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Same(draft, result.Value.Deployment);
        Assert.Equal("Renamed", draft.Name);
        Assert.Equal(DeploymentStatus.Deployed, draft.Status);
        _deployments.Verify(r => r.Add(It.IsAny<Deployment>()), Times.Never);
        _scheduler.Verify(s => s.ScheduleAsync(draft, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("12345")]
    public async Task Deploy_with_a_bad_workflow_id_is_invalid(string workflowId)
    {
        var result = await Service.DeployAsync(DeployCommand(workflowId));

        AssertInvalid(result, "workflow_id", FailureCode.InvalidArgument);
        AssertNothingChanged();
    }

    [Fact]
    public async Task Deploy_with_a_definition_over_the_limit_is_resource_exhausted()
    {
        _options.MaxDefinitionBytes = 1024;
        var nodes = string.Join(',', Enumerable.Range(0, 40).Select(i => $$"""{"id":"node-{{i}}","type":"http"}"""));
        var command = DeployCommand(Guid.NewGuid().ToString()) with { WorkflowDefinition = $$"""{"nodes":[{{nodes}}]}""" };
        Assert.True(command.WorkflowDefinition!.Length > 1024);

        var result = await Service.DeployAsync(command);

        AssertInvalid(result, "workflow_definition", FailureCode.ResourceExhausted);
        Assert.Contains("1024", result.ValidationErrors.Single().ErrorMessage, StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Fact]
    public async Task Deploy_counts_definition_size_in_utf8_bytes_not_characters()
    {
        _options.MaxDefinitionBytes = 1024;
        // 520 'é' are 1040 UTF-8 bytes but only 520 characters: over the limit only when counted in bytes.
        var command = DeployCommand(Guid.NewGuid().ToString()) with
        {
            WorkflowDefinition = $$"""{"nodes":[{"id":"a","type":"t","label":"{{new string('é', 520)}}"}]}""",
        };
        Assert.True(command.WorkflowDefinition!.Length < 1024);

        var result = await Service.DeployAsync(command);

        AssertInvalid(result, "workflow_definition", FailureCode.ResourceExhausted);
    }

    [Fact]
    public async Task Deploy_with_an_invalid_definition_names_its_field()
    {
        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString()) with { WorkflowDefinition = """{"nodes":[]}""" });

        AssertInvalid(result, "workflow_definition.nodes", FailureCode.InvalidArgument);
        AssertNothingChanged();
    }

    [Theory]
    [InlineData("61 * * * *", "triggers[0].cron.cron_expression")]
    [InlineData("* * *", "triggers[0].cron.cron_expression")]
    public async Task Deploy_with_an_invalid_cron_names_the_trigger_field(string expression, string field)
    {
        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(), new TriggerInput(TriggerType.Cron, CronExpression: expression)));

        AssertInvalid(result, field, FailureCode.InvalidArgument);
        Assert.Contains(expression, result.ValidationErrors.Single().ErrorMessage, StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Theory]
    [InlineData("* * * * * *")]
    [InlineData("*/5 * * * * *")]
    [InlineData("0,5 * * * * *")]
    public async Task Deploy_with_a_cron_firing_more_often_than_the_minimum_interval_is_invalid(string expression)
    {
        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(), new TriggerInput(TriggerType.Cron, CronExpression: expression)));

        AssertInvalid(result, "triggers[0].cron.cron_expression", FailureCode.InvalidArgument);
        Assert.Contains("minimum interval between fires is 10 s", result.ValidationErrors.Single().ErrorMessage, StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Fact]
    public async Task The_minimum_cron_interval_is_the_configured_one()
    {
        _options.MinCronIntervalSeconds = 1;

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(), new TriggerInput(TriggerType.Cron, CronExpression: "* * * * * *")));

        Assert.True(result.IsSuccess);
    }

    [Fact]
    public async Task Resolve_of_a_path_no_deployment_could_register_is_not_found_without_a_lookup()
    {
        var result = await Service.ResolveWebhookAsync("NOT/valid path " + new string('x', 200), "POST");

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.True(result.Errors.Single().Length < 200);
        _deployments.Verify(r => r.FindActiveWebhookAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    public static TheoryData<TriggerInput[], string> InvalidTriggers => new()
    {
        { [new TriggerInput(TriggerType.Manual), new TriggerInput(TriggerType.Cron, CronExpression: "0 9 * * *", TimeZone: "Mars/Olympus")], "triggers[1].cron.timezone" },
        { [new TriggerInput(TriggerType.Cron, CronExpression: "0 9 * * *", JitterWindowSeconds: -1)], "triggers[0].cron.jitter_window_seconds" },
        { [new TriggerInput(TriggerType.Webhook, WebhookPath: "Bad Path")], "triggers[0].webhook.path" },
        { [new TriggerInput(TriggerType.Webhook, WebhookPath: "ok", Methods: ["TRACE"])], "triggers[0].webhook.methods" },
        { [new TriggerInput(null)], "triggers[0]" },
        { [new TriggerInput(TriggerType.Webhook, WebhookPath: "a"), new TriggerInput(TriggerType.Webhook, WebhookPath: "a")], "triggers[1].webhook.path" },
    };

    [Theory]
    [MemberData(nameof(InvalidTriggers))]
    public async Task Deploy_with_an_invalid_trigger_names_its_place_in_the_request(TriggerInput[] triggers, string field)
    {
        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(), triggers));

        AssertInvalid(result, field, FailureCode.InvalidArgument);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Deploy_with_too_many_triggers_is_invalid()
    {
        var triggers = Enumerable.Range(0, Deployment.MaxTriggers + 1).Select(_ => new TriggerInput(TriggerType.Manual)).ToArray();

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(), triggers));

        AssertInvalid(result, "triggers", FailureCode.InvalidArgument);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Deploy_with_a_webhook_path_held_by_another_workflow_is_already_exists()
    {
        var other = Samples.Deployed(WebhookTriggerSpec.Create("orders/created"));
        _deployments.Setup(r => r.FindActiveWebhookAsync("orders/created", It.IsAny<CancellationToken>())).ReturnsAsync(other.Triggers[0]);

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString(),
            new TriggerInput(TriggerType.Webhook, WebhookPath: "/orders/created")));

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.AlreadyExists, result.Errors.First());
        Assert.Contains(other.Id.ToString(), result.Errors.ElementAt(1), StringComparison.Ordinal);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Deploy_with_a_webhook_path_held_by_the_same_workflow_is_allowed()
    {
        var draft = Samples.Draft();
        var holder = Samples.Draft(draft.Id);
        holder.Deploy([WebhookTriggerSpec.Create("orders")], DeploymentConfig.Default, Now);
        _deployments.Setup(r => r.FindAsync(draft.Id, It.IsAny<CancellationToken>())).ReturnsAsync(draft);
        _deployments.Setup(r => r.FindActiveWebhookAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(holder.Triggers[0]);

        var result = await Service.DeployAsync(DeployCommand(draft.Id.ToString(), new TriggerInput(TriggerType.Webhook, WebhookPath: "orders")));

        Assert.Equal(ResultStatus.Ok, result.Status);
    }

    [Theory]
    [InlineData(DeploymentStatus.Deployed)]
    [InlineData(DeploymentStatus.Paused)]
    [InlineData(DeploymentStatus.Archived)]
    public async Task Deploy_of_a_workflow_that_is_not_a_draft_is_failed_precondition(DeploymentStatus status)
    {
        var existing = Samples.InStatus(status);
        var version = existing.Version;
        _deployments.Setup(r => r.FindAsync(existing.Id, It.IsAny<CancellationToken>())).ReturnsAsync(existing);

        var result = await Service.DeployAsync(DeployCommand(existing.Id.ToString()));

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Contains(status.ToString().ToUpperInvariant(), result.Errors.ElementAt(1), StringComparison.Ordinal);
        Assert.Equal(status, existing.Status);
        Assert.Equal(version, existing.Version);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Deploy_when_the_scheduler_throws_is_unavailable_after_saving_inside_the_transaction()
    {
        _scheduler.Setup(s => s.ScheduleAsync(It.IsAny<Deployment>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("quartz is down"));

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString()));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        // The scheduler's own text (its store is PostgreSQL, whose errors quote row values) never reaches the caller.
        Assert.Contains("the operation failed (InvalidOperationException)", result.Errors.Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("quartz is down", result.Errors.Single(), StringComparison.Ordinal);
        Assert.Equal(1, _savesInsideTransaction);
        Assert.Equal(0, _savesOutsideTransaction);
        _unitOfWork.Verify(u => u.InTransactionAsync(It.IsAny<Func<CancellationToken, Task<bool>>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Deploy_when_the_scheduler_is_unavailable_is_unavailable()
    {
        _scheduler.Setup(s => s.ScheduleAsync(It.IsAny<Deployment>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SchedulerUnavailableException("no quorum"));

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString()));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Contains("no quorum", result.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_from_the_scheduler_propagates()
    {
        _scheduler.Setup(s => s.ScheduleAsync(It.IsAny<Deployment>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OperationCanceledException());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString())));
    }

    [Theory]
    [InlineData("concurrency", ResultStatus.Conflict, FailureCode.VersionConflict)]
    [InlineData("webhook-path", ResultStatus.Conflict, FailureCode.AlreadyExists)]
    [InlineData("primary-key", ResultStatus.Conflict, FailureCode.AlreadyExists)]
    [InlineData("unavailable", ResultStatus.Unavailable, null)]
    public async Task Deploy_maps_persistence_failures(string kind, ResultStatus status, string? code)
    {
        Exception failure = kind switch
        {
            "concurrency" => new ConcurrencyConflictException("row version changed"),
            "webhook-path" => new UniqueConstraintViolationException(UniqueConstraints.ActiveWebhookPath),
            "primary-key" => new UniqueConstraintViolationException(UniqueConstraints.WorkflowPrimaryKey),
            _ => new PersistenceUnavailableException("connection refused"),
        };
        _unitOfWork.Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var result = await Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString()));

        Assert.Equal(status, result.Status);
        if (code is not null)
        {
            Assert.Equal(code, result.Errors.First());
        }

        _scheduler.Verify(s => s.ScheduleAsync(It.IsAny<Deployment>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task An_unexpected_unique_constraint_is_a_bug_and_propagates()
    {
        _unitOfWork.Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new UniqueConstraintViolationException("some_other_index"));

        await Assert.ThrowsAsync<UniqueConstraintViolationException>(() => Service.DeployAsync(DeployCommand(Guid.NewGuid().ToString())));
    }

    // ---------------------------------------------------------------- update

    [Fact]
    public async Task Update_with_a_stale_expected_version_is_a_version_conflict_and_saves_nothing()
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment, expectedVersion: deployment.Version - 1) with { Name = "new name" });

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.VersionConflict, result.Errors.First());
        Assert.Equal("Daily report", deployment.Name);
        Assert.Equal(2, deployment.Version);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Update_with_a_negative_expected_version_is_invalid()
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment, expectedVersion: -1));

        AssertInvalid(result, "expected_version", FailureCode.InvalidArgument);
        AssertNothingSaved();
    }

    [Theory]
    [InlineData(0)]   // no check
    [InlineData(2)]   // the current version
    public async Task Update_with_a_matching_or_no_expected_version_renames(long expectedVersion)
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment, expectedVersion) with { Name = "new name" });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal("new name", deployment.Name);
        Assert.Equal(3, deployment.Version);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Fact]
    public async Task Update_replacing_triggers_swaps_them_and_reschedules()
    {
        var deployment = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"));
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with
        {
            ReplaceTriggers = true,
            Triggers = [new TriggerInput(TriggerType.Cron, CronExpression: "*/1 * * * *"), new TriggerInput(TriggerType.Webhook, WebhookPath: "orders", Methods: ["get"])],
        });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(["*/1 * * * *", "orders"], deployment.Triggers.Select(t => t.Spec switch
        {
            CronTriggerSpec c => c.Expression,
            WebhookTriggerSpec w => w.Path,
            _ => "?",
        }));
        Assert.Equal(["GET"], ((WebhookTriggerSpec)deployment.Triggers[1].Spec).Methods);
        Assert.Equal(2, result.Value.Triggers.Count);
        _scheduler.Verify(s => s.ScheduleAsync(deployment, It.IsAny<CancellationToken>()), Times.Once);
        _scheduler.Verify(s => s.PauseAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Update_without_replace_keeps_the_triggers_even_if_some_are_sent()
    {
        var deployment = Samples.Deployed(CronTriggerSpec.Create("0 9 * * *"));
        var before = deployment.Triggers.ToList();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with
        {
            Triggers = [new TriggerInput(TriggerType.Manual)],
            Config = new ConfigInput(OverlapPolicy.AllowAll, 60),
        });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(before, deployment.Triggers);
        Assert.Equal(OverlapPolicy.AllowAll, deployment.Config.OverlapPolicy);
        Assert.Equal(60, deployment.Config.ExecutionTimeoutSeconds);
    }

    [Fact]
    public async Task Update_of_a_paused_deployment_reschedules_and_keeps_it_paused()
    {
        var deployment = Samples.Paused();
        Given(deployment);
        var calls = new List<string>();
        _scheduler.Setup(s => s.ScheduleAsync(deployment, It.IsAny<CancellationToken>())).Callback(() => calls.Add("schedule")).Returns(Task.CompletedTask);
        _scheduler.Setup(s => s.PauseAsync(deployment.Id, It.IsAny<CancellationToken>())).Callback(() => calls.Add("pause")).Returns(Task.CompletedTask);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with { ReplaceTriggers = true, Triggers = [new TriggerInput(TriggerType.Cron, CronExpression: "0 10 * * *")] });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(["schedule", "pause"], calls);
        Assert.Null(result.Value.Triggers[0].NextFireTime); // not live while paused
    }

    [Fact]
    public async Task Update_of_a_draft_does_not_touch_the_scheduler()
    {
        var deployment = Samples.Draft();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with { Name = "x" });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Empty(_scheduler.Invocations);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Fact]
    public async Task Update_with_an_invalid_field_changes_nothing()
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with
        {
            Name = "new name",
            ReplaceTriggers = true,
            Triggers = [new TriggerInput(TriggerType.Cron, CronExpression: "bad")],
        });

        AssertInvalid(result, "triggers[0].cron.cron_expression", FailureCode.InvalidArgument);
        Assert.Equal("Daily report", deployment.Name);
        Assert.Equal(2, deployment.Version);
        AssertNothingSaved();
    }

    [Fact]
    public async Task Update_replacing_with_a_path_held_elsewhere_is_already_exists()
    {
        var deployment = Samples.Deployed();
        var other = Samples.Deployed(WebhookTriggerSpec.Create("taken"));
        Given(deployment);
        _deployments.Setup(r => r.FindActiveWebhookAsync("taken", It.IsAny<CancellationToken>())).ReturnsAsync(other.Triggers[0]);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with
        {
            ReplaceTriggers = true,
            Triggers = [new TriggerInput(TriggerType.Webhook, WebhookPath: "taken")],
        });

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.AlreadyExists, result.Errors.First());
        AssertNothingSaved();
    }

    [Fact]
    public async Task Update_of_an_archived_deployment_is_failed_precondition()
    {
        var deployment = Samples.Archived();
        Given(deployment);

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with { Name = "x" });

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        AssertNothingSaved();
    }

    [Fact]
    public async Task Update_when_the_unit_of_work_reports_a_concurrency_conflict_is_a_version_conflict()
    {
        var deployment = Samples.Deployed();
        Given(deployment);
        _unitOfWork.Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new ConcurrencyConflictException("stale"));

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with { Name = "x" });

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.VersionConflict, result.Errors.First());
        _scheduler.Verify(s => s.ScheduleAsync(It.IsAny<Deployment>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Update_when_the_active_webhook_index_refuses_is_already_exists()
    {
        var deployment = Samples.Deployed();
        Given(deployment);
        _unitOfWork.Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new UniqueConstraintViolationException(UniqueConstraints.ActiveWebhookPath));

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with
        {
            ReplaceTriggers = true,
            Triggers = [new TriggerInput(TriggerType.Webhook, WebhookPath: "race")],
        });

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.AlreadyExists, result.Errors.First());
    }

    [Fact]
    public async Task Update_when_the_database_is_down_is_unavailable()
    {
        var deployment = Samples.Deployed();
        Given(deployment);
        _unitOfWork.Setup(u => u.InTransactionAsync(It.IsAny<Func<CancellationToken, Task<bool>>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PersistenceUnavailableException("connection refused"));

        var result = await Service.UpdateAsync(UpdateCommand(deployment) with { Name = "x" });

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Contains("connection refused", result.Errors.Single(), StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- lifecycle

    [Fact]
    public async Task Pause_pauses_saves_and_pauses_the_scheduler()
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.PauseAsync(deployment.Id.ToString(), "maintenance");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(DeploymentStatus.Paused, deployment.Status);
        Assert.Equal("maintenance", deployment.PauseNote);
        Assert.All(result.Value.Triggers, t => Assert.Null(t.NextFireTime));
        _scheduler.Verify(s => s.PauseAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Fact]
    public async Task Resume_resumes_saves_and_resumes_the_scheduler()
    {
        var deployment = Samples.Paused();
        Given(deployment);

        var result = await Service.ResumeAsync(deployment.Id.ToString());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.Null(deployment.PauseNote);
        Assert.NotNull(result.Value.Triggers[0].NextFireTime);
        _scheduler.Verify(s => s.ResumeAsync(deployment, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Fact]
    public async Task Archive_archives_saves_and_unschedules()
    {
        var deployment = Samples.Deployed(WebhookTriggerSpec.Create("orders"));
        Given(deployment);

        var result = await Service.ArchiveAsync(deployment.Id.ToString());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(DeploymentStatus.Archived, deployment.Status);
        Assert.All(deployment.Triggers, t => Assert.False(t.IsActive));
        _scheduler.Verify(s => s.UnscheduleAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Theory]
    [InlineData(DeploymentStatus.Archived)]
    [InlineData(DeploymentStatus.Deployed)]
    [InlineData(DeploymentStatus.Draft)]
    public async Task Resume_of_a_deployment_that_is_not_paused_is_failed_precondition(DeploymentStatus status)
    {
        var deployment = Samples.InStatus(status);
        var version = deployment.Version;
        Given(deployment);

        var result = await Service.ResumeAsync(deployment.Id.ToString());

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Equal(status, deployment.Status);
        Assert.Equal(version, deployment.Version);
        AssertNothingSaved();
    }

    [Theory]
    [InlineData(DeploymentStatus.Draft)]
    [InlineData(DeploymentStatus.Paused)]
    [InlineData(DeploymentStatus.Archived)]
    public async Task Pause_of_a_deployment_that_is_not_deployed_is_failed_precondition(DeploymentStatus status)
    {
        var deployment = Samples.InStatus(status);
        Given(deployment);

        var result = await Service.PauseAsync(deployment.Id.ToString(), null);

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        AssertNothingSaved();
    }

    [Fact]
    public async Task Archive_twice_is_failed_precondition()
    {
        var deployment = Samples.Archived();
        Given(deployment);

        var result = await Service.ArchiveAsync(deployment.Id.ToString());

        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        AssertNothingSaved();
    }

    [Fact]
    public async Task Pause_when_the_scheduler_fails_is_unavailable()
    {
        var deployment = Samples.Deployed();
        Given(deployment);
        _scheduler.Setup(s => s.PauseAsync(deployment.Id, It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("slow"));

        var result = await Service.PauseAsync(deployment.Id.ToString(), null);

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Equal(1, _savesInsideTransaction);
    }

    [Fact]
    public async Task Unknown_workflow_is_not_found_for_every_use_case()
    {
        var id = Guid.NewGuid().ToString();
        var service = Service;

        Assert.Equal(ResultStatus.NotFound, (await service.PauseAsync(id, null)).Status);
        Assert.Equal(ResultStatus.NotFound, (await service.ResumeAsync(id)).Status);
        Assert.Equal(ResultStatus.NotFound, (await service.ArchiveAsync(id)).Status);
        Assert.Equal(ResultStatus.NotFound, (await service.GetStatusAsync(id)).Status);
        var update = await service.UpdateAsync(new UpdateDeploymentCommand(id, 0, "x", null, false, [], null));
        Assert.Equal(ResultStatus.NotFound, update.Status);
        Assert.Contains(id, update.Errors.Single(), StringComparison.Ordinal);
        AssertNothingSaved();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nope")]
    public async Task A_workflow_id_that_is_not_a_uuid_is_invalid_for_lookups(string? workflowId)
    {
        var service = Service;

        AssertInvalid(await service.PauseAsync(workflowId, null), "workflow_id", FailureCode.InvalidArgument);
        AssertInvalid(await service.GetStatusAsync(workflowId), "workflow_id", FailureCode.InvalidArgument);
        AssertInvalid(await service.UpdateAsync(new UpdateDeploymentCommand(workflowId, 0, null, null, false, [], null)), "workflow_id", FailureCode.InvalidArgument);
        _deployments.Verify(r => r.FindAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---------------------------------------------------------------- read side

    [Fact]
    public async Task GetStatus_returns_the_deployment_the_last_execution_and_the_count()
    {
        var deployment = Samples.Deployed();
        Given(deployment);
        var last = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);
        _executions.Setup(e => e.FindLatestAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(last);
        _executions.Setup(e => e.CountAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(42L);

        var result = await Service.GetStatusAsync(deployment.Id.ToString());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Same(deployment, result.Value.Deployment.Deployment);
        Assert.Same(last, result.Value.LastExecution);
        Assert.Equal(42, result.Value.ExecutionCount);
        Assert.Equal(deployment.Triggers[0].NextFireAfter(Now), result.Value.Deployment.Triggers[0].NextFireTime);
        AssertNothingSaved();
    }

    [Fact]
    public async Task GetStatus_without_executions_has_no_last_execution()
    {
        var deployment = Samples.Deployed();
        Given(deployment);

        var result = await Service.GetStatusAsync(deployment.Id.ToString());

        Assert.Null(result.Value.LastExecution);
        Assert.Equal(0, result.Value.ExecutionCount);
    }

    [Theory]
    [InlineData(0, 50)]      // default
    [InlineData(1, 1)]
    [InlineData(200, 200)]
    [InlineData(201, 200)]   // capped
    [InlineData(int.MaxValue, 200)]
    public async Task List_resolves_the_page_size(int requested, int expected)
    {
        DeploymentQuery? seen = null;
        _deployments.Setup(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()))
            .Callback((DeploymentQuery q, CancellationToken _) => seen = q)
            .ReturnsAsync(new DeploymentPage([], 0, false));

        var result = await Service.ListAsync(new ListDeploymentsQuery(null, [], requested, null));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(expected, seen!.PageSize);
        Assert.Null(seen.After);
        Assert.Null(result.Value.NextPageToken);
    }

    [Fact]
    public async Task List_uses_the_configured_default_and_maximum()
    {
        _options.DefaultPageSize = 7;
        _options.MaxPageSize = 9;
        var sizes = new List<int>();
        _deployments.Setup(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()))
            .Callback((DeploymentQuery q, CancellationToken _) => sizes.Add(q.PageSize))
            .ReturnsAsync(new DeploymentPage([], 0, false));

        await Service.ListAsync(new ListDeploymentsQuery(null, [], 0, null));
        await Service.ListAsync(new ListDeploymentsQuery(null, [], 10, null));

        Assert.Equal([7, 9], sizes);
    }

    [Fact]
    public async Task List_with_a_negative_page_size_is_invalid()
    {
        var result = await Service.ListAsync(new ListDeploymentsQuery(null, [], -1, null));

        AssertInvalid(result, "page_size", FailureCode.InvalidArgument);
        _deployments.Verify(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("garbage!!")]
    [InlineData("bm90LWEtdG9rZW4")] // base64url of "not-a-token"
    public async Task List_with_a_foreign_page_token_is_invalid(string token)
    {
        var result = await Service.ListAsync(new ListDeploymentsQuery(null, [], 10, token));

        AssertInvalid(result, "page_token", FailureCode.InvalidArgument);
        _deployments.Verify(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task List_with_an_undefined_status_is_invalid()
    {
        var result = await Service.ListAsync(new ListDeploymentsQuery(null, [DeploymentStatus.Deployed, (DeploymentStatus)9], 10, null));

        AssertInvalid(result, "statuses", FailureCode.InvalidArgument);
    }

    [Fact]
    public async Task List_passes_filters_and_issues_a_next_token_that_round_trips()
    {
        var first = Samples.Deployed();
        var last = Samples.Draft(at: Now.AddMinutes(-1));
        DeploymentQuery? seen = null;
        _deployments.Setup(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()))
            .Callback((DeploymentQuery q, CancellationToken _) => seen = q)
            .ReturnsAsync(new DeploymentPage([first, last], 5, true));

        var result = await Service.ListAsync(new ListDeploymentsQuery(" user-1 ", [DeploymentStatus.Deployed, DeploymentStatus.Draft], 2, null));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal("user-1", seen!.UserId);
        Assert.Equal([DeploymentStatus.Deployed, DeploymentStatus.Draft], seen.Statuses);
        Assert.Equal(5, result.Value.TotalCount);
        Assert.Equal([first, last], result.Value.Deployments.Select(v => v.Deployment));
        Assert.NotNull(result.Value.NextPageToken);
        Assert.True(PageToken.TryDecode(result.Value.NextPageToken!, out var cursor));
        Assert.Equal(new DeploymentCursor(last.CreatedAt, last.Id), cursor);

        // The token of one page is the cursor of the next.
        await Service.ListAsync(new ListDeploymentsQuery("user-1", [], 2, result.Value.NextPageToken));
        Assert.Equal(new DeploymentCursor(last.CreatedAt, last.Id), seen.After);
    }

    [Fact]
    public async Task List_on_the_last_page_has_no_next_token()
    {
        _deployments.Setup(r => r.ListAsync(It.IsAny<DeploymentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DeploymentPage([Samples.Deployed()], 1, false));

        var result = await Service.ListAsync(new ListDeploymentsQuery(" ", [], 0, ""));

        Assert.Null(result.Value.NextPageToken);
        _deployments.Verify(r => r.ListAsync(It.Is<DeploymentQuery>(q => q.UserId == null && q.After == null), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ResolveWebhook_finds_the_deployment_and_trigger()
    {
        var deployment = Samples.Deployed(ManualTriggerSpec.Instance, WebhookTriggerSpec.Create("orders/created", ["POST", "PUT"]));
        var trigger = deployment.Triggers[1];
        _deployments.Setup(r => r.FindActiveWebhookAsync("orders/created", It.IsAny<CancellationToken>())).ReturnsAsync(trigger);

        var result = await Service.ResolveWebhookAsync(" /orders/created ", "put");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(new WebhookResolution(deployment.Id, trigger.Id), result.Value);
    }

    [Fact]
    public async Task ResolveWebhook_of_an_unknown_path_is_not_found()
    {
        var result = await Service.ResolveWebhookAsync("nobody/home", "POST");

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.Contains("nobody/home", result.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveWebhook_with_a_method_the_trigger_does_not_accept_is_not_found()
    {
        var deployment = Samples.Deployed(WebhookTriggerSpec.Create("orders", ["POST"]));
        _deployments.Setup(r => r.FindActiveWebhookAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(deployment.Triggers[0]);

        var result = await Service.ResolveWebhookAsync("orders", "DELETE");

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.Contains("POST", result.Errors.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" / ")]
    public async Task ResolveWebhook_without_a_path_is_invalid(string? path)
    {
        var result = await Service.ResolveWebhookAsync(path, "POST");

        AssertInvalid(result, "path", FailureCode.InvalidArgument);
        _deployments.Verify(r => r.FindActiveWebhookAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---------------------------------------------------------------- helpers

    private void Given(Deployment deployment) =>
        _deployments.Setup(r => r.FindAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);

    private static DeployWorkflowCommand DeployCommand(string? workflowId, params TriggerInput[] triggers) => new(
        workflowId,
        "user-1",
        "Daily report",
        "sends the report",
        Samples.DefinitionJson,
        triggers.Length == 0 ? [new TriggerInput(TriggerType.Cron, CronExpression: "0 9 * * *")] : triggers,
        null);

    private static UpdateDeploymentCommand UpdateCommand(Deployment deployment, long expectedVersion = 0) =>
        new(deployment.Id.ToString(), expectedVersion, null, null, false, [], null);

    private static void AssertInvalid<T>(Result<T> result, string field, string code)
    {
        Assert.Equal(ResultStatus.Invalid, result.Status);
        var error = Assert.Single(result.ValidationErrors);
        Assert.Equal(field, error.Identifier);
        Assert.Equal(code, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.ErrorMessage));
    }

    private void AssertNothingSaved()
    {
        Assert.Equal(0, _savesInsideTransaction + _savesOutsideTransaction);
        _unitOfWork.Verify(u => u.InTransactionAsync(It.IsAny<Func<CancellationToken, Task<bool>>>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Empty(_scheduler.Invocations);
    }

    private void AssertNothingChanged()
    {
        AssertNothingSaved();
        _deployments.Verify(r => r.Add(It.IsAny<Deployment>()), Times.Never);
    }
}
