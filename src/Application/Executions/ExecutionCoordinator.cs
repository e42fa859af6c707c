using Ardalis.Result;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// The use cases that start executions, as a sequence of steps that each know one thing: the
/// <see cref="TriggerValidator"/> checks the request, <see cref="TriggerTargets"/> finds the deployment (cached),
/// <see cref="ExecutionAdmission"/> decides admitted / duplicate / skipped / buffered, and the <see cref="ExecutionLauncher"/>
/// hands an admitted run to the engine and the tracker; a buffered one starts now only if it heads the queue and the
/// slot is free (<see cref="PendingRunStarter"/>).
/// </summary>
public sealed class ExecutionCoordinator(
    TriggerValidator validator,
    TriggerTargets targets,
    ExecutionAdmission admission,
    ExecutionLauncher launcher,
    PendingRunStarter pendingRuns,
    ExecutionTracker tracker,
    IExecutionRepository executions,
    IOptions<ExecutionOptions> options,
    RuntimeIdentity identity,
    TimeProvider clock,
    ILogger<ExecutionCoordinator> logger,
    ITriggerFireRecorder? fires = null)
{
    public const string LockHeldReason = ExecutionAdmission.LockHeldReason;

    private readonly ExecutionOptions _options = options.Value;

    /// <summary>A webhook or manual trigger from the gateway.</summary>
    public Task<Result<TriggerOutcome>> TriggerAsync(TriggerCommand command, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(command);
            var violations = validator.Validate(command);
            if (violations.Count > 0)
            {
                return Failure.Invalid<TriggerOutcome>(violations);
            }

            AdmissionDeadline.ThrowIfTooLate(command.Deadline, clock.GetUtcNow(), _options.AdmissionDeadlineMargin, cancellationToken);
            if (!tracker.IsAccepting)
            {
                return Failure.Unavailable<TriggerOutcome>("this instance is shutting down; retry and another replica will take the trigger.");
            }

            var target = await targets.ResolveAsync(command, cancellationToken);
            if (!target.IsSuccess)
            {
                return target.Map(_ => default(TriggerOutcome)!);
            }

            var mode = command.Mode ?? (string.IsNullOrWhiteSpace(command.WebhookPath) ? ExecutionMode.Manual : ExecutionMode.Webhook);
            var request = new ExecutionRequest(
                string.IsNullOrWhiteSpace(command.TriggerData) ? "{}" : command.TriggerData,
                target.Value.TriggerId,
                Blank(command.TriggeredBy),
                Blank(command.IdempotencyKey),
                InstanceId: identity.InstanceId);
            var started = await StartAsync(target.Value, mode, request, command.Metadata, command.Deadline, cancellationToken);
            if (!started.IsSuccess || !command.WaitForCompletion || started.Value.Execution.Status.IsTerminal())
            {
                return started;
            }

            var wait = TimeSpan.FromSeconds(Math.Min(
                command.WaitTimeoutSeconds == 0 ? _options.DefaultWaitTimeoutSeconds : command.WaitTimeoutSeconds,
                _options.MaxWaitTimeoutSeconds));
            var outcome = started.Value;
            await tracker.WaitForEndAsync(outcome.Execution.Id, wait, cancellationToken);
            var latest = await executions.ReadAsync(outcome.Execution.Id, cancellationToken);
            return Result.Success(outcome with { Execution = latest ?? outcome.Execution });
        });

    /// <summary>A cron fire for occurrence <paramref name="scheduledFor"/>: a repeat of the same occurrence finds the first run.</summary>
    public Task<Result<TriggerOutcome>> FireScheduledAsync(Guid workflowId, Guid triggerId, DateTimeOffset scheduledFor,
        CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var target = await targets.ForScheduledAsync(workflowId, triggerId, cancellationToken);
            if (!target.IsSuccess)
            {
                return target.Map(_ => default(TriggerOutcome)!);
            }

            var request = new ExecutionRequest("{}", triggerId, "scheduler", ScheduledFor: scheduledFor, InstanceId: identity.InstanceId);
            var metadata = new Dictionary<string, string> { ["scheduled_for"] = scheduledFor.ToString("O") };
            return await StartAsync(target.Value, ExecutionMode.Scheduled, request, metadata, deadline: null, cancellationToken);
        });

    /// <summary>
    /// Records cron occurrences that were missed (later than the catch-up window). Idempotent: the occurrence index
    /// keeps an occurrence already recorded or run as it is, so every node of a cluster may report the same miss.
    /// </summary>
    public async Task<int> RecordMissedAsync(Guid workflowId, Guid triggerId, IReadOnlyCollection<DateTimeOffset> occurrences,
        string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        var recorded = 0;
        foreach (var occurrence in occurrences)
        {
            var missed = Execution.Missed(workflowId, triggerId, occurrence, reason, clock.GetUtcNow());
            try
            {
                await executions.InsertAsync(missed, cancellationToken);
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

    /// <summary>
    /// Admits and launches. The deployment may come from the cache; when the database refuses the run because the
    /// deployment changed meanwhile (ADR 0024), it is read again and the trigger decided on what is stored now.
    /// </summary>
    private async Task<Result<TriggerOutcome>> StartAsync(TriggerTarget target, ExecutionMode mode, ExecutionRequest request,
        IReadOnlyDictionary<string, string> metadata, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var started = await ExecutionMetrics.AdmitAsync(mode, target.Deployment.Id, async () =>
        {
            Admission admitted;
            try
            {
                admitted = await admission.AdmitAsync(target.Deployment, mode, request, deadline, cancellationToken);
            }
            catch (StaleDeploymentException)
            {
                var fresh = await targets.RefreshAsync(target, cancellationToken);
                if (!fresh.IsSuccess)
                {
                    return fresh.Map(_ => default(TriggerOutcome)!);
                }

                target = fresh.Value;
                try
                {
                    admitted = await admission.AdmitAsync(target.Deployment, mode, request with { TriggerId = target.TriggerId },
                        deadline, cancellationToken);
                }
                catch (StaleDeploymentException)
                {
                    // Read just now and changed again meanwhile: nothing ran, and a retry decides on what is stored then.
                    return Failure.VersionConflict<TriggerOutcome>(
                        $"workflow {target.Deployment.Id} changed twice while the trigger was being admitted; nothing ran. Retry the trigger.");
                }
            }

            return Result.Success(admitted.Verdict switch
            {
                AdmissionVerdict.Admitted => new TriggerOutcome(
                    await launcher.LaunchAsync(target.Deployment, admitted.Execution, admitted.Lock, metadata), Deduplicated: false),
                AdmissionVerdict.Duplicate => new TriggerOutcome(admitted.Execution, Deduplicated: true),
                AdmissionVerdict.Buffered => new TriggerOutcome(await StartQueueHeadAsync(admitted.Execution, target.Deployment.Config.OverlapPolicy, cancellationToken), Deduplicated: false),
                _ => new TriggerOutcome(admitted.Execution, Deduplicated: false),
            });
        });
        if (started.IsSuccess)
        {
            fires.RecordFire(target.Deployment, target.TriggerId, started.Value);
        }

        return started;
    }

    /// <summary>
    /// The slot may be free: whoever heads the queue (this run, or an older one) starts now. Answers this run as it is
    /// then: launched, or still PENDING.
    /// </summary>
    private async Task<Execution> StartQueueHeadAsync(Execution pending, OverlapPolicy policy, CancellationToken cancellationToken)
    {
        var started = await pendingRuns.PromoteAsync(pending.WorkflowId, cancellationToken);
        if (started?.Id == pending.Id)
        {
            return started;
        }

        // Another trigger's admission (on any replica) may have started this run meanwhile: answer what is stored.
        var stored = await executions.ReadAsync(pending.Id, cancellationToken) ?? pending;
        if (stored.Status != ExecutionStatus.Pending)
        {
            return stored;
        }

        var positions = await executions.PendingPositionsAsync([pending], cancellationToken);
        var position = positions.GetValueOrDefault(pending.Id);
        var policyName = policy.ContractName();
        ExecutionLog.Buffered(logger, pending.Id, pending.WorkflowId, position, policyName);
        return stored;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
