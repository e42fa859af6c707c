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

    /// <summary>The <c>triggered_by</c> of a backfilled run, and the engine metadata key that marks it.</summary>
    public const string BackfillMarker = "backfill";

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
            var started = await StartAsync(target.Value, mode, request, command.Metadata, command.Deadline, policy: null, cancellationToken);
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

    /// <summary>
    /// A cron fire for occurrence <paramref name="scheduledFor"/>: a repeat of the same occurrence finds the first run.
    /// A fire <paramref name="lateness"/> past its jittered time beyond the deployment's own catch-up window (when it
    /// sets one narrower than the scheduler's) is recorded as missed instead of run, like the scheduler's misfires.
    /// </summary>
    public Task<Result<TriggerOutcome>> FireScheduledAsync(Guid workflowId, Guid triggerId, DateTimeOffset scheduledFor,
        TimeSpan lateness = default, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            var target = await targets.ForScheduledAsync(workflowId, triggerId, cancellationToken);
            if (!target.IsSuccess)
            {
                return target.Map(_ => default(TriggerOutcome)!);
            }

            var window = target.Value.Deployment.Config.CatchUpWindowSeconds;
            if (window > 0 && lateness > TimeSpan.FromSeconds(window))
            {
                var reason = $"missed: the fire came {(long)lateness.TotalSeconds} s late, past the workflow's catch-up window of {window} s";
                await RecordMissedAsync(workflowId, triggerId, [scheduledFor], reason, cancellationToken);
                var recorded = await executions.FindByOccurrenceAsync(workflowId, scheduledFor, cancellationToken);
                return recorded is null
                    ? Failure.VersionConflict<TriggerOutcome>($"the missed occurrence {scheduledFor:O} of workflow {workflowId} was not recorded; retry.")
                    : Result.Success(new TriggerOutcome(recorded, Deduplicated: false));
            }

            var request = new ExecutionRequest("{}", triggerId, "scheduler", ScheduledFor: scheduledFor, InstanceId: identity.InstanceId);
            var metadata = new Dictionary<string, string> { ["scheduled_for"] = scheduledFor.ToString("O") };
            return await StartAsync(target.Value, ExecutionMode.Scheduled, request, metadata, deadline: null, policy: null, cancellationToken);
        });

    /// <summary>
    /// Runs past cron occurrences of <paramref name="target"/>'s trigger, oldest first, each as the scheduler would
    /// have (mode SCHEDULED, its <c>scheduled_for</c>) under <paramref name="policy"/>, marked <c>backfill</c> in the
    /// engine's metadata and <c>triggered_by</c>. The occurrence index deduplicates against runs (and misses) already
    /// recorded, so a repeated backfill starts nothing twice.
    /// </summary>
    public async Task<Result<BackfillCounts>> BackfillAsync(TriggerTarget target, IReadOnlyList<DateTimeOffset> occurrences,
        OverlapPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(occurrences);
        var counts = new BackfillCounts(occurrences.Count, 0, 0, 0);
        foreach (var occurrence in occurrences)
        {
            var request = new ExecutionRequest("{}", target.TriggerId, BackfillMarker, ScheduledFor: occurrence, InstanceId: identity.InstanceId);
            var metadata = new Dictionary<string, string> { ["scheduled_for"] = occurrence.ToString("O"), [BackfillMarker] = "true" };
            var started = await UseCaseGuard.RunAsync(() =>
                StartAsync(target, ExecutionMode.Scheduled, request, metadata, deadline: null, policy, cancellationToken));
            if (started.IsSuccess && started.Value is { Deduplicated: true, Execution.Status: ExecutionStatus.Skipped }
                && await executions.DeleteSkippedOccurrenceAsync(target.Deployment.Id, occurrence, cancellationToken) > 0)
            {
                // The occurrence never ran (a miss, or skipped by the overlap policy): that is what a backfill is for.
                started = await UseCaseGuard.RunAsync(() =>
                    StartAsync(target, ExecutionMode.Scheduled, request, metadata, deadline: null, policy, cancellationToken));
            }

            if (!started.IsSuccess)
            {
                return started.Map(_ => counts);
            }

            counts = started.Value switch
            {
                { Deduplicated: true } => counts with { AlreadyPresent = counts.AlreadyPresent + 1 },
                { Execution.Status: ExecutionStatus.Skipped } => counts with { Skipped = counts.Skipped + 1 },
                _ => counts with { Started = counts.Started + 1 },
            };
        }

        return Result.Success(counts);
    }

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
        IReadOnlyDictionary<string, string> metadata, DateTimeOffset? deadline, OverlapPolicy? policy, CancellationToken cancellationToken)
    {
        var started = await ExecutionMetrics.AdmitAsync(mode, target.Deployment.Id, async () =>
        {
            Admission admitted;
            try
            {
                admitted = await admission.AdmitAsync(target.Deployment, mode, request, deadline, policy, cancellationToken);
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
                        deadline, policy, cancellationToken);
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
                AdmissionVerdict.Buffered => new TriggerOutcome(
                    await StartQueueHeadAsync(admitted.Execution, policy ?? target.Deployment.Config.OverlapPolicy, cancellationToken), Deduplicated: false),
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
