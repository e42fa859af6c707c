using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class ExecutionTests
{
    private static readonly DateTimeOffset Now = Samples.Now;
    private static readonly Guid WorkflowId = Guid.Parse("8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11");

    public enum Operation
    {
        MarkRunning,
        Succeed,
        Fail,
        Cancel,
        TimeOut,
    }

    private static readonly HashSet<(ExecutionStatus, ExecutionStatus)> Legal =
    [
        (ExecutionStatus.New, ExecutionStatus.Running),
        (ExecutionStatus.New, ExecutionStatus.Error),
        (ExecutionStatus.New, ExecutionStatus.Canceled),
        (ExecutionStatus.New, ExecutionStatus.Timeout),
        (ExecutionStatus.Running, ExecutionStatus.Success),
        (ExecutionStatus.Running, ExecutionStatus.Error),
        (ExecutionStatus.Running, ExecutionStatus.Canceled),
        (ExecutionStatus.Running, ExecutionStatus.Timeout),
        (ExecutionStatus.Pending, ExecutionStatus.New),
        (ExecutionStatus.Pending, ExecutionStatus.Canceled),
    ];

    public static TheoryData<ExecutionStatus, ExecutionStatus, bool> AllTransitions()
    {
        var data = new TheoryData<ExecutionStatus, ExecutionStatus, bool>();
        foreach (var from in Enum.GetValues<ExecutionStatus>())
        {
            foreach (var to in Enum.GetValues<ExecutionStatus>())
            {
                data.Add(from, to, Legal.Contains((from, to)));
            }
        }

        return data;
    }

    public static TheoryData<ExecutionStatus, Operation> AllOperations()
    {
        var data = new TheoryData<ExecutionStatus, Operation>();
        foreach (var from in Enum.GetValues<ExecutionStatus>())
        {
            foreach (var operation in Enum.GetValues<Operation>())
            {
                data.Add(from, operation);
            }
        }

        return data;
    }

    public static TheoryData<ExecutionStatus> TerminalStatuses() =>
        [ExecutionStatus.Success, ExecutionStatus.Error, ExecutionStatus.Canceled, ExecutionStatus.Timeout, ExecutionStatus.Skipped];

    [Theory]
    [MemberData(nameof(AllTransitions))]
    public void CanTransition_allows_exactly_the_lifecycle_edges(ExecutionStatus from, ExecutionStatus to, bool legal) =>
        Assert.Equal(legal, Execution.CanTransition(from, to));

    [Theory]
    [MemberData(nameof(AllOperations))]
    public void Methods_move_exactly_along_legal_edges(ExecutionStatus from, Operation operation)
    {
        var execution = InStatus(from);
        var target = Target(operation);
        var finishedAt = execution.FinishedAt;
        var error = execution.ErrorMessage;
        var later = Now.AddMinutes(3);

        if (Legal.Contains((from, target)))
        {
            Apply(execution, operation, later);
            Assert.Equal(target, execution.Status);
        }
        else
        {
            var ex = Assert.Throws<InvalidStateTransitionException>(() => Apply(execution, operation, later));
            Assert.Equal("Execution", ex.Entity);
            Assert.Equal(from.ToString().ToUpperInvariant(), ex.From);
            Assert.Equal(target.ToString().ToUpperInvariant(), ex.To);
            Assert.Equal(from, execution.Status);
            Assert.Equal(finishedAt, execution.FinishedAt);
            Assert.Equal(error, execution.ErrorMessage);
        }
    }

    [Theory]
    [MemberData(nameof(TerminalStatuses))]
    public void Terminal_states_are_final(ExecutionStatus status)
    {
        var execution = InStatus(status);
        Assert.True(status.IsTerminal());

        foreach (var operation in Enum.GetValues<Operation>())
        {
            Assert.Throws<InvalidStateTransitionException>(() => Apply(execution, operation, Now.AddHours(1)));
        }

        Assert.Throws<InvalidStateTransitionException>(() => execution.ClaimBy("instance-2", Now.AddHours(1)));
        Assert.Equal(status, execution.Status);
    }

    [Theory]
    [InlineData(ExecutionStatus.New, false)]
    [InlineData(ExecutionStatus.Running, false)]
    [InlineData(ExecutionStatus.Success, true)]
    [InlineData(ExecutionStatus.Error, true)]
    [InlineData(ExecutionStatus.Canceled, true)]
    [InlineData(ExecutionStatus.Timeout, true)]
    [InlineData(ExecutionStatus.Skipped, true)]
    public void IsTerminal_table(ExecutionStatus status, bool terminal) => Assert.Equal(terminal, status.IsTerminal());

    [Fact]
    public void Start_records_the_request_as_new()
    {
        var triggerId = Guid.NewGuid();
        var request = new ExecutionRequest("""{"a":1}""", triggerId, "alice", "key-1", null, "instance-1");

        var execution = Execution.Start(WorkflowId, ExecutionMode.Manual, request, OverlapPolicy.Skip, TimeSpan.FromMinutes(10), Now);

        Assert.NotEqual(Guid.Empty, execution.Id);
        Assert.Equal(WorkflowId, execution.WorkflowId);
        Assert.Equal(ExecutionStatus.New, execution.Status);
        Assert.Equal(ExecutionMode.Manual, execution.Mode);
        Assert.Equal(triggerId, execution.TriggerId);
        Assert.Equal("alice", execution.TriggeredBy);
        Assert.Equal("key-1", execution.IdempotencyKey);
        Assert.Equal("""{"a":1}""", execution.TriggerData);
        Assert.Equal("instance-1", execution.OwnerInstanceId);
        Assert.Equal(Now, execution.CreatedAt);
        Assert.Equal(Now, execution.HeartbeatAt);
        Assert.Null(execution.StartedAt);
        Assert.Null(execution.FinishedAt);
        Assert.Null(execution.Duration);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3600)]
    [InlineData(86_400)]
    public void Start_sets_the_deadline_to_now_plus_timeout(int seconds)
    {
        var execution = Execution.Start(WorkflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromSeconds(seconds), Now);

        Assert.Equal(Now.AddSeconds(seconds), execution.DeadlineAt);
        Assert.False(execution.IsPastDeadline(Now.AddSeconds(seconds) - TimeSpan.FromTicks(1)));
        Assert.True(execution.IsPastDeadline(Now.AddSeconds(seconds)));
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, true)]
    [InlineData(OverlapPolicy.AllowAll, false)]
    public void Start_is_exclusive_only_under_the_skip_policy(OverlapPolicy policy, bool exclusive) =>
        Assert.Equal(exclusive, Execution.Start(WorkflowId, ExecutionMode.Webhook, new ExecutionRequest("{}"), policy, TimeSpan.FromMinutes(1), Now).IsExclusive);

    [Fact]
    public void Start_scheduled_without_an_occurrence_is_refused()
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            Execution.Start(WorkflowId, ExecutionMode.Scheduled, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now));

        Assert.Equal("scheduled_for", ex.Field);
    }

    [Fact]
    public void Start_scheduled_with_an_occurrence_keeps_it()
    {
        var occurrence = Now.AddSeconds(-30);

        var execution = Execution.Start(WorkflowId, ExecutionMode.Scheduled, new ExecutionRequest("{}", ScheduledFor: occurrence),
            OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);

        Assert.Equal(occurrence, execution.ScheduledFor);
        Assert.Equal(ExecutionMode.Scheduled, execution.Mode);
    }

    [Fact]
    public void Skipped_is_born_terminal_with_its_reason_occurrence_and_the_callers_idempotency_key()
    {
        var request = new ExecutionRequest("{}", Guid.NewGuid(), "cron", "key-1", Now.AddSeconds(-5), "instance-1");

        var execution = Execution.Skipped(WorkflowId, ExecutionMode.Scheduled, request, "workflow already running", Now);

        Assert.Equal(ExecutionStatus.Skipped, execution.Status);
        Assert.True(execution.Status.IsTerminal());
        Assert.Equal("workflow already running", execution.SkipReason);
        Assert.Equal("key-1", execution.IdempotencyKey);
        Assert.Equal(request.ScheduledFor, execution.ScheduledFor);
        Assert.False(execution.IsExclusive);
        Assert.Equal(request.TriggerId, execution.TriggerId);
        Assert.Equal(Now, execution.FinishedAt);
        Assert.Null(execution.DeadlineAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Skipped_needs_a_reason(string? reason) =>
        Assert.ThrowsAny<ArgumentException>(() => Execution.Skipped(WorkflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), reason!, Now));

    [Fact]
    public void MarkRunning_records_engine_id_and_start()
    {
        var execution = InStatus(ExecutionStatus.New);
        var at = Now.AddSeconds(2);

        execution.MarkRunning("engine-42", at);

        Assert.Equal(ExecutionStatus.Running, execution.Status);
        Assert.Equal("engine-42", execution.EngineExecutionId);
        Assert.Equal(at, execution.StartedAt);
        Assert.Equal(at, execution.HeartbeatAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MarkRunning_needs_an_engine_id(string? engineId)
    {
        var execution = InStatus(ExecutionStatus.New);

        Assert.ThrowsAny<ArgumentException>(() => execution.MarkRunning(engineId!, Now));
        Assert.Equal(ExecutionStatus.New, execution.Status);
    }

    [Fact]
    public void Succeed_records_result_and_duration()
    {
        var execution = InStatus(ExecutionStatus.New);
        execution.MarkRunning("engine-1", Now.AddSeconds(1));

        execution.Succeed("""{"ok":true}""", Now.AddSeconds(31));

        Assert.Equal("""{"ok":true}""", execution.ResultData);
        Assert.Equal(Now.AddSeconds(31), execution.FinishedAt);
        Assert.Equal(TimeSpan.FromSeconds(30), execution.Duration);
    }

    [Fact]
    public void Fail_records_the_error_and_needs_a_message()
    {
        var execution = InStatus(ExecutionStatus.Running);

        Assert.ThrowsAny<ArgumentException>(() => execution.Fail(" ", Now));
        Assert.Equal(ExecutionStatus.Running, execution.Status);

        execution.Fail("boom", Now.AddSeconds(5));
        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Equal("boom", execution.ErrorMessage);
    }

    [Theory]
    [InlineData(null, "canceled")]
    [InlineData("  ", "canceled")]
    [InlineData(" by user ", "by user")]
    public void Cancel_records_a_reason(string? reason, string expected)
    {
        var execution = InStatus(ExecutionStatus.Running);

        execution.Cancel(reason, Now.AddSeconds(1));

        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
        Assert.Equal(expected, execution.ErrorMessage);
    }

    [Fact]
    public void TimeOut_names_the_deadline()
    {
        var execution = InStatus(ExecutionStatus.Running);

        execution.TimeOut(Now.AddHours(2));

        Assert.Equal(ExecutionStatus.Timeout, execution.Status);
        Assert.Contains(execution.DeadlineAt!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture), execution.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Ending_before_running_counts_as_started_at_the_end_so_duration_is_zero()
    {
        var execution = InStatus(ExecutionStatus.New);

        execution.Fail("engine unreachable", Now.AddSeconds(7));

        Assert.Equal(Now.AddSeconds(7), execution.StartedAt);
        Assert.Equal(TimeSpan.Zero, execution.Duration);
    }

    [Fact]
    public void Heartbeat_moves_ownership_while_not_terminal()
    {
        var execution = InStatus(ExecutionStatus.Running);

        execution.ClaimBy("instance-2", Now.AddSeconds(9));

        Assert.Equal("instance-2", execution.OwnerInstanceId);
        Assert.Equal(Now.AddSeconds(9), execution.HeartbeatAt);
    }

    private static ExecutionStatus Target(Operation operation) => operation switch
    {
        Operation.MarkRunning => ExecutionStatus.Running,
        Operation.Succeed => ExecutionStatus.Success,
        Operation.Fail => ExecutionStatus.Error,
        Operation.Cancel => ExecutionStatus.Canceled,
        Operation.TimeOut => ExecutionStatus.Timeout,
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static void Apply(Execution execution, Operation operation, DateTimeOffset at)
    {
        switch (operation)
        {
            case Operation.MarkRunning:
                execution.MarkRunning("engine-2", at);
                break;
            case Operation.Succeed:
                execution.Succeed("{}", at);
                break;
            case Operation.Fail:
                execution.Fail("failed", at);
                break;
            case Operation.Cancel:
                execution.Cancel("stop", at);
                break;
            case Operation.TimeOut:
                execution.TimeOut(at);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    private static Execution InStatus(ExecutionStatus status)
    {
        if (status == ExecutionStatus.Skipped)
        {
            return Execution.Skipped(WorkflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), "busy", Now);
        }

        if (status == ExecutionStatus.Pending)
        {
            return Execution.Queue(WorkflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), Now);
        }

        var execution = Execution.Start(WorkflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromHours(1), Now);
        if (status == ExecutionStatus.New)
        {
            return execution;
        }

        execution.MarkRunning("engine-1", Now.AddSeconds(1));
        switch (status)
        {
            case ExecutionStatus.Running:
                break;
            case ExecutionStatus.Success:
                execution.Succeed("{}", Now.AddSeconds(2));
                break;
            case ExecutionStatus.Error:
                execution.Fail("boom", Now.AddSeconds(2));
                break;
            case ExecutionStatus.Canceled:
                execution.Cancel(null, Now.AddSeconds(2));
                break;
            case ExecutionStatus.Timeout:
                execution.TimeOut(Now.AddSeconds(2));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status));
        }

        Assert.Equal(status, execution.Status);
        return execution;
    }
}
