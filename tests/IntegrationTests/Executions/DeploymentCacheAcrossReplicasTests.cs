using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Executions;

/// <summary>
/// Two replicas on one database and Redis: B triggers from its deployment cache while A changes the workflow. B never
/// hears of the change; the database's deployment fence refuses B's stale run, and B decides again on what is stored:
/// it runs the new definition, or refuses as a fresh read would (ADR 0024).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeploymentCacheAcrossReplicasTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _a = fixture.Host.Runtime;
    private readonly EngineSimulation _engine = fixture.Engine;
    private RuntimeHost _replicaB = null!;

    private WorkflowRuntimeService.WorkflowRuntimeServiceClient B => _replicaB.Runtime;

    private DeploymentCache CacheOfB => _replicaB.Services.GetRequiredService<DeploymentCache>();

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _engine.Reset();
        // Long enough that no entry of B expires during a test: only the fence can make B notice a change.
        _replicaB = await fixture.StartHostAsync(new Dictionary<string, string?>
        {
            ["WorkflowRuntime:Executions:DeploymentCacheSeconds"] = "600",
        });
    }

    public async Task DisposeAsync() => await _replicaB.DisposeAsync();

    [Fact]
    public async Task After_an_update_on_A_a_trigger_on_B_is_accepted_and_the_engine_gets_the_new_definition()
    {
        var deployed = await DeployOnAAsync();
        var workflowId = deployed.WorkflowId;
        var first = await TriggerOnBAsync(workflowId);
        Assert.Equal(deployed.Version, CachedVersionOnB(workflowId));

        var updated = (await _a.UpdateDeploymentAsync(new UpdateDeploymentRequest { WorkflowId = workflowId, WorkflowDefinition = DefinitionChange.NewDefinitionJson })).Deployment;
        Assert.True(updated.Version > deployed.Version);
        Assert.Equal(deployed.Version, CachedVersionOnB(workflowId));
        var second = await TriggerOnBAsync(workflowId);

        Assert.Contains(first.Status, DefinitionChange.Started);
        Assert.Contains(second.Status, DefinitionChange.Started);
        DefinitionChange.AssertEngineRanOldThenNew(_engine.Executions(workflowId));
        Assert.Equal(updated.Version, CachedVersionOnB(workflowId));
        Assert.Equal(deployed.Version, await DeploymentVersionOfAsync(first.ExecutionId));
        Assert.Equal(updated.Version, await DeploymentVersionOfAsync(second.ExecutionId));
        Assert.Equal(2, await CountRunsAsync(workflowId));
    }

    [Fact]
    public async Task A_pause_on_A_makes_B_refuse_with_failed_precondition_and_a_resume_on_A_makes_B_run_again()
    {
        var deployed = await DeployOnAAsync();
        var workflowId = deployed.WorkflowId;
        await TriggerOnBAsync(workflowId);

        await _a.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = workflowId, Note = "maintenance" });
        Assert.Equal(deployed.Version, CachedVersionOnB(workflowId));
        var refused = await FailsWith(StatusCode.FailedPrecondition, B.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId }));

        Assert.Contains("PAUSED", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
        Assert.Equal(1, await CountRunsAsync(workflowId));

        var resumed = (await _a.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = workflowId })).Deployment;
        var again = await TriggerOnBAsync(workflowId);

        Assert.Contains(again.Status, DefinitionChange.Started);
        Assert.Equal(2, _engine.ExecuteCalls(workflowId));
        Assert.Equal(resumed.Version, await DeploymentVersionOfAsync(again.ExecutionId));
    }

    [Fact]
    public async Task An_archive_on_A_makes_B_refuse_by_id_with_failed_precondition_and_by_its_freed_webhook_path_with_not_found()
    {
        var byId = await DeployOnAAsync();
        var byPath = await DeployOnAAsync(Webhook("orders/created", "POST"));
        await TriggerOnBAsync(byId.WorkflowId);
        var viaPath = (await B.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "orders/created" })).Execution;
        Assert.Equal(byPath.WorkflowId, viaPath.WorkflowId);

        await _a.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = byId.WorkflowId });
        await _a.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = byPath.WorkflowId });
        Assert.Equal(byId.Version, CachedVersionOnB(byId.WorkflowId));
        Assert.Equal(byPath.Version, CachedVersionOnB(byPath.WorkflowId));

        var archived = await FailsWith(StatusCode.FailedPrecondition, B.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = byId.WorkflowId }));
        var freed = await FailsWith(StatusCode.NotFound, B.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "orders/created" }));

        Assert.Contains("ARCHIVED", archived.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("orders/created", freed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _engine.ExecuteCalls(byId.WorkflowId));
        Assert.Equal(1, _engine.ExecuteCalls(byPath.WorkflowId));
        Assert.Equal(1, await CountRunsAsync(byId.WorkflowId));
        Assert.Equal(1, await CountRunsAsync(byPath.WorkflowId));
    }

    private async Task<Deployment> DeployOnAAsync(params TriggerSpec[] triggers)
    {
        var request = Deploy("user-1", triggers.Length == 0 ? [Manual()] : triggers);
        // ALLOW_ALL: each trigger of a test runs, whether or not the one before has ended.
        request.Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.AllowAll, ExecutionTimeoutSeconds = 600 };
        return (await _a.DeployWorkflowAsync(request)).Deployment;
    }

    private async Task<Execution> TriggerOnBAsync(string workflowId) =>
        (await B.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId })).Execution;

    private long? CachedVersionOnB(string workflowId) => CacheOfB.Find(Guid.Parse(workflowId))?.Version;

    private static async Task<long> DeploymentVersionOfAsync(string executionId) =>
        await PostgresDatabase.ScalarAsync<long>($"SELECT deployment_version FROM workflow_executions WHERE id = '{executionId}'");

    private static async Task<long> CountRunsAsync(string workflowId) =>
        await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflowId}'");
}
