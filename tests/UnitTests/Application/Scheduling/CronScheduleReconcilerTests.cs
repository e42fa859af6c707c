using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Application.Scheduling;

public sealed class CronScheduleReconcilerTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly Mock<IDeploymentRepository> _deployments = new();
    private readonly Mock<ICronScheduler> _scheduler = new();
    private readonly SuspectedOrphans _suspects = new();

    [Fact]
    public async Task Deployed_workflows_are_scheduled_paused_ones_paused_and_orphans_removed_when_a_second_pass_confirms_them()
    {
        var deployed = Deployed();
        var paused = Deployed();
        paused.Pause("maintenance", Now);
        var orphan = Guid.NewGuid();
        _deployments.Setup(d => d.ListByStatusAsync(It.Is<IReadOnlyCollection<DeploymentStatus>>(s =>
                s.Contains(DeploymentStatus.Deployed) && s.Contains(DeploymentStatus.Paused) && s.Count == 2), It.IsAny<CancellationToken>()))
            .ReturnsAsync([deployed, paused]);
        _scheduler.Setup(s => s.ListScheduledWorkflowsAsync(It.IsAny<CancellationToken>())).ReturnsAsync([deployed.Id, paused.Id, orphan]);

        var first = await Reconciler().ReconcileAsync();
        _scheduler.Verify(s => s.UnscheduleAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        var second = await Reconciler().ReconcileAsync();

        _scheduler.Verify(s => s.ScheduleAsync(deployed, It.IsAny<CancellationToken>()), Times.Exactly(2));
        _scheduler.Verify(s => s.ScheduleAsync(paused, It.IsAny<CancellationToken>()), Times.Exactly(2));
        _scheduler.Verify(s => s.PauseAsync(paused.Id, It.IsAny<CancellationToken>()), Times.Exactly(2));
        _scheduler.Verify(s => s.PauseAsync(deployed.Id, It.IsAny<CancellationToken>()), Times.Never);
        _scheduler.Verify(s => s.UnscheduleAsync(orphan, It.IsAny<CancellationToken>()), Times.Once);
        _scheduler.Verify(s => s.UnscheduleAsync(deployed.Id, It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal(new ReconcileReport(2, 0, 1), first);
        Assert.Equal(new ReconcileReport(2, 1, 0), second);
    }

    [Fact]
    public async Task An_empty_table_removes_every_scheduled_job_in_the_second_pass()
    {
        var stale = new[] { Guid.NewGuid(), Guid.NewGuid() };
        _deployments.Setup(d => d.ListByStatusAsync(It.IsAny<IReadOnlyCollection<DeploymentStatus>>(), It.IsAny<CancellationToken>())).ReturnsAsync([]);
        _scheduler.Setup(s => s.ListScheduledWorkflowsAsync(It.IsAny<CancellationToken>())).ReturnsAsync(stale);

        Assert.Equal(new ReconcileReport(0, 0, 2), await Reconciler().ReconcileAsync());
        var report = await Reconciler().ReconcileAsync();

        Assert.Equal(new ReconcileReport(0, 2, 0), report);
        foreach (var id in stale)
        {
            _scheduler.Verify(s => s.UnscheduleAsync(id, It.IsAny<CancellationToken>()), Times.Once);
        }
    }

    [Fact]
    public async Task The_scheduler_is_read_before_the_deployments_so_a_workflow_deployed_meanwhile_is_never_removed()
    {
        var calls = new List<string>();
        var fresh = Deployed();
        _scheduler.Setup(s => s.ListScheduledWorkflowsAsync(It.IsAny<CancellationToken>()))
            .Callback(() => calls.Add("scheduler")).ReturnsAsync([]);
        _deployments.Setup(d => d.ListByStatusAsync(It.IsAny<IReadOnlyCollection<DeploymentStatus>>(), It.IsAny<CancellationToken>()))
            .Callback(() => calls.Add("deployments")).ReturnsAsync([fresh]);

        await Reconciler().ReconcileAsync();

        Assert.Equal(["scheduler", "deployments"], calls);
        _scheduler.Verify(s => s.UnscheduleAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_workflow_whose_triggers_are_seen_before_its_deployment_commits_is_never_removed()
    {
        // Another replica's deploy scheduled inside its transaction: this pass sees the triggers, not the row.
        var deploying = Deployed();
        _scheduler.Setup(s => s.ListScheduledWorkflowsAsync(It.IsAny<CancellationToken>())).ReturnsAsync([deploying.Id]);
        _deployments.SetupSequence(d => d.ListByStatusAsync(It.IsAny<IReadOnlyCollection<DeploymentStatus>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([])
            .ReturnsAsync([deploying])
            .ReturnsAsync([deploying]);

        var reports = new[] { await Reconciler().ReconcileAsync(), await Reconciler().ReconcileAsync(), await Reconciler().ReconcileAsync() };

        _scheduler.Verify(s => s.UnscheduleAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal([new ReconcileReport(0, 0, 1), new ReconcileReport(1, 0, 0), new ReconcileReport(1, 0, 0)], reports);
    }

    private CronScheduleReconciler Reconciler() =>
        new(_deployments.Object, _scheduler.Object, _suspects, NullLogger<CronScheduleReconciler>.Instance);

    private static Deployment Deployed()
    {
        var deployment = Deployment.CreateDraft(Guid.NewGuid(), "user-1", "report", null,
            WorkflowDefinition.Parse("""{"nodes":[{"id":"a","type":"t"}]}"""), Now);
        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Default, Now);
        return deployment;
    }
}
