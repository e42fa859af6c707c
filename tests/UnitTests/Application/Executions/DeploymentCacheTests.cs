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

/// <summary>
/// The execution path with the deployment cache on: what it saves (reads) and why a stale entry is never acted on
/// (the database's version fence refuses the run, ADR 0024; a refusal is never answered from the cache).
/// </summary>
public sealed class DeploymentCacheTests : IAsyncDisposable
{
    private readonly ExecutionHarness _h = new();

    public DeploymentCacheTests() => _h.Settings.DeploymentCacheSeconds = 60;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Triggers_of_a_cached_workflow_read_its_deployment_once()
    {
        var deployment = Given(Samples.Deployed());

        for (var i = 0; i < 3; i++)
        {
            var result = await _h.Coordinator().TriggerAsync(Command(deployment.Id));
            Assert.Equal(ResultStatus.Ok, result.Status);
            Assert.Equal(deployment.Version, result.Value.Execution.DeploymentVersion);
        }

        _h.Deployments.Verify(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task An_entry_used_within_its_lifetime_stays_and_one_left_unused_longer_is_read_again()
    {
        var deployment = Given(Samples.Deployed());

        // Lifetime 60 s: fires 50 s apart (an every-minute workflow, roughly) keep the entry however long it lives.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ResultStatus.Ok, (await _h.Coordinator().TriggerAsync(Command(deployment.Id))).Status);
            _h.Clock.Advance(TimeSpan.FromSeconds(50));
        }

        _h.Deployments.Verify(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Once);

        _h.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(ResultStatus.Ok, (await _h.Coordinator().TriggerAsync(Command(deployment.Id))).Status);

        _h.Deployments.Verify(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task A_webhook_path_is_cached_with_its_deployment()
    {
        var deployment = Given(Samples.Deployed(WebhookTriggerSpec.Create("orders/new")));
        _h.Deployments.Setup(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>())).ReturnsAsync(deployment.Triggers[0]);

        await _h.Coordinator().TriggerAsync(Command(null, "orders/new"));
        var second = await _h.Coordinator().TriggerAsync(Command(null, "orders/new"));

        Assert.Equal(ExecutionMode.Webhook, second.Value.Execution.Mode);
        Assert.Equal(deployment.Triggers[0].Id, second.Value.Execution.TriggerId);
        _h.Deployments.Verify(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>()), Times.Once);
        _h.Deployments.Verify(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_run_the_database_refuses_as_stale_is_admitted_again_against_the_deployment_as_stored_now()
    {
        var cached = Given(Samples.Deployed());
        await _h.Coordinator().TriggerAsync(Command(cached.Id));
        var updated = NewVersionOf(cached);
        Given(updated);
        _h.FailNextSave(new StaleDeploymentException());
        EngineStartRequest? sent = null;
        _h.Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .Callback((EngineStartRequest r, CancellationToken _) => sent = r)
            .ReturnsAsync(new EngineStartResult(ExecutionHarness.EngineId, EngineStatus.Running, null));

        var result = await _h.Coordinator().TriggerAsync(Command(cached.Id));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(updated.Version, result.Value.Execution.DeploymentVersion);
        Assert.Equal(updated.Definition.Json, sent!.WorkflowDefinition);
        _h.Deployments.Verify(r => r.ReadAsync(cached.Id, It.IsAny<CancellationToken>()), Times.Exactly(2));
        // The refused attempt's lock was given back before the second one took it again.
        _h.Locks.Verify(l => l.AcquireLockAsync(cached.Id.ToString(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task A_workflow_paused_elsewhere_is_refused_as_paused_once_the_fence_reveals_the_stale_entry()
    {
        var cached = Given(Samples.Deployed());
        await _h.Coordinator().TriggerAsync(Command(cached.Id));
        var paused = NewVersionOf(cached);
        paused.Pause("maintenance", Samples.Now);
        Given(paused);
        _h.FailNextSave(new StaleDeploymentException());
        var addedBefore = _h.Added.Count;

        var result = await _h.Coordinator().TriggerAsync(Command(cached.Id));

        Assert.Equal(ResultStatus.Conflict, result.Status);
        Assert.Equal(FailureCode.FailedPrecondition, result.Errors.First());
        Assert.Contains("PAUSED", result.Errors.Last(), StringComparison.Ordinal);
        Assert.Equal(addedBefore, _h.Added.Count);
    }

    [Fact]
    public async Task A_cached_refusal_is_never_the_answer_a_workflow_resumed_elsewhere_runs_at_once()
    {
        var paused = Given(Samples.Paused());
        var refused = await _h.Coordinator().TriggerAsync(Command(paused.Id));
        Assert.Equal(ResultStatus.Conflict, refused.Status);
        var resumed = NewVersionOf(paused);
        Given(resumed);

        var result = await _h.Coordinator().TriggerAsync(Command(paused.Id));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(resumed.Version, result.Value.Execution.DeploymentVersion);
    }

    [Fact]
    public async Task A_cached_webhook_path_that_moved_to_another_workflow_is_read_again_and_runs_the_new_owner()
    {
        var first = Given(Samples.Deployed(WebhookTriggerSpec.Create("orders/new")));
        _h.Deployments.Setup(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>())).ReturnsAsync(first.Triggers[0]);
        await _h.Coordinator().TriggerAsync(Command(null, "orders/new"));
        var archived = NewVersionOf(first);
        archived.Archive(Samples.Now);
        Given(archived);
        var second = Given(Samples.Deployed(WebhookTriggerSpec.Create("orders/new")));
        _h.Deployments.Setup(r => r.FindActiveWebhookAsync("orders/new", It.IsAny<CancellationToken>())).ReturnsAsync(second.Triggers[0]);
        // A trigger by id of the archived workflow: the fence refuses the cached copy, which is read again (archived).
        _h.FailNextSave(new StaleDeploymentException());
        Assert.Equal(ResultStatus.Conflict, (await _h.Coordinator().TriggerAsync(Command(first.Id))).Status);

        var result = await _h.Coordinator().TriggerAsync(Command(null, "orders/new"));

        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.Equal(second.Id, result.Value.Execution.WorkflowId);
        Assert.Equal(second.Triggers[0].Id, result.Value.Execution.TriggerId);
    }

    /// <summary>The same workflow as another replica stored it later: deployed again, with a higher version.</summary>
    private static Deployment NewVersionOf(Deployment earlier)
    {
        var later = Samples.Draft(earlier.Id);
        later.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Default, Samples.Now);
        later.ChangeDefinition(WorkflowDefinition.Parse("""{"nodes":[{"id":"start","type":"trigger"}],"connections":[]}"""), Samples.Now);
        later.Rename("Daily report, second edition", Samples.Now);
        Assert.True(later.Version > earlier.Version);
        return later;
    }

    private Deployment Given(Deployment deployment)
    {
        _h.Deployments.Setup(r => r.ReadAsync(deployment.Id, It.IsAny<CancellationToken>())).ReturnsAsync(deployment);
        return deployment;
    }

    private static TriggerCommand Command(Guid? workflowId, string? webhookPath = null) =>
        new(workflowId?.ToString(), webhookPath, Mode: null, TriggerData: null, IdempotencyKey: null, TriggeredBy: null,
            Metadata: new Dictionary<string, string>(), WaitForCompletion: false, WaitTimeoutSeconds: 0);
}
