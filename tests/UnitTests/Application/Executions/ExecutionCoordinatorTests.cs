using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class ExecutionCoordinatorTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = ExecutionHarness.Start;
    private static readonly DateTimeOffset Occurrence = new(2025, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    // ---------------------------------------------------------------- validation

    [Fact]
    public async Task Trigger_with_neither_workflow_id_nor_webhook_path_is_invalid_on_workflow_id()
    {
        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: "  ", webhookPath: null));

        AssertInvalid(result, "workflow_id", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Fact]
    public async Task Trigger_with_both_workflow_id_and_webhook_path_is_invalid_on_webhook_path()
    {
        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: Guid.NewGuid().ToString(), webhookPath: "orders/new"));

        AssertInvalid(result, "webhook_path", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Fact]
    public async Task Trigger_with_a_workflow_id_that_is_not_a_uuid_is_invalid()
    {
        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: "wf-001"));

        AssertInvalid(result, "workflow_id", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Theory]
    [InlineData(ExecutionMode.Scheduled)]
    [InlineData((ExecutionMode)42)]
    public async Task Trigger_with_mode_scheduled_or_unknown_is_invalid_on_mode(ExecutionMode mode)
    {
        var result = await _h.Coordinator().TriggerAsync(Command() with { Mode = mode });

        AssertInvalid(result, "mode", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Fact]
    public async Task Trigger_with_a_negative_wait_timeout_is_invalid()
    {
        var result = await _h.Coordinator().TriggerAsync(Command() with { WaitForCompletion = true, WaitTimeoutSeconds = -1 });

        AssertInvalid(result, "wait_timeout_seconds", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{\"unterminated\":")]
    [InlineData("not json at all")]
    public async Task Trigger_with_trigger_data_that_is_not_a_json_object_is_invalid(string triggerData)
    {
        var result = await _h.Coordinator().TriggerAsync(Command() with { TriggerData = triggerData });

        AssertInvalid(result, "trigger_data", FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Fact]
    public async Task Trigger_with_trigger_data_over_the_limit_is_resource_exhausted_counting_utf8_bytes()
    {
        _h.Settings.MaxTriggerDataBytes = 64;
        // 30 'é' are 60 UTF-8 bytes; with the braces, key and quotes the payload is 42 characters but 72 bytes.
        var triggerData = $$"""{"note":"{{new string('é', 30)}}"}""";
        Assert.True(triggerData.Length < 64);

        var result = await _h.Coordinator().TriggerAsync(Command() with { TriggerData = triggerData });

        AssertInvalid(result, "trigger_data", FailureCode.ResourceExhausted);
        Assert.Contains("64", result.ValidationErrors.Single().ErrorMessage, StringComparison.Ordinal);
        AssertNothingTouched();
    }

    [Theory]
    [InlineData("idempotency_key")]
    [InlineData("triggered_by")]
    public async Task Trigger_with_a_key_or_caller_over_255_characters_is_invalid(string field)
    {
        var tooLong = new string('k', 256);
        var command = field == "idempotency_key" ? Command() with { IdempotencyKey = tooLong } : Command() with { TriggeredBy = tooLong };

        var result = await _h.Coordinator().TriggerAsync(command);

        AssertInvalid(result, field, FailureCode.InvalidArgument);
        AssertNothingTouched();
    }

    [Fact]
    public async Task Trigger_with_an_idempotency_key_of_exactly_255_characters_is_accepted()
    {
        var deployment = Given(Samples.Deployed());
        var key = new string('k', 255);

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { IdempotencyKey = key });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(key, result.Value.Execution.IdempotencyKey);
    }

    // ---------------------------------------------------------------- target

    [Fact]
    public async Task Trigger_of_an_unknown_workflow_id_is_not_found()
    {
        var id = Guid.NewGuid();

        var result = await _h.Coordinator().TriggerAsync(Command(id.ToString()));

        Assert.Equal(ResultStatus.NotFound, result.Status);
        _h.Deployments.Verify(r => r.ReadAsync(id, It.IsAny<CancellationToken>()), Times.Once);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Trigger_of_an_unknown_webhook_path_is_not_found_and_the_path_is_normalised()
    {
        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: null, webhookPath: " /orders/new "));

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.Contains("orders/new", result.Errors.Single(), StringComparison.Ordinal);
        _h.Deployments.Verify(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>()), Times.Once);
        _h.Deployments.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Trigger_of_a_webhook_whose_deployment_is_gone_is_not_found()
    {
        var deployment = Samples.Deployed(WebhookTriggerSpec.Create("orders/new"));
        _h.Deployments.Setup(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>())).ReturnsAsync(deployment.Triggers[0]);

        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: null, webhookPath: "orders/new"));

        Assert.Equal(ResultStatus.NotFound, result.Status);
        AssertNothingStarted();
    }

    [Theory]
    [InlineData(DeploymentStatus.Draft)]
    [InlineData(DeploymentStatus.Paused)]
    [InlineData(DeploymentStatus.Archived)]
    public async Task Trigger_of_a_workflow_that_is_not_deployed_is_a_failed_precondition(DeploymentStatus status)
    {
        var deployment = Given(Samples.InStatus(status));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Contains(status.ToString().ToUpperInvariant(), result.Errors.Last(), StringComparison.Ordinal);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Trigger_while_the_tracker_drains_is_unavailable_and_touches_nothing()
    {
        var deployment = Given(Samples.Deployed());
        await _h.Tracker.DrainAsync(TimeSpan.Zero);
        Assert.False(_h.Tracker.IsAccepting);

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        _h.Deployments.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        AssertNothingStarted();
    }

    // ---------------------------------------------------------------- overlap policy SKIP

    [Fact]
    public async Task Trigger_while_the_lock_is_held_records_a_skipped_run_and_never_calls_the_engine()
    {
        var deployment = Given(Samples.Deployed());
        _h.Locks.Setup(l => l.AcquireLockAsync(deployment.Id.ToString(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((LockHandle?)null);

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { IdempotencyKey = "key-1" });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.False(result.Value.Deduplicated);
        var skipped = Assert.Single(_h.Added);
        Assert.Same(skipped, result.Value.Execution);
        Assert.Equal(ExecutionStatus.Skipped, skipped.Status);
        Assert.Equal(ExecutionCoordinator.LockHeldReason, skipped.SkipReason);
        Assert.Equal(deployment.Id, skipped.WorkflowId);
        Assert.Equal("key-1", skipped.IdempotencyKey);
        Assert.Single(_h.SavesOf(skipped.Id, ExecutionStatus.Skipped));
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.False(_h.Tracker.IsTracking(skipped.Id));
    }

    [Fact]
    public async Task Trigger_with_the_lock_saves_the_run_with_its_token_starts_it_on_the_engine_and_tracks_it()
    {
        var deployment = Given(Samples.Deployed());
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult("engine-42", EngineStatus.Running, null));
        var command = Command(deployment.Id.ToString()) with
        {
            TriggerData = """{"order":7}""",
            TriggeredBy = " alice ",
            Metadata = new Dictionary<string, string> { ["source"] = "console" },
        };

        var result = await _h.Coordinator().TriggerAsync(command);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.False(result.Value.Deduplicated);
        var execution = Assert.Single(_h.Added);
        Assert.Same(execution, result.Value.Execution);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal("engine-42", execution.EngineExecutionId);
        Assert.Equal(ExecutionHarness.LockToken, execution.LockToken);
        Assert.True(execution.IsExclusive);
        Assert.Equal("alice", execution.TriggeredBy);
        Assert.Equal(ExecutionHarness.InstanceId, execution.OwnerInstanceId);
        Assert.Equal(Now + deployment.Config.ExecutionTimeout, execution.DeadlineAt);
        _h.Locks.Verify(l => l.AcquireLockAsync(deployment.Id.ToString(), _h.Settings.LockTtl, It.IsAny<CancellationToken>()), Times.Once);

        // Saved twice: NEW with the lock token before the engine call, then RUNNING.
        var saves = _h.Saves.Select(s => Assert.Single(s)).ToList();
        Assert.Equal([ExecutionStatus.New, ExecutionStatus.Running], saves.Select(s => s.Status));
        Assert.All(saves, s => Assert.Equal(ExecutionHarness.LockToken, s.LockToken));

        Assert.NotNull(sent);
        Assert.Equal(deployment.Id, sent.WorkflowId);
        Assert.Equal(deployment.Definition.Json, sent.WorkflowDefinition);
        Assert.Equal("MANUAL", sent.Mode);
        Assert.Equal("alice", sent.TriggeredBy);
        Assert.Equal("""{"order":7}""", sent.InputData["trigger_data"]);
        Assert.Equal(execution.Id.ToString(), sent.Metadata["runtime_execution_id"]);
        Assert.Equal("console", sent.Metadata["source"]);

        Assert.True(_h.Tracker.IsTracking(execution.Id));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Trigger_without_trigger_data_sends_an_empty_object()
    {
        var deployment = Given(Samples.Deployed());
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult(ExecutionHarness.EngineId, EngineStatus.Running, null));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { TriggerData = "   " });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal("{}", result.Value.Execution.TriggerData);
        Assert.Equal("{}", sent!.InputData["trigger_data"]);
    }

    [Fact]
    public async Task Trigger_with_a_repeated_key_in_trigger_data_starts_and_tracks_the_run()
    {
        // Valid for JsonDocument, so it passes validation; logging the start must not throw after the engine took the run.
        var deployment = Given(Samples.Deployed());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { TriggerData = """{"a":1,"a":2}""" });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        Assert.True(_h.Tracker.IsTracking(result.Value.Execution.Id));
    }

    [Fact]
    public async Task Trigger_when_the_lock_store_is_down_relies_on_the_database_fence_and_starts_the_run()
    {
        var deployment = Given(Samples.Deployed());
        _h.Locks.Setup(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis is down"));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        var execution = result.Value.Execution;
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.True(execution.IsExclusive);
        Assert.Null(execution.LockToken);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.True(_h.Tracker.IsTracking(execution.Id));
    }

    [Fact]
    public async Task Trigger_that_loses_the_exclusive_index_records_a_skipped_run_and_releases_the_lock()
    {
        var deployment = Given(Samples.Deployed());
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExclusiveExecution));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.False(result.Value.Deduplicated);
        Assert.Equal(ExecutionStatus.Skipped, result.Value.Execution.Status);
        Assert.Equal(ExecutionCoordinator.LockHeldReason, result.Value.Execution.SkipReason);
        Assert.Single(_h.SavesOf(result.Value.Execution.Id, ExecutionStatus.Skipped));
        _h.Locks.Verify(l => l.ReleaseLockAsync(
            It.Is<LockHandle>(h => h.WorkflowId == deployment.Id.ToString() && h.Token == ExecutionHarness.LockToken),
            It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Trigger_whose_save_fails_with_the_database_down_is_unavailable_and_releases_the_lock()
    {
        var deployment = Given(Samples.Deployed());
        _h.FailNextSave(new PersistenceUnavailableException("connection refused"));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Trigger_sends_its_execution_id_as_the_engines_idempotency_key()
    {
        var deployment = Given(Samples.Deployed());
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult("engine-42", EngineStatus.Running, null));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.NotNull(sent);
        Assert.Equal(result.Value.Execution.Id.ToString(), sent.IdempotencyKey);
    }

    [Fact]
    public async Task Trigger_whose_running_write_fails_after_the_engine_took_the_run_answers_running_and_the_tracker_writes_it()
    {
        var deployment = Given(Samples.Deployed());
        var database = FirstWriteAfterTheEngineFails();

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        // Wait on the write itself, not on the re-read row: the tracker changes that row in memory before it writes it.
        await Eventually.HoldsAsync(() => database.WrittenAfterTheFailure is { Status: ExecutionStatus.Running }, "the tracker writes RUNNING on the stored run");
        Assert.Same(database.Reread, database.WrittenAfterTheFailure);
        Assert.Equal(ExecutionHarness.EngineId, database.WrittenAfterTheFailure!.EngineExecutionId);
        Assert.True(_h.Tracker.IsTracking(result.Value.Execution.Id));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Trigger_whose_failure_write_fails_is_answered_error_and_the_tracker_records_the_error_and_frees_the_lock()
    {
        var deployment = Given(Samples.Deployed());
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineUnavailableException("engine down"));
        var database = FirstWriteAfterTheEngineFails();

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Error, result.Value.Execution.Status);
        await Eventually.HoldsAsync(() => !_h.Tracker.IsTracking(result.Value.Execution.Id), "the tracker wrote the error and stopped");
        Assert.Equal(ExecutionStatus.Error, database.Reread!.Status);
        Assert.Contains("engine down", database.Reread.ErrorMessage, StringComparison.Ordinal);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_skipped_trigger_whose_key_a_concurrent_twin_took_first_returns_the_twin_deduplicated()
    {
        var deployment = Given(Samples.Deployed());
        _h.Locks.Setup(l => l.AcquireLockAsync(deployment.Id.ToString(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((LockHandle?)null);
        var twin = ExecutionHarness.Running();
        var lookups = 0;
        _h.Executions.Setup(r => r.FindByIdempotencyKeyAsync(deployment.Id, "key-1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ++lookups > 6 ? twin : null);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExecutionIdempotencyKey));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { IdempotencyKey = "key-1" });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.True(result.Value.Deduplicated);
        Assert.Same(twin, result.Value.Execution);
        Assert.Equal(0, _h.SaveCount);
    }

    [Fact]
    public async Task Trigger_with_the_allow_all_policy_takes_no_lock_and_runs_non_exclusively()
    {
        var deployment = Samples.Draft();
        deployment.Deploy([ManualTriggerSpec.Instance], DeploymentConfig.Create(OverlapPolicy.AllowAll, 0), Now);
        Given(deployment);

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        Assert.False(result.Value.Execution.IsExclusive);
        Assert.Null(result.Value.Execution.LockToken);
        _h.Locks.Verify(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    // ---------------------------------------------------------------- idempotency

    [Fact]
    public async Task Trigger_with_a_used_idempotency_key_is_refused_by_the_key_index_and_returns_the_earlier_run_deduplicated()
    {
        // Nothing is probed first: the insert asks the question and the unique index answers it.
        var deployment = Given(Samples.Deployed());
        var earlier = ExecutionHarness.Running();
        _h.Executions.Setup(r => r.FindByIdempotencyKeyAsync(deployment.Id, "key-1", It.IsAny<CancellationToken>())).ReturnsAsync(earlier);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExecutionIdempotencyKey));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { IdempotencyKey = " key-1 " });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.True(result.Value.Deduplicated);
        Assert.Same(earlier, result.Value.Execution);
        Assert.Empty(_h.Added);
        Assert.Equal(0, _h.SaveCount);
        _h.Executions.Verify(r => r.FindByIdempotencyKeyAsync(deployment.Id, "key-1", It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.Is<LockHandle>(h => h.Token == ExecutionHarness.LockToken), It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Trigger_whose_unique_violation_names_no_earlier_run_rethrows_after_releasing_the_lock()
    {
        var deployment = Given(Samples.Deployed());
        _h.FailNextSave(new UniqueConstraintViolationException("ux_something_else"));

        await Assert.ThrowsAsync<UniqueConstraintViolationException>(() => _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString())));

        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---------------------------------------------------------------- engine

    public static TheoryData<Exception> EngineRefusals => new()
    {
        new EngineUnavailableException("engine unreachable after 3 attempts"),
        new EngineRejectedException("workflow definition refused"),
    };

    [Theory]
    [MemberData(nameof(EngineRefusals))]
    public async Task Trigger_the_engine_does_not_take_records_error_and_releases_the_lock(Exception refusal)
    {
        var deployment = Given(Samples.Deployed());
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(refusal);

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        var execution = result.Value.Execution;
        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Contains(refusal.Message, execution.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(execution.EngineExecutionId);
        Assert.Equal(Now, execution.FinishedAt);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Error));
        _h.Locks.Verify(l => l.ReleaseLockAsync(
            It.Is<LockHandle>(h => h.WorkflowId == deployment.Id.ToString() && h.Token == ExecutionHarness.LockToken),
            It.IsAny<CancellationToken>()), Times.Once);
        Assert.False(_h.Tracker.IsTracking(execution.Id));
    }

    [Fact]
    public async Task Trigger_the_engine_does_not_take_still_ends_error_when_the_lock_store_is_down_on_release()
    {
        var deployment = Given(Samples.Deployed());
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EngineUnavailableException("engine down"));
        _h.Locks.Setup(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis down"));

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Error, result.Value.Execution.Status);
    }

    // ---------------------------------------------------------------- modes

    [Fact]
    public async Task Trigger_by_workflow_id_defaults_to_manual()
    {
        var deployment = Given(Samples.Deployed());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()));

        Assert.Equal(ExecutionMode.Manual, result.Value.Execution.Mode);
        Assert.Null(result.Value.Execution.TriggerId);
    }

    [Fact]
    public async Task Trigger_by_webhook_path_defaults_to_webhook_and_records_the_trigger()
    {
        var deployment = Given(Samples.Deployed(WebhookTriggerSpec.Create("orders/new")));
        var trigger = deployment.Triggers[0];
        _h.Deployments.Setup(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>())).ReturnsAsync(trigger);
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult(ExecutionHarness.EngineId, EngineStatus.Running, null));

        var result = await _h.Coordinator().TriggerAsync(Command(workflowId: null, webhookPath: "/orders/new"));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionMode.Webhook, result.Value.Execution.Mode);
        Assert.Equal(deployment.Id, result.Value.Execution.WorkflowId);
        Assert.Equal(trigger.Id, result.Value.Execution.TriggerId);
        Assert.Equal("WEBHOOK", sent!.Mode);
    }

    [Fact]
    public async Task Trigger_keeps_an_explicit_retry_mode()
    {
        var deployment = Given(Samples.Deployed());

        var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { Mode = ExecutionMode.Retry });

        Assert.Equal(ExecutionMode.Retry, result.Value.Execution.Mode);
    }

    [Fact]
    public async Task Trigger_waiting_for_completion_waits_for_the_tracker_and_returns_the_run_as_it_ended()
    {
        var deployment = Given(Samples.Deployed());
        // The engine answers the tracker's first poll only once the trigger is parked in its wait (whose timeout is
        // the first timer armed on the clock), so the run cannot end before the coordinator starts waiting for it.
        var answer = new TaskCompletionSource<EngineExecutionState>(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Engine.Setup(e => e.GetStatusAsync(ExecutionHarness.EngineId, It.IsAny<CancellationToken>())).Returns(answer.Task);

        var trigger = _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { WaitForCompletion = true });
        await _h.TimersArmedAsync(1);
        Assert.False(trigger.IsCompleted);
        _h.Executions.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        answer.SetResult(new EngineExecutionState(EngineStatus.Success, """{"sent":true}""", null));
        var result = await trigger.WaitAsync(Eventually.Limit);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Success, result.Value.Execution.Status);
        Assert.Equal("""{"sent":true}""", result.Value.Execution.ResultData);
        _h.Executions.Verify(r => r.ReadAsync(result.Value.Execution.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Trigger_waiting_for_completion_gives_up_after_the_wait_timeout_and_returns_the_run_still_running()
    {
        var deployment = Given(Samples.Deployed());

        var trigger = _h.Coordinator().TriggerAsync(Command(deployment.Id.ToString()) with { WaitForCompletion = true, WaitTimeoutSeconds = 5 });
        await _h.TimersArmedAsync(2); // the wait's timeout and the tracker's first poll delay
        Assert.False(trigger.IsCompleted);
        _h.Clock.Advance(TimeSpan.FromSeconds(5));
        var result = await trigger.WaitAsync(Eventually.Limit);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Running, result.Value.Execution.Status);
        Assert.True(_h.Tracker.IsTracking(result.Value.Execution.Id));
    }

    // ---------------------------------------------------------------- scheduled fires

    [Fact]
    public async Task Fire_scheduled_for_an_occurrence_already_run_returns_that_run_deduplicated()
    {
        var deployment = Given(Samples.Deployed());
        var earlier = ExecutionHarness.Running();
        _h.Executions.Setup(r => r.FindByOccurrenceAsync(deployment.Id, Occurrence, It.IsAny<CancellationToken>())).ReturnsAsync(earlier);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExecutionOccurrence));

        var result = await _h.Coordinator().FireScheduledAsync(deployment.Id, deployment.Triggers[0].Id, Occurrence);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.True(result.Value.Deduplicated);
        Assert.Same(earlier, result.Value.Execution);
        Assert.Empty(_h.Added);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Fire_scheduled_for_a_new_occurrence_starts_a_scheduled_run_for_it()
    {
        var deployment = Given(Samples.Deployed());
        var triggerId = deployment.Triggers[0].Id;
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult(ExecutionHarness.EngineId, EngineStatus.Running, null));

        var result = await _h.Coordinator().FireScheduledAsync(deployment.Id, triggerId, Occurrence);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.False(result.Value.Deduplicated);
        var execution = result.Value.Execution;
        Assert.Equal(ExecutionMode.Scheduled, execution.Mode);
        Assert.Equal(Occurrence, execution.ScheduledFor);
        Assert.Equal(triggerId, execution.TriggerId);
        Assert.Equal("scheduler", execution.TriggeredBy);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal("SCHEDULED", sent!.Mode);
        Assert.Equal(Occurrence.ToString("O"), sent.Metadata["scheduled_for"]);
        Assert.Equal(execution.Id.ToString(), sent.Metadata["runtime_execution_id"]);
        _h.Executions.Verify(r => r.FindByOccurrenceAsync(It.IsAny<Guid>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Fire_scheduled_of_an_unknown_workflow_is_not_found()
    {
        var result = await _h.Coordinator().FireScheduledAsync(Guid.NewGuid(), Guid.NewGuid(), Occurrence);

        Assert.Equal(ResultStatus.NotFound, result.Status);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Fire_scheduled_of_a_paused_workflow_is_a_failed_precondition()
    {
        var deployment = Given(Samples.Paused());

        var result = await _h.Coordinator().FireScheduledAsync(deployment.Id, deployment.Triggers[0].Id, Occurrence);

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        AssertNothingStarted();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The stored row as a fresh read sees it after a failed write: the same run, still NEW.</summary>
    /// <summary>
    /// The database as the tracker sees it after the write that followed the engine's answer failed: inserts succeed,
    /// the first state write fails, and a re-read returns the run as inserted (NEW).
    /// </summary>
    private UnreliableWrites FirstWriteAfterTheEngineFails()
    {
        var database = new UnreliableWrites();
        _h.Executions.Setup(r => r.InsertAsync(It.IsAny<Execution>(), It.IsAny<CancellationToken>()))
            .Callback((Execution e, CancellationToken _) => database.Inserted = e).Returns(Task.CompletedTask);
        _h.Executions.Setup(r => r.WriteStateAsync(It.IsAny<Execution>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .Returns((Execution e, long _, CancellationToken _) => database.Write(e));
        _h.Executions.Setup(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Guid _, CancellationToken _) => database.Reread ??= Reread(database.Inserted!));
        return database;
    }

    private sealed class UnreliableWrites
    {
        public Execution? Inserted { get; set; }

        public Execution? Reread { get; set; }

        /// <summary>The run as the first successful write, after the failed one, stored it.</summary>
        public Execution? WrittenAfterTheFailure { get; private set; }

        private int _writes;

        public Task Write(Execution execution)
        {
            if (++_writes == 1)
            {
                return Task.FromException(new PersistenceUnavailableException("database is locked"));
            }

            WrittenAfterTheFailure ??= execution;
            return Task.CompletedTask;
        }
    }

    private static Execution Reread(Execution written)
    {
        var fresh = Execution.Start(written.WorkflowId, written.Mode, new ExecutionRequest(written.TriggerData, InstanceId: written.OwnerInstanceId),
            OverlapPolicy.Skip, TimeSpan.FromHours(1), written.CreatedAt);
        typeof(Execution).GetProperty(nameof(Execution.Id))!.SetValue(fresh, written.Id);
        return fresh;
    }

    private Deployment Given(Deployment deployment)
    {
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        return deployment;
    }

    private static TriggerCommand Command(string? workflowId = "11111111-2222-3333-4444-555555555555", string? webhookPath = null) =>
        new(workflowId, webhookPath, Mode: null, TriggerData: null, IdempotencyKey: null, TriggeredBy: null,
            Metadata: new Dictionary<string, string>(), WaitForCompletion: false, WaitTimeoutSeconds: 0);

    private static void AssertInvalid<T>(Result<T> result, string field, string code)
    {
        Assert.Equal(ResultStatus.Invalid, result.Status);
        var error = Assert.Single(result.ValidationErrors);
        Assert.Equal(field, error.Identifier);
        Assert.Equal(code, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.ErrorMessage));
    }

    private void AssertNothingTouched()
    {
        _h.Deployments.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Deployments.Verify(r => r.FindActiveWebhookAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        AssertNothingStarted();
    }

    private void AssertNothingStarted()
    {
        Assert.Empty(_h.Added);
        Assert.Equal(0, _h.SaveCount);
        _h.Locks.Verify(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Engine.Verify(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
