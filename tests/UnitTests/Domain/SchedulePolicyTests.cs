using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.UnitTests.Domain;

/// <summary>The per-deployment schedule settings and the pending run's life (issue 13).</summary>
public sealed class SchedulePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(OverlapPolicy.Skip, 0)]
    [InlineData(OverlapPolicy.AllowAll, 0)]
    [InlineData(OverlapPolicy.BufferOne, 1)]
    [InlineData(OverlapPolicy.BufferAll, 7)]
    [InlineData(OverlapPolicy.CancelOther, 0)]
    public void Max_pending_follows_the_policy(OverlapPolicy policy, int maxPending) =>
        Assert.Equal(maxPending, DeploymentConfig.Create(policy, 0, bufferLimit: 7).MaxPending);

    [Fact]
    public void Zero_means_the_defaults_for_the_buffer_limit_and_the_service_window_for_catch_up()
    {
        var config = DeploymentConfig.Create(OverlapPolicy.BufferAll, 0);

        Assert.Equal(DeploymentConfig.DefaultBufferLimit, config.BufferLimit);
        Assert.Equal(0, config.CatchUpWindowSeconds);
    }

    [Theory]
    [InlineData(-1, 0, "catch_up_window_seconds")]
    [InlineData(DeploymentConfig.MaxCatchUpWindowSeconds + 1, 0, "catch_up_window_seconds")]
    [InlineData(0, -1, "buffer_limit")]
    [InlineData(0, DeploymentConfig.MaxBufferLimit + 1, "buffer_limit")]
    public void Out_of_range_settings_are_refused_naming_the_field(int catchUp, int bufferLimit, string field)
    {
        var ex = Assert.Throws<DomainValidationException>(() => DeploymentConfig.Create(OverlapPolicy.BufferAll, 0, catchUp, bufferLimit));
        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, true, false, "SKIP")]
    [InlineData(OverlapPolicy.AllowAll, false, false, "ALLOW_ALL")]
    [InlineData(OverlapPolicy.BufferOne, true, true, "BUFFER_ONE")]
    [InlineData(OverlapPolicy.BufferAll, true, true, "BUFFER_ALL")]
    [InlineData(OverlapPolicy.CancelOther, true, false, "CANCEL_OTHER")]
    public void Policies_say_whether_they_hold_the_slot_and_buffer(OverlapPolicy policy, bool exclusive, bool buffers, string name)
    {
        Assert.Equal(exclusive, policy.IsExclusive());
        Assert.Equal(buffers, policy.Buffers());
        Assert.Equal(name, policy.ContractName());
    }

    [Fact]
    public void A_queued_run_is_pending_exclusive_unowned_and_never_stale()
    {
        var pending = Execution.Queue(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}", InstanceId: "i-1"), Now);

        Assert.Equal(ExecutionStatus.Pending, pending.Status);
        Assert.False(pending.Status.IsTerminal());
        Assert.True(pending.IsExclusive);
        Assert.Null(pending.OwnerInstanceId);
        Assert.Null(pending.DeadlineAt);
        Assert.False(pending.IsStale(Now.AddDays(1), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Promotion_makes_it_new_owned_with_a_deadline_counted_from_the_promotion()
    {
        var pending = Execution.Queue(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), Now);
        var revision = pending.Revision;
        var later = Now.AddMinutes(10);

        pending.Promote("i-2", TimeSpan.FromMinutes(5), later);

        Assert.Equal(ExecutionStatus.New, pending.Status);
        Assert.Equal("i-2", pending.OwnerInstanceId);
        Assert.Equal(later.AddMinutes(5), pending.DeadlineAt);
        Assert.Equal(later, pending.HeartbeatAt);
        Assert.True(pending.Revision > revision);
        Assert.Throws<InvalidStateTransitionException>(() => pending.Promote("i-3", TimeSpan.FromMinutes(5), later));
    }
}
