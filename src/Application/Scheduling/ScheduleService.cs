using Ardalis.Result;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Scheduling;

/// <param name="TriggerId">Empty: the workflow's only active cron trigger.</param>
/// <param name="Policy">Null: ALLOW_ALL (every occurrence of the range runs).</param>
public sealed record BackfillCommand(string? WorkflowId, string? TriggerId, DateTimeOffset? From, DateTimeOffset? To, OverlapPolicy? Policy);

/// <summary>One coming fire of a cron trigger: its occurrence, and when the scheduler fires it (occurrence + jitter).</summary>
public sealed record UpcomingFire(Guid TriggerId, DateTimeOffset ScheduledFor, DateTimeOffset FireTime, DateTimeOffset LocalFireTime, string TimeZoneId);

/// <summary>
/// Steering a workflow's schedule: backfill the occurrences of a past range, and preview the coming fires. Both walk
/// the cron expression with the scheduler's own arithmetic (<see cref="WorkflowTrigger.NextFireAfter"/>: the next
/// occurrence in the trigger's zone, DST included, plus the trigger's jitter), so a preview shows what will fire.
/// </summary>
public sealed class ScheduleService(
    IDeploymentRepository deployments,
    TriggerTargets targets,
    ExecutionCoordinator coordinator,
    TimeProvider clock,
    ILogger<ScheduleService> logger)
{
    /// <summary>The most occurrences one backfill runs (a larger range is refused: split it).</summary>
    public const int MaxBackfillOccurrences = 1000;
    public const int MaxUpcomingFires = 100;
    public const int DefaultUpcomingFires = 10;

    public Task<Result<BackfillCounts>> BackfillAsync(BackfillCommand command, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(command);
            var invalid = ValidateBackfill(command, clock.GetUtcNow(), out var workflowId, out var triggerId);
            if (invalid.Count > 0)
            {
                return Failure.Invalid<BackfillCounts>(invalid);
            }

            var deployment = await deployments.ReadAsync(workflowId, cancellationToken);
            if (deployment is null)
            {
                return Failure.NotFound<BackfillCounts>($"workflow {workflowId} has no deployment.");
            }

            if (!deployment.AcceptsExecutions)
            {
                return Failure.FailedPrecondition<BackfillCounts>(TriggerTargets.NotDeployed(deployment));
            }

            var trigger = CronTriggerOf(deployment, triggerId);
            if (!trigger.IsSuccess)
            {
                return trigger.Map(_ => default(BackfillCounts)!);
            }

            var (from, to) = (command.From!.Value, command.To!.Value);
            var occurrences = Occurrences((CronTriggerSpec)trigger.Value.Spec, from, to);
            if (occurrences.Count > MaxBackfillOccurrences)
            {
                return Failure.Invalid<BackfillCounts>("to",
                    $"the range holds more than {MaxBackfillOccurrences} occurrences of the trigger; backfill it in smaller ranges.");
            }

            var target = await targets.ForScheduledAsync(workflowId, trigger.Value.Id, cancellationToken);
            if (!target.IsSuccess)
            {
                return target.Map(_ => default(BackfillCounts)!);
            }

            var triggerOf = trigger.Value.Id;
            var count = occurrences.Count;
            ExecutionLog.BackfillStarted(logger, workflowId, triggerOf, from, to, count);
            var counts = await coordinator.BackfillAsync(target.Value, occurrences, command.Policy ?? OverlapPolicy.AllowAll, cancellationToken);
            if (counts.IsSuccess)
            {
                var done = counts.Value;
                ExecutionLog.BackfillFinished(logger, workflowId, triggerOf, done.Started, done.AlreadyPresent, done.Skipped);
            }

            return counts;
        });

    public Task<Result<IReadOnlyList<UpcomingFire>>> ListUpcomingFiresAsync(string? workflowId, int count,
        CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync<IReadOnlyList<UpcomingFire>>(async () =>
        {
            if (!Guid.TryParse(workflowId, out var id))
            {
                return Failure.Invalid<IReadOnlyList<UpcomingFire>>("workflow_id", $"workflow_id '{InputText.Quote(workflowId)}' is not a UUID.");
            }

            if (count is < 0 or > MaxUpcomingFires)
            {
                return Failure.Invalid<IReadOnlyList<UpcomingFire>>("count",
                    $"count must be between 0 (default {DefaultUpcomingFires}) and {MaxUpcomingFires}; got {count}.");
            }

            var deployment = await deployments.ReadAsync(id, cancellationToken);
            if (deployment is null)
            {
                return Failure.NotFound<IReadOnlyList<UpcomingFire>>($"workflow {id} has no deployment.");
            }

            // Only a DEPLOYED workflow's triggers are scheduled: a paused or archived one fires nothing.
            var wanted = count == 0 ? DefaultUpcomingFires : count;
            var now = clock.GetUtcNow();
            IReadOnlyList<UpcomingFire> fires = deployment.Status != DeploymentStatus.Deployed
                ? []
                : [.. deployment.ActiveTriggers.SelectMany(t => FiresOf(t, now, wanted)).OrderBy(f => f.FireTime).ThenBy(f => f.TriggerId).Take(wanted)];
            return Result.Success(fires);
        });

    /// <summary>Occurrences at or after <paramref name="from"/> and before <paramref name="to"/>; stops one past the limit.</summary>
    public static IReadOnlyList<DateTimeOffset> Occurrences(CronTriggerSpec cron, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var occurrences = new List<DateTimeOffset>();
        for (var next = cron.NextOccurrenceAfter(from.AddTicks(-1)); next is { } at && at < to && occurrences.Count <= MaxBackfillOccurrences;
             next = cron.NextOccurrenceAfter(at))
        {
            occurrences.Add(at);
        }

        return occurrences;
    }

    private static IEnumerable<UpcomingFire> FiresOf(WorkflowTrigger trigger, DateTimeOffset now, int count)
    {
        if (trigger.Spec is not CronTriggerSpec cron)
        {
            yield break;
        }

        var jitter = TimeSpan.FromSeconds(trigger.JitterSeconds);
        var after = now;
        for (var i = 0; i < count && trigger.NextFireAfter(after) is { } fire; i++, after = fire)
        {
            yield return new UpcomingFire(trigger.Id, fire - jitter, fire, cron.ToZoneTime(fire), cron.TimeZoneId);
        }
    }

    private static Result<WorkflowTrigger> CronTriggerOf(Deployment deployment, Guid? triggerId)
    {
        var crons = deployment.ActiveTriggers.Where(t => t.Spec is CronTriggerSpec).ToList();
        if (triggerId is { } id)
        {
            return crons.FirstOrDefault(t => t.Id == id) is { } named
                ? Result.Success(named)
                : Failure.Invalid<WorkflowTrigger>("trigger_id", $"trigger {id} is not an active cron trigger of workflow {deployment.Id}.");
        }

        return crons.Count switch
        {
            1 => Result.Success(crons[0]),
            0 => Failure.Invalid<WorkflowTrigger>("workflow_id", $"workflow {deployment.Id} has no active cron trigger to backfill."),
            _ => Failure.Invalid<WorkflowTrigger>("trigger_id", $"workflow {deployment.Id} has {crons.Count} cron triggers; name the one to backfill."),
        };
    }

    private static List<Ardalis.Result.ValidationError> ValidateBackfill(BackfillCommand command, DateTimeOffset now, out Guid workflowId,
        out Guid? triggerId)
    {
        var violations = new List<Ardalis.Result.ValidationError>();
        if (!Guid.TryParse(command.WorkflowId, out workflowId))
        {
            violations.Add(Failure.Violation("workflow_id", $"workflow_id '{InputText.Quote(command.WorkflowId)}' is not a UUID."));
        }

        triggerId = null;
        if (!string.IsNullOrWhiteSpace(command.TriggerId))
        {
            if (Guid.TryParse(command.TriggerId, out var parsed))
            {
                triggerId = parsed;
            }
            else
            {
                violations.Add(Failure.Violation("trigger_id", $"trigger_id '{InputText.Quote(command.TriggerId)}' is not a UUID."));
            }
        }

        if (command.From is null)
        {
            violations.Add(Failure.Violation("from", "from is required: the start of the range to backfill."));
        }

        if (command.To is null)
        {
            violations.Add(Failure.Violation("to", "to is required: the end of the range to backfill (exclusive)."));
        }
        else if (command.To > now)
        {
            violations.Add(Failure.Violation("to", $"to must not be in the future (now is {now:O}): only past occurrences are backfilled."));
        }

        if (command.From is { } from && command.To is { } to && from >= to)
        {
            violations.Add(Failure.Violation("to", "to must be later than from."));
        }

        if (command.Policy is { } policy && !Enum.IsDefined(policy))
        {
            violations.Add(Failure.Violation("overlap_policy", $"overlap_policy {(int)policy} is not a known policy."));
        }

        return violations;
    }
}
