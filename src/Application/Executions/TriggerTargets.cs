using Ardalis.Result;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Executions;

/// <summary>The deployment a trigger runs, and the trigger it counts on (a webhook's; null for a manual call by id).</summary>
public sealed record TriggerTarget(Deployment Deployment, Guid? TriggerId, string? WebhookPath);

/// <summary>
/// Finds what a trigger runs: by workflow id or webhook path, through the <see cref="DeploymentCache"/>. A refusal
/// (unknown, not deployed) is never answered from the cache: the deployment is read again first, so a workflow
/// resumed on another replica a moment ago runs here too.
/// </summary>
public sealed class TriggerTargets(DeploymentCache cache, IDeploymentRepository deployments)
{
    /// <summary>For a validated gateway trigger: exactly one of workflow id (a UUID) and webhook path is set.</summary>
    public async Task<Result<TriggerTarget>> ResolveAsync(TriggerCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command.WebhookPath))
        {
            return await ForWorkflowAsync(Guid.Parse(command.WorkflowId!), triggerId: null, webhookPath: null, cancellationToken);
        }

        var path = WebhookPath.Normalize(command.WebhookPath);
        if (cache.FindWebhook(path) is { } cached)
        {
            var target = await ForWorkflowAsync(cached.WorkflowId, cached.Id, path, cancellationToken);
            if (target.IsSuccess)
            {
                return target;
            }

            // The path may have moved on (its workflow archived, another deployed with it): a refusal is never
            // answered from the cache, so the path is read again too.
            cache.Evict(cached.WorkflowId, path);
        }

        return await ForPathAsync(path, cancellationToken);
    }

    public Task<Result<TriggerTarget>> ForScheduledAsync(Guid workflowId, Guid triggerId, CancellationToken cancellationToken) =>
        ForWorkflowAsync(workflowId, triggerId, webhookPath: null, cancellationToken);

    /// <summary>After the database refused a run as stale: forget what was cached and resolve again from the database.</summary>
    public async Task<Result<TriggerTarget>> RefreshAsync(TriggerTarget stale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stale);
        cache.EvictStale(stale.Deployment.Id, stale.WebhookPath);
        if (stale.WebhookPath is null)
        {
            return await ForWorkflowAsync(stale.Deployment.Id, stale.TriggerId, webhookPath: null, cancellationToken);
        }

        return await ForPathAsync(stale.WebhookPath, cancellationToken);
    }

    private async Task<Result<TriggerTarget>> ForPathAsync(string path, CancellationToken cancellationToken)
    {
        var webhook = await ReadWebhookAsync(path, cancellationToken);
        return webhook is null
            ? Failure.NotFound<TriggerTarget>($"no active deployment has the webhook path '{InputText.Quote(path)}'.")
            : await ForWorkflowAsync(webhook.WorkflowId, webhook.Id, path, cancellationToken);
    }

    private async Task<Result<TriggerTarget>> ForWorkflowAsync(Guid workflowId, Guid? triggerId, string? webhookPath,
        CancellationToken cancellationToken)
    {
        var deployment = cache.Find(workflowId);
        if (deployment is null || !deployment.AcceptsExecutions)
        {
            deployment = await ReadDeploymentAsync(workflowId, cancellationToken);
        }

        if (deployment is null)
        {
            return Failure.NotFound<TriggerTarget>($"workflow {workflowId} has no deployment.");
        }

        return deployment.AcceptsExecutions
            ? Result.Success(new TriggerTarget(deployment, triggerId, webhookPath))
            : Failure.FailedPrecondition<TriggerTarget>(NotDeployed(deployment));
    }

    private async Task<Deployment?> ReadDeploymentAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        var deployment = await deployments.ReadAsync(workflowId, cancellationToken);
        if (deployment is not null)
        {
            cache.Store(deployment);
        }

        return deployment;
    }

    private async Task<WorkflowTrigger?> ReadWebhookAsync(string path, CancellationToken cancellationToken)
    {
        var webhook = await deployments.FindActiveWebhookAsync(path, cancellationToken);
        if (webhook is not null)
        {
            cache.StoreWebhook(path, webhook);
        }

        return webhook;
    }

    public static string NotDeployed(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return $"workflow {deployment.Id} is {deployment.Status.ToString().ToUpperInvariant()}; only DEPLOYED workflows run.";
    }
}
