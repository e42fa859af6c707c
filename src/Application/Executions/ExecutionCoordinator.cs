using System.Text;
using System.Text.Json;
using Ardalis.Result;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Starts executions: checks the deployment, deduplicates by idempotency key or cron occurrence, enforces the
/// overlap policy (Redis lock for speed, the database's exclusive-execution index for truth), calls the engine and
/// hands the run to the <see cref="ExecutionTracker"/>.
/// </summary>
public sealed class ExecutionCoordinator(
    IDeploymentRepository deployments,
    IExecutionRepository executions,
    IUnitOfWork unitOfWork,
    IDistributedLock locks,
    IWorkflowEngine engine,
    ExecutionTracker tracker,
    IOptions<ExecutionOptions> options,
    RuntimeIdentity identity,
    TimeProvider clock,
    ILogger<ExecutionCoordinator> logger,
    ITriggerFireRecorder? fires = null)
{
    public const string LockHeldReason = "another execution of this workflow is running (overlap policy SKIP)";
    private const int MaxKeyLength = 255;
    private const int TwinLookups = 6;
    private static readonly TimeSpan TwinLookupInterval = TimeSpan.FromMilliseconds(50);

    private readonly ExecutionOptions _options = options.Value;

    /// <summary>A webhook or manual trigger from the gateway.</summary>
    public Task<Result<TriggerOutcome>> TriggerAsync(TriggerCommand command, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(command);
            var invalid = Validate(command);
            if (invalid is not null)
            {
                return invalid;
            }

            AdmissionDeadline.ThrowIfTooLate(command.Deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
            if (!tracker.IsAccepting)
            {
                return Failure.Unavailable<TriggerOutcome>("this instance is shutting down; retry and another replica will take the trigger.");
            }

            var target = await FindTargetAsync(command, cancellationToken);
            if (!target.IsSuccess)
            {
                return target.Map(_ => default(TriggerOutcome)!);
            }

            var (deployment, triggerId) = target.Value;
            var mode = command.Mode ?? (string.IsNullOrWhiteSpace(command.WebhookPath) ? ExecutionMode.Manual : ExecutionMode.Webhook);
            var request = new ExecutionRequest(
                string.IsNullOrWhiteSpace(command.TriggerData) ? "{}" : command.TriggerData,
                triggerId,
                Blank(command.TriggeredBy),
                Blank(command.IdempotencyKey),
                InstanceId: identity.InstanceId);
            var outcome = await ExecutionMetrics.AdmitAsync(mode, deployment.Id,
                () => StartAsync(deployment, mode, request, command.Metadata, cancellationToken, command.Deadline));
            fires.RecordFire(deployment, triggerId, outcome);

            if (command.WaitForCompletion && !outcome.Execution.Status.IsTerminal())
            {
                var wait = TimeSpan.FromSeconds(Math.Min(
                    command.WaitTimeoutSeconds == 0 ? _options.DefaultWaitTimeoutSeconds : command.WaitTimeoutSeconds,
                    _options.MaxWaitTimeoutSeconds));
                await tracker.WaitForEndAsync(outcome.Execution.Id, wait, cancellationToken);
                var latest = await executions.ReadAsync(outcome.Execution.Id, cancellationToken);
                outcome = outcome with { Execution = latest ?? outcome.Execution };
            }

            return Result.Success(outcome);
        });

    /// <summary>A cron fire for occurrence <paramref name="scheduledFor"/>: a repeat of the same occurrence finds the first run.</summary>
    public Task<Result<TriggerOutcome>> FireScheduledAsync(Guid workflowId, Guid triggerId, DateTimeOffset scheduledFor,
        CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var deployment = await deployments.FindAsync(workflowId, cancellationToken);
            if (deployment is null)
            {
                return Failure.NotFound<TriggerOutcome>($"workflow {workflowId} has no deployment.");
            }

            if (!deployment.AcceptsExecutions)
            {
                return Failure.FailedPrecondition<TriggerOutcome>(NotDeployed(deployment));
            }

            var request = new ExecutionRequest("{}", triggerId, "scheduler", ScheduledFor: scheduledFor, InstanceId: identity.InstanceId);
            var metadata = new Dictionary<string, string> { ["scheduled_for"] = scheduledFor.ToString("O") };
            var outcome = await ExecutionMetrics.AdmitAsync(ExecutionMode.Scheduled, deployment.Id,
                () => StartAsync(deployment, ExecutionMode.Scheduled, request, metadata, cancellationToken));
            fires.RecordFire(deployment, triggerId, outcome);
            return Result.Success(outcome);
        });

    /// <summary>
    /// Records cron occurrences that were missed (later than the catch-up window). Idempotent: an occurrence already
    /// recorded or run is left as it is, so every node of a cluster may report the same miss.
    /// </summary>
    public async Task<int> RecordMissedAsync(Guid workflowId, Guid triggerId, IReadOnlyCollection<DateTimeOffset> occurrences,
        string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        var recorded = 0;
        foreach (var occurrence in occurrences)
        {
            if (await executions.FindByOccurrenceAsync(workflowId, occurrence, cancellationToken) is not null)
            {
                continue;
            }

            var missed = Execution.Missed(workflowId, triggerId, occurrence, reason, clock.GetUtcNow());
            executions.Add(missed);
            try
            {
                await unitOfWork.SaveChangesAsync(cancellationToken);
                ExecutionLog.Skipped(logger, missed.Id, workflowId, reason);
                recorded++;
            }
            catch (UniqueConstraintViolationException)
            {
                // Another node recorded (or ran) the occurrence first.
            }
        }

        return recorded;
    }

    private async Task<TriggerOutcome> StartAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request,
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken, DateTimeOffset? deadline = null)
    {
        var existing = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
        if (existing is not null)
        {
            ExecutionLog.Deduplicated(logger, existing.Id, deployment.Id);
            return new TriggerOutcome(existing, Deduplicated: true);
        }

        LockHandle? handle = null;
        if (deployment.Config.OverlapPolicy == OverlapPolicy.Skip)
        {
            try
            {
                handle = await locks.AcquireLockAsync(deployment.Id.ToString(), _options.LockTtl, cancellationToken);
                // The database is the truth: a lock with no active run behind it (its instance died between taking
                // the lock and inserting the run) must not skip triggers until its lease runs out.
                if (handle is null && await executions.HasActiveExclusiveAsync(deployment.Id, cancellationToken))
                {
                    return await SkipAsync(deployment, mode, request, LockHeldReason, cancellationToken, deadline);
                }
            }
            catch (LockUnavailableException ex)
            {
                ExecutionLog.LockStoreUnavailable(logger, deployment.Id.ToString(), ex.Message);
            }
        }

        var execution = Execution.Start(deployment.Id, mode, request, deployment.Config.OverlapPolicy,
            deployment.Config.ExecutionTimeout, clock.GetUtcNow());
        if (handle is not null)
        {
            execution.AttachLock(handle.Token);
        }

        try
        {
            AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
            executions.Add(execution);
            await unitOfWork.SaveChangesAsync(cancellationToken);
        }
        catch (UniqueConstraintViolationException ex)
        {
            await locks.ReleaseQuietlyAsync(handle, logger);
            if (ex.ConstraintName == UniqueConstraints.ExclusiveExecution)
            {
                return await SkipAsync(deployment, mode, request, LockHeldReason, cancellationToken, deadline);
            }

            // A concurrent trigger with the same key or occurrence won the insert: report its run.
            var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            return new TriggerOutcome(winner, Deduplicated: true);
        }
        catch
        {
            await locks.ReleaseQuietlyAsync(handle, logger);
            throw;
        }

        return await RunOnEngineAsync(deployment, execution, handle, metadata, cancellationToken);
    }

    private async Task<TriggerOutcome> RunOnEngineAsync(Deployment deployment, Execution execution, LockHandle? handle,
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        EngineStartResult started;
        try
        {
            // The row is committed: the run proceeds even if the caller gives up now (its response is lost; a retry
            // with the same idempotency key finds this run). The engine client bounds the call itself.
            started = await engine.ExecuteAsync(EngineDispatch.For(deployment, execution, metadata), CancellationToken.None);
        }
        catch (Exception ex) when (ex is EngineUnavailableException or EngineRejectedException)
        {
            ExecutionLog.EngineUnavailable(logger, execution.Id, deployment.Id, ex.Message);
            var reason = $"the engine did not take the run: {ex.Message}";
            var failedAt = clock.GetUtcNow();
            if (await SaveOrDeferAsync(execution, handle, e => e.Fail(reason, failedAt)))
            {
                await locks.ReleaseQuietlyAsync(handle, logger);
                ExecutionLog.Finished(logger, execution);
            }

            return new TriggerOutcome(execution, Deduplicated: false);
        }

        var engineId = started.EngineExecutionId;
        var startedAt = clock.GetUtcNow();
        var recorded = await SaveOrDeferAsync(execution, handle, e => e.MarkRunning(engineId, startedAt));
        LogStarted(execution);
        if (recorded)
        {
            tracker.Track(execution, handle);
        }

        return new TriggerOutcome(execution, Deduplicated: false);
    }

    /// <summary>
    /// Applies and writes a change after the engine call. The engine has acted by now, so a write the database refuses
    /// (busy, down, raced) must not be lost: it goes to the tracker, which writes it again with back-off (and then
    /// follows the run). True when written here.
    /// </summary>
    private async Task<bool> SaveOrDeferAsync(Execution execution, LockHandle? handle, Action<Execution> change)
    {
        change(execution);
        try
        {
            await unitOfWork.SaveChangesAsync(CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is PersistenceUnavailableException or ConcurrencyConflictException)
        {
            ExecutionLog.WriteDeferred(logger, execution, ex.Message);
            tracker.Track(execution, handle, change);
            return false;
        }
    }

    private async Task<TriggerOutcome> SkipAsync(Deployment deployment, ExecutionMode mode, ExecutionRequest request, string reason,
        CancellationToken cancellationToken, DateTimeOffset? deadline = null)
    {
        // A concurrent repeat of the same key or occurrence may be the very run that holds the slot: that is a
        // duplicate, not an overlap. The holder takes the lock a moment before its row commits, so look a few times.
        var earlier = await FindConcurrentTwinAsync(deployment.Id, request, cancellationToken);
        if (earlier is not null)
        {
            ExecutionLog.Deduplicated(logger, earlier.Id, deployment.Id);
            return new TriggerOutcome(earlier, Deduplicated: true);
        }

        AdmissionDeadline.ThrowIfTooLate(deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
        var skipped = Execution.Skipped(deployment.Id, mode, request, reason, clock.GetUtcNow());
        executions.Add(skipped);
        try
        {
            await unitOfWork.SaveChangesAsync(cancellationToken);
        }
        catch (UniqueConstraintViolationException ex)
            when (ex.ConstraintName is UniqueConstraints.ExecutionOccurrence or UniqueConstraints.ExecutionIdempotencyKey)
        {
            // Another node's fire of the same occurrence, or a concurrent repeat of the same key, got there first:
            // that record is the answer (a skipped run keeps the caller's key, ADR 0023).
            var winner = await FindEarlierRunAsync(deployment.Id, request, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            return new TriggerOutcome(winner, Deduplicated: true);
        }

        ExecutionLog.Skipped(logger, skipped.Id, deployment.Id, reason);
        return new TriggerOutcome(skipped, Deduplicated: false);
    }

    private async Task<Execution?> FindConcurrentTwinAsync(Guid workflowId, ExecutionRequest request, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is null && request.ScheduledFor is null)
        {
            return null;
        }

        for (var attempt = 0; ; attempt++)
        {
            var earlier = await FindEarlierRunAsync(workflowId, request, cancellationToken);
            if (earlier is not null || attempt == TwinLookups - 1)
            {
                return earlier;
            }

            // Wall-clock on purpose: this waits for another transaction to commit, not for scheduled time.
            await Task.Delay(TwinLookupInterval, cancellationToken);
        }
    }

    private async Task<Execution?> FindEarlierRunAsync(Guid workflowId, ExecutionRequest request, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is { } key)
        {
            return await executions.FindByIdempotencyKeyAsync(workflowId, key, cancellationToken);
        }

        return request.ScheduledFor is { } occurrence
            ? await executions.FindByOccurrenceAsync(workflowId, occurrence, cancellationToken)
            : null;
    }

    private async Task<Result<(Deployment Deployment, Guid? TriggerId)>> FindTargetAsync(TriggerCommand command, CancellationToken cancellationToken)
    {
        Guid workflowId;
        Guid? triggerId = null;
        if (!string.IsNullOrWhiteSpace(command.WebhookPath))
        {
            var path = WebhookPath.Normalize(command.WebhookPath);
            var webhook = await deployments.FindActiveWebhookAsync(path, cancellationToken);
            if (webhook is null)
            {
                return Failure.NotFound<(Deployment, Guid?)>($"no active deployment has the webhook path '{InputText.Quote(path)}'.");
            }

            workflowId = webhook.WorkflowId;
            triggerId = webhook.Id;
        }
        else if (!Guid.TryParse(command.WorkflowId, out workflowId))
        {
            return Failure.Invalid<(Deployment, Guid?)>("workflow_id", $"workflow_id '{InputText.Quote(command.WorkflowId)}' is not a UUID.");
        }

        var deployment = await deployments.FindAsync(workflowId, cancellationToken);
        if (deployment is null)
        {
            return Failure.NotFound<(Deployment, Guid?)>($"workflow {workflowId} has no deployment.");
        }

        return deployment.AcceptsExecutions
            ? Result.Success<(Deployment, Guid?)>((deployment, triggerId))
            : Failure.FailedPrecondition<(Deployment, Guid?)>(NotDeployed(deployment));
    }

    private Result<TriggerOutcome>? Validate(TriggerCommand command)
    {
        var byId = !string.IsNullOrWhiteSpace(command.WorkflowId);
        var byPath = !string.IsNullOrWhiteSpace(command.WebhookPath);
        if (byId == byPath)
        {
            return Failure.Invalid<TriggerOutcome>(byId ? "webhook_path" : "workflow_id", "set exactly one of workflow_id and webhook_path.");
        }

        if (command.Mode == ExecutionMode.Scheduled)
        {
            return Failure.Invalid<TriggerOutcome>("mode", "SCHEDULED runs are started by the scheduler; use MANUAL, WEBHOOK or RETRY.");
        }

        if (command.Mode is { } mode && !Enum.IsDefined(mode))
        {
            return Failure.Invalid<TriggerOutcome>("mode", $"mode {(int)mode + 1} is not an ExecutionMode.");
        }

        if (command.WaitTimeoutSeconds < 0)
        {
            return Failure.Invalid<TriggerOutcome>("wait_timeout_seconds", "wait_timeout_seconds must not be negative (0 means the default).");
        }

        if ((command.IdempotencyKey?.Length ?? 0) > MaxKeyLength || (command.TriggeredBy?.Length ?? 0) > MaxKeyLength)
        {
            var field = (command.IdempotencyKey?.Length ?? 0) > MaxKeyLength ? "idempotency_key" : "triggered_by";
            return Failure.Invalid<TriggerOutcome>(field, $"{field} is longer than {MaxKeyLength} characters.");
        }

        return ValidateTriggerData(command.TriggerData);
    }

    private Result<TriggerOutcome>? ValidateTriggerData(string? triggerData)
    {
        if (string.IsNullOrWhiteSpace(triggerData))
        {
            return null;
        }

        if (Encoding.UTF8.GetByteCount(triggerData) > _options.MaxTriggerDataBytes)
        {
            return Failure.TooLarge<TriggerOutcome>("trigger_data", $"trigger_data is larger than the limit of {_options.MaxTriggerDataBytes} bytes.");
        }

        try
        {
            using var document = JsonDocument.Parse(triggerData);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Failure.Invalid<TriggerOutcome>("trigger_data", "trigger_data must be a JSON object.");
            }

            return JsonText.FindUnstorable(triggerData) is { } problem
                ? Failure.Invalid<TriggerOutcome>("trigger_data", $"trigger_data cannot be stored: {problem}.")
                : null;
        }
        catch (JsonException ex)
        {
            return Failure.Invalid<TriggerOutcome>("trigger_data", $"trigger_data is not valid JSON: {ex.Message}");
        }
    }

    private void LogStarted(Execution execution)
    {
        var mode = execution.Mode.ToString().ToUpperInvariant();
        var masked = SecretMasker.MaskJson(execution.TriggerData);
        ExecutionLog.Started(logger, execution.Id, execution.WorkflowId, mode, execution.EngineExecutionId!, masked);
    }

    private static string NotDeployed(Deployment deployment) =>
        $"workflow {deployment.Id} is {deployment.Status.ToString().ToUpperInvariant()}; only DEPLOYED workflows run.";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
