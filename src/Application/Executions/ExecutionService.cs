using Ardalis.Result;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Application.Executions;

/// <summary>Reads executions, cancels them, and pages through their history.</summary>
public sealed class ExecutionService(
    IExecutionRepository executions,
    IWorkflowEngine engine,
    IDistributedLock locks,
    ExecutionStateWriter writer,
    IOptions<ExecutionOptions> options,
    TimeProvider clock)
{
    private const string HistoryList = "e1";
    private readonly ExecutionOptions _options = options.Value;

    public Task<Result<Execution>> GetAsync(string? executionId, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            if (!Guid.TryParse(executionId, out var id))
            {
                return Failure.Invalid<Execution>("execution_id", $"execution_id '{InputText.Quote(executionId)}' is not a UUID.");
            }

            var execution = await executions.ReadAsync(id, cancellationToken);
            return execution is null ? Failure.NotFound<Execution>($"execution {id} does not exist.") : Result.Success(execution);
        });

    /// <summary>
    /// Cancels in the engine first, then records what really happened (ADR 0023): <c>CANCELED</c> when the engine
    /// stopped the run (or had no such run, so nothing runs); the run's real end and result when it had already
    /// finished in the engine (<see cref="CancelOutcome.Canceled"/> false). If the engine cannot be reached nothing
    /// changes (<c>UNAVAILABLE</c>): a run recorded as canceled must not keep running. A run still <c>NEW</c> is being
    /// handed to the engine, which has no id for it yet: nothing changes either, and the caller retries shortly.
    /// </summary>
    public Task<Result<CancelOutcome>> CancelAsync(string? executionId, string? reason, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            if (!Guid.TryParse(executionId, out var id))
            {
                return Failure.Invalid<CancelOutcome>("execution_id", $"execution_id '{InputText.Quote(executionId)}' is not a UUID.");
            }

            var execution = await executions.ReadAsync(id, cancellationToken);
            if (execution is null)
            {
                return Failure.NotFound<CancelOutcome>($"execution {id} does not exist.");
            }

            if (execution.Status.IsTerminal())
            {
                return Failure.FailedPrecondition<CancelOutcome>($"execution {id} already ended {execution.Status.ToString().ToUpperInvariant()}.");
            }

            var why = string.IsNullOrWhiteSpace(reason) ? "canceled by request" : reason.Trim();
            if (execution.Status == ExecutionStatus.Pending)
            {
                return await CancelPendingAsync(execution, why, cancellationToken);
            }

            if (execution.EngineExecutionId is not { } engineId)
            {
                return Failure.Unavailable<CancelOutcome>(
                    $"execution {id} is still being handed to the engine (NEW), so it cannot be canceled yet; nothing changed. Retry in a few seconds.");
            }

            var cancel = await engine.CancelAsync(engineId, why, cancellationToken);
            var end = EndFor(execution, cancel, why, clock.GetUtcNow());
            if (!end.IsSuccess)
            {
                return end.Map(_ => default(CancelOutcome)!);
            }

            var lockHandle = execution.LockToken is { } token ? locks.RestoreHandle(execution.WorkflowId.ToString(), token) : null;
            try
            {
                await writer.CloseAsync(execution, end.Value.Apply, lockHandle, cancellationToken);
            }
            catch (ConcurrencyConflictException)
            {
                // The run's tracker saw the engine's end first (the cancel we just sent, or the run finishing) and
                // recorded it: that record is the answer. The tracker released the lock with it.
                return await RecordedMeanwhileAsync(id, cancellationToken);
            }

            return Result.Success(new CancelOutcome(execution, end.Value.Canceled));
        });

    /// <summary>
    /// The place in its workflow's queue of each PENDING run among <paramref name="runs"/> (1 = starts next); empty
    /// (and no query) when none is pending.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, int>> QueuePositionsAsync(IReadOnlyCollection<Execution> runs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.Any(e => e.Status == ExecutionStatus.Pending)
            ? await executions.PendingPositionsAsync(runs, cancellationToken)
            : new Dictionary<Guid, int>();
    }

    /// <summary>A pending run is in no engine yet: it is only taken out of the queue.</summary>
    private async Task<Result<CancelOutcome>> CancelPendingAsync(Execution execution, string why, CancellationToken cancellationToken)
    {
        try
        {
            await writer.CloseAsync(execution, e => e.Cancel(why, clock.GetUtcNow()), lockHandle: null, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Promoted (or canceled) meanwhile: a promoted run is NEW now, and the caller retries once it is RUNNING.
            return await RecordedMeanwhileAsync(execution.Id, cancellationToken);
        }

        return Result.Success(new CancelOutcome(execution, Canceled: true));
    }

    private async Task<Result<CancelOutcome>> RecordedMeanwhileAsync(Guid id, CancellationToken cancellationToken)
    {
        var stored = await executions.ReadAsync(id, cancellationToken);
        if (stored is null || !stored.Status.IsTerminal())
        {
            return Failure.VersionConflict<CancelOutcome>(
                $"execution {id} was changed by another writer while it was being canceled and is still {stored?.Status.ToString().ToUpperInvariant() ?? "unknown"}; read it again and retry.");
        }

        return Result.Success(new CancelOutcome(stored, Canceled: stored.Status == ExecutionStatus.Canceled));
    }

    /// <summary>How the run ends after the engine's answer to the cancel, and whether the cancel is what ended it.</summary>
    private sealed record CancelEnd(Action<Execution> Apply, bool Canceled);

    private static Result<CancelEnd> EndFor(Execution execution, EngineCancelResult cancel, string why, DateTimeOffset now)
    {
        switch (cancel.Outcome)
        {
            case EngineCancelOutcome.Canceled:
                return Result.Success(new CancelEnd(e => e.Cancel(why, now), Canceled: true));
            case EngineCancelOutcome.UnknownRun:
                // Nothing runs in the engine under this id, so the run is over; say why it has no engine outcome.
                return Result.Success(new CancelEnd(e => e.Cancel($"{why} (the engine had no record of the run)", now), Canceled: true));
            case EngineCancelOutcome.AlreadyFinished when cancel.FinalState is { } final && Execution.EndsTheRun(final.Status):
                return Result.Success(new CancelEnd(e => e.RecordEngineOutcome(final, now), Canceled: false));
            case EngineCancelOutcome.AlreadyFinished:
                return Failure.FailedPrecondition<CancelEnd>(
                    $"the engine did not cancel execution {execution.Id} and reports it {cancel.FinalState?.Status.ToString().ToUpperInvariant() ?? "in an unknown state"}; nothing changed.");
            default:
                return Failure.Unavailable<CancelEnd>(
                    $"the engine could not be reached to cancel the run; nothing changed: {cancel.Message}");
        }
    }

    public Task<Result<ExecutionHistoryView>> HistoryAsync(ExecutionHistoryRequest request, CancellationToken cancellationToken = default) =>
        UseCaseGuard.RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Guid? workflowId = null;
            if (!string.IsNullOrWhiteSpace(request.WorkflowId))
            {
                if (!Guid.TryParse(request.WorkflowId, out var parsed))
                {
                    return Failure.Invalid<ExecutionHistoryView>("workflow_id", $"workflow_id '{InputText.Quote(request.WorkflowId)}' is not a UUID.");
                }

                workflowId = parsed;
            }

            var invalid = ValidateFilters(request);
            if (invalid is not null)
            {
                return invalid;
            }

            ExecutionCursor? before = null;
            if (!string.IsNullOrEmpty(request.PageToken))
            {
                if (!KeysetToken.TryDecode(HistoryList, request.PageToken, out var createdAt, out var id))
                {
                    return Failure.Invalid<ExecutionHistoryView>("page_token", "page_token is not one this service issued; pass the next_page_token of a previous page.");
                }

                before = new ExecutionCursor(createdAt, id);
            }

            var pageSize = request.PageSize == 0 ? _options.DefaultPageSize : Math.Min(request.PageSize, _options.MaxPageSize);
            var page = await executions.ListHistoryAsync(new ExecutionHistoryQuery(
                workflowId,
                string.IsNullOrWhiteSpace(request.UserId) ? null : request.UserId.Trim(),
                request.Statuses,
                request.Modes,
                request.From,
                request.To,
                pageSize,
                before), cancellationToken);

            var next = page.HasMore && page.Items.Count > 0
                ? KeysetToken.Encode(HistoryList, page.Items[^1].CreatedAt, page.Items[^1].Id)
                : null;
            return Result.Success(new ExecutionHistoryView(page.Items, next, await QueuePositionsAsync(page.Items, cancellationToken)));
        });

    private static Result<ExecutionHistoryView>? ValidateFilters(ExecutionHistoryRequest request)
    {
        if (request.PageSize < 0)
        {
            return Failure.Invalid<ExecutionHistoryView>("page_size", "page_size must not be negative (0 means the default).");
        }

        if (request.Statuses.Any(s => !Enum.IsDefined(s)))
        {
            return Failure.Invalid<ExecutionHistoryView>("statuses", "statuses holds a value that is not an ExecutionStatus.");
        }

        if (request.Modes.Any(m => !Enum.IsDefined(m)))
        {
            return Failure.Invalid<ExecutionHistoryView>("modes", "modes holds a value that is not an ExecutionMode.");
        }

        return request.From is { } from && request.To is { } to && from >= to
            ? Failure.Invalid<ExecutionHistoryView>("to", "to must be later than from.")
            : null;
    }
}
