using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Grpc;

/// <summary>A change the scheduler cannot take is undone in the database: deploys happen entirely or not at all.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchedulerRollbackTests : IAsyncLifetime
{
    private readonly FailingScheduler _scheduler = new();
    private RuntimeHost _host = null!;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _host = await RuntimeHost.StartAsync(builder => builder.Services.AddSingleton<ICronScheduler>(_scheduler));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_deploy_whose_cron_registration_fails_is_unavailable_and_leaves_the_database_unchanged()
    {
        var before = await PostgresDatabase.SnapshotAsync();
        _scheduler.Fail = true;

        var error = await FailsWith(StatusCode.Unavailable, _host.Runtime.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *"), Webhook("rollback/hook"))));

        Assert.Contains("scheduler", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task A_pause_the_scheduler_cannot_take_leaves_the_deployment_deployed()
    {
        var deployed = (await _host.Runtime.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *")))).Deployment;
        var before = await PostgresDatabase.SnapshotAsync();
        _scheduler.Fail = true;

        await FailsWith(StatusCode.Unavailable, _host.Runtime.PauseDeploymentAsync(
            new Contracts.V1.PauseDeploymentRequest { WorkflowId = deployed.WorkflowId }));

        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
        _scheduler.Fail = false;
        var status = await _host.Runtime.GetDeploymentStatusAsync(new Contracts.V1.GetDeploymentStatusRequest { WorkflowId = deployed.WorkflowId });
        Assert.Equal(Contracts.V1.DeploymentStatus.Deployed, status.Deployment.Status);
    }

    /// <summary>A scheduler adapter whose backing store is down.</summary>
    private sealed class FailingScheduler : ICronScheduler
    {
        public volatile bool Fail;

        public Task ScheduleAsync(Deployment deployment, CancellationToken cancellationToken = default) => Act();

        public Task PauseAsync(Guid workflowId, CancellationToken cancellationToken = default) => Act();

        public Task ResumeAsync(Deployment deployment, CancellationToken cancellationToken = default) => Act();

        public Task UnscheduleAsync(Guid workflowId, CancellationToken cancellationToken = default) => Act();

        public Task<IReadOnlyCollection<Guid>> ListScheduledWorkflowsAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyCollection<Guid>>([]);


        private Task Act() => Fail ? throw new InvalidOperationException("job store connection refused") : Task.CompletedTask;
    }
}
