using System.Text;
using Ardalis.Result;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>
/// The deployment lifecycle: deploy, update, pause, resume, archive, and the read side. Every change is saved and
/// pushed to the scheduler inside one transaction, so a scheduler failure leaves the database as it was.
/// </summary>
public sealed class DeploymentService(
    IDeploymentRepository deployments,
    IExecutionRepository executions,
    IUnitOfWork unitOfWork,
    ICronScheduler scheduler,
    IOptions<DeploymentOptions> options,
    TimeProvider clock,
    ILogger<DeploymentService> logger)
{
    private readonly DeploymentOptions _options = options.Value;

    private TimeSpan MinimumCronInterval => TimeSpan.FromSeconds(_options.MinCronIntervalSeconds);

    public Task<Result<DeploymentView>> DeployAsync(DeployWorkflowCommand command, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(command);
            var id = ParseOrCreateId(command.WorkflowId);
            if (id.Status != ResultStatus.Ok)
            {
                return id.Map(_ => default(DeploymentView)!);
            }

            if (IsDefinitionTooLarge(command.WorkflowDefinition))
            {
                return DefinitionTooLarge<DeploymentView>();
            }

            var definition = WorkflowDefinition.Parse(command.WorkflowDefinition);
            var triggers = TriggerSpecFactory.CreateAll(command.Triggers, MinimumCronInterval);
            var config = ToConfig(command.Config);
            var now = clock.GetUtcNow();

            var deployment = await deployments.FindAsync(id.Value, cancellationToken);
            if (deployment is null)
            {
                deployment = Deployment.CreateDraft(id.Value, command.UserId, command.Name, command.Description, definition, now);
                deployments.Add(deployment);
            }
            else if (deployment.Status != DeploymentStatus.Draft)
            {
                return Failure.FailedPrecondition<DeploymentView>(
                    $"workflow {id.Value} is already {deployment.Status.ToString().ToUpperInvariant()}; use UpdateDeployment to change it.");
            }
            else if (!string.IsNullOrWhiteSpace(command.UserId) && command.UserId.Trim() != deployment.UserId)
            {
                return Failure.FailedPrecondition<DeploymentView>(
                    $"workflow {id.Value} is a draft of another user; only its owner may deploy it.");
            }
            else
            {
                if (!string.IsNullOrWhiteSpace(command.Name))
                {
                    deployment.Rename(command.Name, now);
                }

                if (!string.IsNullOrWhiteSpace(command.Description))
                {
                    deployment.Describe(command.Description, now);
                }

                deployment.ChangeDefinition(definition, now);
            }

            var pathTaken = await FindTakenWebhookPathAsync(deployment.Id, triggers, cancellationToken);
            if (pathTaken is not null)
            {
                return Failure.AlreadyExists<DeploymentView>(pathTaken);
            }

            deployment.Deploy(triggers, config, now);
            await SaveAndSyncAsync(() => scheduler.ScheduleAsync(deployment, cancellationToken), cancellationToken);
            DeploymentLog.Deployed(logger, deployment.Id, deployment.UserId, deployment.Triggers.Count, deployment.Version);
            return Result.Success(View(deployment, now));
        });

    public Task<Result<DeploymentView>> UpdateAsync(UpdateDeploymentCommand command, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(command);
            var found = await FindAsync(command.WorkflowId, cancellationToken);
            if (found.Status != ResultStatus.Ok)
            {
                return found.Map(_ => default(DeploymentView)!);
            }

            var deployment = found.Value;
            if (deployment.Status == DeploymentStatus.Archived)
            {
                return Failure.FailedPrecondition<DeploymentView>($"workflow {deployment.Id} is ARCHIVED; an archived deployment cannot change.");
            }

            if (command.ExpectedVersion < 0)
            {
                return Failure.Invalid<DeploymentView>("expected_version", "expected_version must be 0 (no check) or a positive version.");
            }

            if (command.ExpectedVersion != 0 && command.ExpectedVersion != deployment.Version)
            {
                return Failure.VersionConflict<DeploymentView>(
                    $"expected_version {command.ExpectedVersion} does not match the current version {deployment.Version}; read the deployment again and retry.");
            }

            if (IsDefinitionTooLarge(command.WorkflowDefinition))
            {
                return DefinitionTooLarge<DeploymentView>();
            }

            // Validate everything before touching the aggregate, so a bad field changes nothing.
            var definition = command.WorkflowDefinition is null ? null : WorkflowDefinition.Parse(command.WorkflowDefinition);
            var triggers = command.ReplaceTriggers ? TriggerSpecFactory.CreateAll(command.Triggers, MinimumCronInterval) : null;
            var config = command.Config is null ? null : ToConfig(command.Config);
            if (triggers is not null)
            {
                var pathTaken = await FindTakenWebhookPathAsync(deployment.Id, triggers, cancellationToken);
                if (pathTaken is not null)
                {
                    return Failure.AlreadyExists<DeploymentView>(pathTaken);
                }
            }

            var now = clock.GetUtcNow();
            if (command.Name is not null)
            {
                deployment.Rename(command.Name, now);
            }

            if (definition is not null)
            {
                deployment.ChangeDefinition(definition, now);
            }

            if (config is not null)
            {
                deployment.ChangeConfig(config, now);
            }

            if (triggers is not null)
            {
                deployment.ReplaceTriggers(triggers, now);
            }

            await SaveAndSyncAsync(() => SyncScheduleAsync(deployment, cancellationToken), cancellationToken);
            DeploymentLog.Updated(logger, deployment.Id, deployment.UserId, deployment.Triggers.Count, deployment.Version);
            return Result.Success(View(deployment, now));
        });

    public Task<Result<DeploymentView>> PauseAsync(string? workflowId, string? note, CancellationToken cancellationToken = default) =>
        ChangeLifecycleAsync(workflowId, (deployment, now) => deployment.Pause(note, now),
            deployment => scheduler.PauseAsync(deployment.Id, cancellationToken),
            deployment => DeploymentLog.Paused(logger, deployment.Id, deployment.UserId, deployment.Triggers.Count, deployment.PauseNote), cancellationToken);

    public Task<Result<DeploymentView>> ResumeAsync(string? workflowId, CancellationToken cancellationToken = default) =>
        ChangeLifecycleAsync(workflowId, (deployment, now) => deployment.Resume(now),
            deployment => scheduler.ResumeAsync(deployment, cancellationToken),
            deployment => DeploymentLog.Resumed(logger, deployment.Id, deployment.UserId, deployment.Triggers.Count), cancellationToken);

    /// <summary>Archives: the deployment stops for good, its triggers are deactivated and its webhook paths freed.</summary>
    public Task<Result<DeploymentView>> ArchiveAsync(string? workflowId, CancellationToken cancellationToken = default) =>
        ChangeLifecycleAsync(workflowId, (deployment, now) => deployment.Archive(now),
            deployment => scheduler.UnscheduleAsync(deployment.Id, cancellationToken),
            deployment => DeploymentLog.Archived(logger, deployment.Id, deployment.UserId, deployment.Triggers.Count), cancellationToken);

    public Task<Result<DeploymentStatusView>> GetStatusAsync(string? workflowId, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var found = await FindAsync(workflowId, cancellationToken);
            if (found.Status != ResultStatus.Ok)
            {
                return found.Map(_ => default(DeploymentStatusView)!);
            }

            var deployment = found.Value;
            Execution? last = await executions.FindLatestAsync(deployment.Id, cancellationToken);
            var count = await executions.CountAsync(deployment.Id, cancellationToken);
            return Result.Success(new DeploymentStatusView(View(deployment, clock.GetUtcNow()), last, count));
        });

    public Task<Result<DeploymentListView>> ListAsync(ListDeploymentsQuery query, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(query);
            if (query.PageSize < 0)
            {
                return Failure.Invalid<DeploymentListView>("page_size", "page_size must not be negative (0 means the default).");
            }

            if (query.Statuses.FirstOrDefault(s => !Enum.IsDefined(s)) is var unknown && !Enum.IsDefined(unknown))
            {
                return Failure.Invalid<DeploymentListView>("statuses", $"statuses holds {(int)unknown + 1}, which is not a DeploymentStatus.");
            }

            DeploymentCursor? cursor = null;
            if (!string.IsNullOrEmpty(query.PageToken) && !PageToken.TryDecode(query.PageToken, out cursor))
            {
                return Failure.Invalid<DeploymentListView>("page_token", "page_token is not one this service issued; pass the next_page_token of a previous page.");
            }

            var pageSize = query.PageSize == 0 ? _options.DefaultPageSize : Math.Min(query.PageSize, _options.MaxPageSize);
            var userId = string.IsNullOrWhiteSpace(query.UserId) ? null : query.UserId.Trim();
            var page = await deployments.ListAsync(new DeploymentQuery(userId, query.Statuses, pageSize, cursor), cancellationToken);

            var now = clock.GetUtcNow();
            var next = page.HasMore && page.Items.Count > 0
                ? PageToken.Encode(new DeploymentCursor(page.Items[^1].CreatedAt, page.Items[^1].Id))
                : null;
            return Result.Success(new DeploymentListView([.. page.Items.Select(d => View(d, now))], next, page.TotalCount));
        });

    /// <summary>Finds the active deployment behind a webhook path for the gateway.</summary>
    public Task<Result<WebhookResolution>> ResolveWebhookAsync(string? path, string? method, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var normalized = WebhookPath.Normalize(path);
            if (normalized.Length == 0)
            {
                return Failure.Invalid<WebhookResolution>("path", "path is required.");
            }

            if (!WebhookPath.IsValid(normalized))
            {
                // A path no deployment could ever register: no lookup needed, and nothing of it echoed at length.
                return Failure.NotFound<WebhookResolution>($"no deployment holds the webhook path '{InputText.Quote(normalized)}'.");
            }

            var trigger = await deployments.FindActiveWebhookAsync(normalized, cancellationToken);
            if (trigger?.Spec is not WebhookTriggerSpec webhook)
            {
                return Failure.NotFound<WebhookResolution>($"no deployment holds the webhook path '{normalized}'.");
            }

            if (!webhook.Accepts(method))
            {
                return Failure.NotFound<WebhookResolution>(
                    $"webhook path '{normalized}' does not accept {InputText.Quote(method)}; it accepts {string.Join(", ", webhook.Methods)}.");
            }

            return Result.Success(new WebhookResolution(trigger.WorkflowId, trigger.Id));
        });

    private Task<Result<DeploymentView>> ChangeLifecycleAsync(string? workflowId, Action<Deployment, DateTimeOffset> change,
        Func<Deployment, Task> syncScheduler, Action<Deployment> logChange, CancellationToken cancellationToken) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var found = await FindAsync(workflowId, cancellationToken);
            if (found.Status != ResultStatus.Ok)
            {
                return found.Map(_ => default(DeploymentView)!);
            }

            var deployment = found.Value;
            var now = clock.GetUtcNow();
            change(deployment, now);
            await SaveAndSyncAsync(() => syncScheduler(deployment), cancellationToken);
            logChange(deployment);
            return Result.Success(View(deployment, now));
        });

    private async Task<Result<Deployment>> FindAsync(string? workflowId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(workflowId, out var id))
        {
            return Failure.Invalid<Deployment>("workflow_id", $"workflow_id '{InputText.Quote(workflowId)}' is not a UUID.");
        }

        var deployment = await deployments.FindAsync(id, cancellationToken);
        return deployment is null
            ? Failure.NotFound<Deployment>($"workflow {id} has no deployment.")
            : Result.Success(deployment);
    }

    private static Result<Guid> ParseOrCreateId(string? workflowId)
    {
        if (string.IsNullOrWhiteSpace(workflowId))
        {
            return Result.Success(Guid.NewGuid());
        }

        return Guid.TryParse(workflowId, out var id) && id != Guid.Empty
            ? Result.Success(id)
            : Failure.Invalid<Guid>("workflow_id", $"workflow_id '{InputText.Quote(workflowId)}' is not a UUID; leave it empty to have one made.");
    }

    /// <summary>The message for the first webhook path another active deployment holds; null when all are free.</summary>
    private async Task<string?> FindTakenWebhookPathAsync(Guid workflowId, IReadOnlyList<TriggerSpec> triggers, CancellationToken cancellationToken)
    {
        foreach (var webhook in triggers.OfType<WebhookTriggerSpec>())
        {
            var holder = await deployments.FindActiveWebhookAsync(webhook.Path, cancellationToken);
            if (holder is not null && holder.WorkflowId != workflowId)
            {
                return
                    $"webhook path '{webhook.Path}' is already used by workflow {holder.WorkflowId}; pick another path or archive that deployment.";
            }
        }

        return null;
    }

    private Task SyncScheduleAsync(Deployment deployment, CancellationToken cancellationToken) => deployment.Status switch
    {
        DeploymentStatus.Deployed => scheduler.ScheduleAsync(deployment, cancellationToken),
        DeploymentStatus.Paused => ScheduleThenPauseAsync(deployment, cancellationToken),
        _ => Task.CompletedTask,
    };

    private async Task ScheduleThenPauseAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        await scheduler.ScheduleAsync(deployment, cancellationToken);
        await scheduler.PauseAsync(deployment.Id, cancellationToken);
    }

    /// <summary>Saves, then tells the scheduler, in one transaction: if the scheduler fails the save is undone.</summary>
    private Task<bool> SaveAndSyncAsync(Func<Task> syncScheduler, CancellationToken cancellationToken) =>
        unitOfWork.InTransactionAsync(async ct =>
        {
            await unitOfWork.SaveChangesAsync(ct);
            try
            {
                await syncScheduler();
            }
            catch (Exception ex) when (ex is not SchedulerUnavailableException and not OperationCanceledException)
            {
                // The scheduler's store is PostgreSQL: its message can quote database error texts, which callers never see.
                throw new SchedulerUnavailableException(SafeErrorText.Describe(ex), ex);
            }

            return true;
        }, cancellationToken);

    private bool IsDefinitionTooLarge(string? definition) =>
        definition is not null && Encoding.UTF8.GetByteCount(definition) > _options.MaxDefinitionBytes;

    private Result<T> DefinitionTooLarge<T>() =>
        Failure.TooLarge<T>("workflow_definition", $"workflow_definition is larger than the limit of {_options.MaxDefinitionBytes} bytes.");

    private static DeploymentConfig ToConfig(ConfigInput? input) =>
        input is null ? DeploymentConfig.Default : DeploymentConfig.Create(input.OverlapPolicy, input.ExecutionTimeoutSeconds,
            input.CatchUpWindowSeconds, input.BufferLimit);

    private static DeploymentView View(Deployment deployment, DateTimeOffset now)
    {
        var live = deployment.Status == DeploymentStatus.Deployed;
        return new DeploymentView(deployment,
            [.. deployment.Triggers.Select(t => new TriggerView(t, live ? t.NextFireAfter(now) : null))]);
    }
}
