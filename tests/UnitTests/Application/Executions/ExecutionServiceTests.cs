using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class ExecutionServiceTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = ExecutionHarness.Start;

    private readonly ExecutionHarness _h = new();
    private readonly List<ExecutionHistoryQuery> _queries = [];

    public ExecutionServiceTests()
    {
        _h.Settings.DefaultPageSize = 50;
        _h.Settings.MaxPageSize = 200;
        _h.Executions.Setup(r => r.ListHistoryAsync(It.IsAny<ExecutionHistoryQuery>(), It.IsAny<CancellationToken>()))
            .Callback((ExecutionHistoryQuery q, CancellationToken _) => _queries.Add(q))
            .ReturnsAsync(new ExecutionPage([], false));
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    // ---------------------------------------------------------------- get

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("exec-1")]
    public async Task Get_with_an_id_that_is_not_a_uuid_is_invalid(string? executionId)
    {
        var result = await _h.Service().GetAsync(executionId);

        AssertInvalid(result, "execution_id");
        _h.Executions.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Get_of_an_unknown_execution_is_not_found()
    {
        var result = await _h.Service().GetAsync(Guid.NewGuid().ToString());

        Assert.Equal(ResultStatus.NotFound, result.Status);
    }

    [Fact]
    public async Task Get_returns_a_fresh_read_of_the_execution()
    {
        var execution = _h.Store(ExecutionHarness.Running());

        var result = await _h.Service().GetAsync(execution.Id.ToString());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Same(execution, result.Value);
        _h.Executions.Verify(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    // ---------------------------------------------------------------- cancel

    [Fact]
    public async Task Cancel_with_an_id_that_is_not_a_uuid_is_invalid()
    {
        var result = await _h.Service().CancelAsync("exec-1", null);

        AssertInvalid(result, "execution_id");
        AssertNothingChanged();
    }

    [Fact]
    public async Task Cancel_of_an_unknown_execution_is_not_found()
    {
        var result = await _h.Service().CancelAsync(Guid.NewGuid().ToString(), null);

        Assert.Equal(ResultStatus.NotFound, result.Status);
        AssertNothingChanged();
    }

    [Theory]
    [InlineData(ExecutionStatus.Success)]
    [InlineData(ExecutionStatus.Error)]
    [InlineData(ExecutionStatus.Canceled)]
    [InlineData(ExecutionStatus.Timeout)]
    public async Task Cancel_of_an_ended_execution_is_a_failed_precondition(ExecutionStatus status)
    {
        var execution = _h.Store(ExecutionHarness.Running());
        End(execution, status);

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), null);

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Contains(status.ToString().ToUpperInvariant(), result.Errors.Last(), StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Fact]
    public async Task Cancel_when_the_engine_is_unreachable_is_unavailable_and_changes_nothing()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.CancelAsync(ExecutionHarness.EngineId, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.Unreachable("engine unreachable"));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "stop");

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Contains("engine unreachable", result.Errors.Single(), StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal(0, _h.SaveCount);
        _h.Locks.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Cancel_the_engine_no_longer_knows_is_recorded_canceled_and_says_the_engine_had_no_record()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.CancelAsync(ExecutionHarness.EngineId, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.UnknownRun("execution not found"));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "stop");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.True(result.Value.Canceled);
        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
        Assert.Equal("stop (the engine had no record of the run)", execution.ErrorMessage);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Canceled));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Cancel_cancels_in_the_engine_records_the_reason_saves_and_releases_the_restored_lock()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var restored = ExecutionHarness.Handle(execution.WorkflowId);
        _h.Locks.Setup(l => l.RestoreHandle(execution.WorkflowId.ToString(), ExecutionHarness.LockToken)).Returns(restored);

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "  wrong input file  ");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Same(execution, result.Value.Execution);
        Assert.True(result.Value.Canceled);
        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
        Assert.Equal("wrong input file", execution.ErrorMessage);
        Assert.Equal(Now, execution.FinishedAt);
        Assert.Single(_h.SavesOf(execution.Id, ExecutionStatus.Canceled));
        _h.Engine.Verify(e => e.CancelAsync(ExecutionHarness.EngineId, "wrong input file", It.IsAny<CancellationToken>()), Times.Once);
        _h.Locks.Verify(l => l.RestoreHandle(execution.WorkflowId.ToString(), ExecutionHarness.LockToken), Times.Once);
        _h.Locks.Verify(l => l.ReleaseLockAsync(restored, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(ExecutionStatus.Canceled, true)]
    [InlineData(ExecutionStatus.Success, false)]
    public async Task Cancel_that_loses_the_write_to_the_runs_tracker_answers_with_what_the_tracker_recorded(
        ExecutionStatus recordedByTracker, bool canceled)
    {
        // The engine stopped the run, the tracker polled it and wrote the end before this use case could.
        var execution = _h.Store(ExecutionHarness.Running());
        var stored = ExecutionHarness.Running();
        End(stored, recordedByTracker);
        _h.Executions.SetupSequence(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>())).ReturnsAsync(execution).ReturnsAsync(stored);
        _h.FailNextSave(new ConcurrencyConflictException("the row's version changed since it was read"));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "operator");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Same(stored, result.Value.Execution);
        Assert.Equal(canceled, result.Value.Canceled);
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Cancel_that_loses_the_write_to_a_change_that_did_not_end_the_run_is_a_version_conflict()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Executions.SetupSequence(r => r.ReadAsync(execution.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(execution).ReturnsAsync(ExecutionHarness.Running());
        _h.FailNextSave(new ConcurrencyConflictException("the row's version changed since it was read"));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "operator");

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.VersionConflict, result.Errors.First());
        Assert.Contains("RUNNING", result.Errors.Last(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task Cancel_without_a_reason_records_canceled_by_request(string? reason)
    {
        var execution = _h.Store(ExecutionHarness.Running());

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), reason);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal("canceled by request", execution.ErrorMessage);
        _h.Engine.Verify(e => e.CancelAsync(ExecutionHarness.EngineId, "canceled by request", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Cancel_of_a_run_still_being_handed_to_the_engine_is_unavailable_and_changes_nothing()
    {
        var execution = _h.Store(ExecutionHarness.Pending());

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), null);

        Assert.Equal(ResultStatus.Unavailable, result.Status);
        Assert.Contains("NEW", result.Errors.Single(), StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.New, execution.Status);
        _h.Engine.VerifyNoOtherCalls();
        AssertNothingChanged();
    }

    [Theory]
    [InlineData(EngineStatus.Success, ExecutionStatus.Success)]
    [InlineData(EngineStatus.Error, ExecutionStatus.Error)]
    [InlineData(EngineStatus.Canceled, ExecutionStatus.Canceled)]
    public async Task Cancel_of_a_run_that_already_ended_in_the_engine_records_its_real_end_and_says_it_did_not_cancel(
        EngineStatus engineStatus, ExecutionStatus recorded)
    {
        var execution = _h.Store(ExecutionHarness.Running());
        var final = new EngineExecutionState(engineStatus, engineStatus == EngineStatus.Success ? """{"rows":3}""" : null,
            engineStatus == EngineStatus.Success ? null : "it ended");
        _h.Engine.Setup(e => e.CancelAsync(ExecutionHarness.EngineId, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.AlreadyFinished(final));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "stop");

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.False(result.Value.Canceled);
        Assert.Equal(recorded, execution.Status);
        Assert.Equal(final.ResultData, execution.ResultData);
        Assert.Single(_h.SavesOf(execution.Id, recorded));
        _h.Locks.Verify(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Cancel_the_engine_declines_for_a_run_it_still_runs_is_a_failed_precondition_and_changes_nothing()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Engine.Setup(e => e.CancelAsync(ExecutionHarness.EngineId, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.AlreadyFinished(new EngineExecutionState(EngineStatus.Running, null, null)));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), "stop");

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal(0, _h.SaveCount);
    }

    [Fact]
    public async Task Cancel_of_a_run_without_a_lock_leaves_the_lock_store_alone()
    {
        var execution = _h.Store(ExecutionHarness.Running(lockToken: null));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), null);

        Assert.Equal(ResultStatus.Ok, result.Status);
        _h.Locks.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Cancel_still_succeeds_when_the_lock_store_is_down()
    {
        var execution = _h.Store(ExecutionHarness.Running());
        _h.Locks.Setup(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LockUnavailableException("redis down"));

        var result = await _h.Service().CancelAsync(execution.Id.ToString(), null);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
    }

    // ---------------------------------------------------------------- history: validation

    [Fact]
    public async Task History_with_a_workflow_id_that_is_not_a_uuid_is_invalid()
    {
        var result = await _h.Service().HistoryAsync(History() with { WorkflowId = "wf-001" });

        AssertInvalid(result, "workflow_id");
        Assert.Empty(_queries);
    }

    [Theory]
    [InlineData("not a token!")]
    [InlineData("Zm9vOmJhcg")] // base64url of "foo:bar"
    public async Task History_with_a_page_token_it_did_not_issue_is_invalid(string token)
    {
        var result = await _h.Service().HistoryAsync(History() with { PageToken = token });

        AssertInvalid(result, "page_token");
        Assert.Empty(_queries);
    }

    [Fact]
    public async Task History_refuses_a_page_token_of_the_deployment_list()
    {
        var token = PageToken.Encode(new DeploymentCursor(Now, Guid.NewGuid()));

        var result = await _h.Service().HistoryAsync(History() with { PageToken = token });

        AssertInvalid(result, "page_token");
        Assert.Empty(_queries);
    }

    [Fact]
    public async Task History_with_a_negative_page_size_is_invalid()
    {
        var result = await _h.Service().HistoryAsync(History() with { PageSize = -1 });

        AssertInvalid(result, "page_size");
        Assert.Empty(_queries);
    }

    [Fact]
    public async Task History_with_an_undefined_status_is_invalid()
    {
        var result = await _h.Service().HistoryAsync(History() with { Statuses = [ExecutionStatus.Success, (ExecutionStatus)99] });

        AssertInvalid(result, "statuses");
        Assert.Empty(_queries);
    }

    [Fact]
    public async Task History_with_an_undefined_mode_is_invalid()
    {
        var result = await _h.Service().HistoryAsync(History() with { Modes = [(ExecutionMode)(-1)] });

        AssertInvalid(result, "modes");
        Assert.Empty(_queries);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3600)]
    public async Task History_whose_to_is_not_after_from_is_invalid(int toAfterFromSeconds)
    {
        var result = await _h.Service().HistoryAsync(History() with { From = Now, To = Now.AddSeconds(toAfterFromSeconds) });

        AssertInvalid(result, "to");
        Assert.Empty(_queries);
    }

    // ---------------------------------------------------------------- history: paging

    [Theory]
    [InlineData(0, 50)]
    [InlineData(1, 1)]
    [InlineData(200, 200)]
    [InlineData(201, 200)]
    [InlineData(100_000, 200)]
    public async Task History_page_size_defaults_and_is_capped(int requested, int expected)
    {
        var result = await _h.Service().HistoryAsync(History() with { PageSize = requested });

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(expected, Assert.Single(_queries).PageSize);
    }

    [Fact]
    public async Task History_passes_the_filters_to_the_repository()
    {
        var workflowId = Guid.NewGuid();
        var request = new ExecutionHistoryRequest(workflowId.ToString(), "  user-1 ", [ExecutionStatus.Error, ExecutionStatus.Timeout],
            [ExecutionMode.Scheduled], Now.AddDays(-1), Now, 10, null);

        var result = await _h.Service().HistoryAsync(request);

        Assert.Equal(ResultStatus.Ok, result.Status);
        var query = Assert.Single(_queries);
        Assert.Equal(workflowId, query.WorkflowId);
        Assert.Equal("user-1", query.UserId);
        Assert.Equal([ExecutionStatus.Error, ExecutionStatus.Timeout], query.Statuses);
        Assert.Equal([ExecutionMode.Scheduled], query.Modes);
        Assert.Equal(Now.AddDays(-1), query.From);
        Assert.Equal(Now, query.To);
        Assert.Null(query.Before);
    }

    [Fact]
    public async Task History_without_filters_asks_for_everything()
    {
        var result = await _h.Service().HistoryAsync(History() with { WorkflowId = "  ", UserId = " " });

        Assert.Equal(ResultStatus.Ok, result.Status);
        var query = Assert.Single(_queries);
        Assert.Null(query.WorkflowId);
        Assert.Null(query.UserId);
        Assert.Empty(query.Statuses);
        Assert.Empty(query.Modes);
    }

    [Fact]
    public async Task History_last_page_has_no_next_token()
    {
        _h.Executions.Setup(r => r.ListHistoryAsync(It.IsAny<ExecutionHistoryQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ExecutionPage([ExecutionHarness.Running(), ExecutionHarness.Running()], false));

        var result = await _h.Service().HistoryAsync(History());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(2, result.Value.Executions.Count);
        Assert.Null(result.Value.NextPageToken);
    }

    [Fact]
    public async Task History_page_with_more_after_it_issues_a_token_that_round_trips_to_the_last_item()
    {
        var newest = ExecutionHarness.Running(at: Now);
        // An offset that is not UTC: the cursor must still name the same instant.
        var last = ExecutionHarness.Running(at: new DateTimeOffset(2025, 6, 1, 13, 30, 0, TimeSpan.FromHours(2)).AddTicks(1234));
        var pages = new Queue<ExecutionPage>([new([newest, last], true), new([ExecutionHarness.Running(at: Now.AddHours(-3))], false)]);
        _h.Executions.Setup(r => r.ListHistoryAsync(It.IsAny<ExecutionHistoryQuery>(), It.IsAny<CancellationToken>()))
            .Callback((ExecutionHistoryQuery q, CancellationToken _) => _queries.Add(q))
            .ReturnsAsync(() => pages.Dequeue());
        var service = _h.Service();
        var workflowId = Guid.NewGuid().ToString();

        var first = await service.HistoryAsync(History() with { WorkflowId = workflowId, PageSize = 2 });

        Assert.Equal(ResultStatus.Ok, first.Status);
        Assert.Equal([newest, last], first.Value.Executions);
        Assert.False(string.IsNullOrEmpty(first.Value.NextPageToken));

        var next = await service.HistoryAsync(History() with { WorkflowId = workflowId, PageSize = 2, PageToken = first.Value.NextPageToken });

        Assert.Equal(ResultStatus.Ok, next.Status);
        Assert.Null(next.Value.NextPageToken);
        Assert.Equal(2, _queries.Count);
        Assert.Null(_queries[0].Before);
        var cursor = _queries[1].Before;
        Assert.Equal(new ExecutionCursor(last.CreatedAt, last.Id), cursor);
        Assert.Equal(last.CreatedAt.UtcTicks, cursor!.CreatedAt.UtcTicks);
        Assert.Equal(Guid.Parse(workflowId), _queries[1].WorkflowId);
        Assert.Equal(2, _queries[1].PageSize);
    }

    [Fact]
    public async Task History_claiming_more_with_an_empty_page_issues_no_token()
    {
        _h.Executions.Setup(r => r.ListHistoryAsync(It.IsAny<ExecutionHistoryQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ExecutionPage([], true));

        var result = await _h.Service().HistoryAsync(History());

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Null(result.Value.NextPageToken);
    }

    // ---------------------------------------------------------------- helpers

    private static void End(Execution execution, ExecutionStatus status)
    {
        switch (status)
        {
            case ExecutionStatus.Success:
                execution.Succeed(null, Now);
                break;
            case ExecutionStatus.Error:
                execution.Fail("boom", Now);
                break;
            case ExecutionStatus.Canceled:
                execution.Cancel(null, Now);
                break;
            default:
                execution.TimeOut(Now);
                break;
        }
    }

    private static ExecutionHistoryRequest History() => new(null, null, [], [], null, null, 0, null);

    private static void AssertInvalid<T>(Result<T> result, string field)
    {
        Assert.Equal(ResultStatus.Invalid, result.Status);
        var error = Assert.Single(result.ValidationErrors);
        Assert.Equal(field, error.Identifier);
        Assert.Equal(FailureCode.InvalidArgument, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.ErrorMessage));
    }

    private void AssertNothingChanged()
    {
        Assert.Equal(0, _h.SaveCount);
        _h.Engine.VerifyNoOtherCalls();
        _h.Locks.VerifyNoOtherCalls();
    }
}
