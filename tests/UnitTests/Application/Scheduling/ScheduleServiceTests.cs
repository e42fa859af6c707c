using Ardalis.Result;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Scheduling.Quartz;
using WorkflowRuntime.UnitTests.Application.Executions;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Scheduling;

public sealed class ScheduleServiceTests : IAsyncDisposable
{
    // Two days before Europe's spring change (2026-03-29, 02:00 -> 03:00 local).
    private static readonly DateTimeOffset BeforeDst = new(2026, 3, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly ExecutionHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Upcoming_fires_over_a_dst_change_are_the_fires_of_the_schedulers_own_trigger()
    {
        var deployment = Given(CronTriggerSpec.Create("30 2 * * *", "Europe/Berlin", jitterWindowSeconds: 600));
        var trigger = deployment.Triggers[0];
        var quartz = new JitteredCronTrigger(new FakeTimeProvider(BeforeDst))
        {
            CronExpression = "30 2 * * *",
            TimeZoneId = "Europe/Berlin",
            JitterSeconds = trigger.JitterSeconds,
            StartTimeUtc = BeforeDst,
            MisfireInstructionCode = JitteredCronTrigger.SkipToNextOccurrence,
        };
        quartz.ComputeFirstFireTimeUtc(null);
        var scheduled = new List<DateTimeOffset>();
        for (var i = 0; i < 5; i++)
        {
            scheduled.Add(quartz.NextFireTimeUtc!.Value);
            quartz.Triggered(null);
        }

        var result = await Service(BeforeDst).ListUpcomingFiresAsync(deployment.Id.ToString(), 5);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(scheduled, result.Value.Select(f => f.FireTime));
        Assert.All(result.Value, f => Assert.Equal(quartz.OccurrenceOf(f.FireTime), f.ScheduledFor));
        // 2026-03-29 02:30 does not exist in Berlin; the fires around it change offset from +01:00 to +02:00.
        Assert.Equal(TimeSpan.FromHours(1), result.Value[0].LocalFireTime.Offset);
        Assert.Equal(TimeSpan.FromHours(2), result.Value[^1].LocalFireTime.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 2, 30, 0, TimeSpan.FromHours(2)), result.Value[2].ScheduledFor);
    }

    [Fact]
    public async Task Upcoming_fires_of_a_paused_workflow_are_none()
    {
        var deployment = Given(CronTriggerSpec.Create("0 9 * * *"));
        deployment.Pause("maintenance", Samples.Now);

        var result = await Service(BeforeDst).ListUpcomingFiresAsync(deployment.Id.ToString(), 0);

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Empty(result.Value);
    }

    [Theory]
    [InlineData("not-a-uuid", 5, "workflow_id")]
    [InlineData("11111111-2222-3333-4444-555555555555", 101, "count")]
    [InlineData("11111111-2222-3333-4444-555555555555", -1, "count")]
    public async Task Upcoming_fires_refuse_bad_input_naming_the_field(string workflowId, int count, string field)
    {
        var result = await Service(BeforeDst).ListUpcomingFiresAsync(workflowId, count);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(field, Assert.Single(result.ValidationErrors).Identifier);
    }

    [Fact]
    public async Task A_backfill_names_every_bad_field_at_once_and_reads_nothing()
    {
        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand("nope", "also-nope", null, BeforeDst.AddHours(1), (OverlapPolicy)42));

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(["workflow_id", "trigger_id", "from", "to", "overlap_policy"], result.ValidationErrors.Select(e => e.Identifier));
        _h.Deployments.Verify(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_backfill_of_more_than_1000_occurrences_is_refused_on_to()
    {
        var deployment = Given(CronTriggerSpec.Create("* * * * *"));

        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand(deployment.Id.ToString(), null, BeforeDst.AddDays(-1), BeforeDst, null));

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal("to", Assert.Single(result.ValidationErrors).Identifier);
        Assert.Empty(_h.Added);
    }

    [Fact]
    public async Task A_backfill_of_a_workflow_with_two_cron_triggers_needs_the_trigger_named()
    {
        var deployment = Given(CronTriggerSpec.Create("0 9 * * *"), CronTriggerSpec.Create("0 18 * * *"));

        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand(deployment.Id.ToString(), "", BeforeDst.AddDays(-1), BeforeDst, null));

        Assert.Equal("trigger_id", Assert.Single(result.ValidationErrors).Identifier);
    }

    [Fact]
    public async Task A_backfill_runs_each_occurrence_as_a_scheduled_run_marked_backfill_and_counts_what_was_there()
    {
        var deployment = Given(CronTriggerSpec.Create("0 * * * *"));
        var from = new DateTimeOffset(2026, 3, 27, 8, 0, 0, TimeSpan.Zero);
        var present = ExecutionHarness.Running();
        _h.Executions.Setup(r => r.FindByOccurrenceAsync(deployment.Id, from.AddHours(1), It.IsAny<CancellationToken>())).ReturnsAsync(present);
        _h.Executions.Setup(r => r.InsertAsync(It.Is<Execution>(e => e.ScheduledFor == from.AddHours(1)), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new UniqueConstraintViolationException(UniqueConstraints.ExecutionOccurrence));

        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand(deployment.Id.ToString(), null, from, from.AddHours(3), null));

        Assert.Equal(new BackfillCounts(3, 2, 1, 0), result.Value);
        Assert.Equal([from, from.AddHours(2)], _h.Added.Select(e => e.ScheduledFor!.Value));
        Assert.All(_h.Added, e =>
        {
            Assert.Equal(ExecutionMode.Scheduled, e.Mode);
            Assert.Equal(ExecutionCoordinator.BackfillMarker, e.TriggeredBy);
            Assert.False(e.IsExclusive);
        });
    }

    [Fact]
    public async Task A_backfill_replaces_a_recorded_miss_by_the_run_it_missed()
    {
        var deployment = Given(CronTriggerSpec.Create("0 * * * *"));
        var occurrence = new DateTimeOffset(2026, 3, 27, 8, 0, 0, TimeSpan.Zero);
        var miss = Execution.Missed(deployment.Id, deployment.Triggers[0].Id, occurrence, "missed", occurrence);
        _h.Executions.Setup(r => r.FindByOccurrenceAsync(deployment.Id, occurrence, It.IsAny<CancellationToken>())).ReturnsAsync(miss);
        _h.Executions.Setup(r => r.DeleteSkippedOccurrenceAsync(deployment.Id, occurrence, It.IsAny<CancellationToken>())).ReturnsAsync(1);
        _h.FailNextSave(new UniqueConstraintViolationException(UniqueConstraints.ExecutionOccurrence));

        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand(deployment.Id.ToString(), null, occurrence, occurrence.AddMinutes(30), null));

        Assert.Equal(new BackfillCounts(1, 1, 0, 0), result.Value);
        Assert.Equal(ExecutionStatus.Running, Assert.Single(_h.Added).Status);
    }

    [Fact]
    public async Task A_backfill_of_a_paused_workflow_is_refused_as_not_deployed()
    {
        var deployment = Given(CronTriggerSpec.Create("0 * * * *"));
        deployment.Pause("maintenance", Samples.Now);

        var result = await Service(BeforeDst).BackfillAsync(new BackfillCommand(deployment.Id.ToString(), null, BeforeDst.AddHours(-3), BeforeDst, null));

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Empty(_h.Added);
    }

    private ScheduleService Service(DateTimeOffset now) => new(_h.Deployments.Object, new TriggerTargets(_h.Cache, _h.Deployments.Object),
        _h.Coordinator(), new FakeTimeProvider(now), NullLogger<ScheduleService>.Instance);

    private Deployment Given(params TriggerSpec[] triggers)
    {
        var deployment = Samples.Draft();
        deployment.Deploy(triggers, DeploymentConfig.Create(OverlapPolicy.AllowAll, 600), Samples.Now);
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        return deployment;
    }
}
