using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Follows every execution this instance started or adopted until it ends: polls the engine with backoff, writes
/// the heartbeat and renews the workflow lock, cancels at the deadline (→ TIMEOUT), records the outcome and releases
/// the lock. One lightweight async loop per run; nothing blocks a thread between polls.
/// </summary>
public sealed class ExecutionTracker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, TrackedRun> _runs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IServiceScopeFactory _scopes;
    private readonly IWorkflowEngine _engine;
    private readonly IDistributedLock _locks;
    private readonly ExecutionOptions _options;
    private readonly RuntimeIdentity _identity;
    private readonly TimeProvider _clock;
    private readonly ILogger<ExecutionTracker> _logger;
    private volatile bool _accepting = true;

    public ExecutionTracker(IServiceScopeFactory scopes, IWorkflowEngine engine, IDistributedLock locks,
        IOptions<ExecutionOptions> options, RuntimeIdentity identity, TimeProvider clock, ILogger<ExecutionTracker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _engine = engine;
        _locks = locks;
        _options = options.Value;
        _identity = identity;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>False once shutdown began: new triggers go to another replica.</summary>
    public bool IsAccepting => _accepting;

    public int RunningCount => _runs.Count;

    public bool IsTracking(Guid executionId) => _runs.ContainsKey(executionId);

    /// <summary>Starts following a run that has an engine execution id. A run already followed is ignored.</summary>
    /// <param name="unsavedChange">
    /// A change to the run that the caller could not write (the database refused or was busy): the tracker applies it
    /// to the stored run and writes it, retrying with back-off, before it follows the run. Applied only while the
    /// stored run is still <c>NEW</c>; someone else's later write wins.
    /// </param>
    public void Track(Execution execution, LockHandle? lockHandle, Action<Execution>? unsavedChange = null)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var run = new TrackedRun(execution.Id, lockHandle, _clock.GetUtcNow()) { UnsavedChange = unsavedChange };
        if (_runs.TryAdd(execution.Id, run))
        {
            // The loop outlives the request that started it: it must not carry the request's logging scope.
            using (ExecutionContext.SuppressFlow())
            {
                run.Loop = Task.Run(() => FollowAsync(run, _stopping.Token));
            }
        }
    }

    /// <summary>Waits until a run followed here ends, or the timeout passes. False if it is not followed here or still runs.</summary>
    public async Task<bool> WaitForEndAsync(Guid executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_runs.TryGetValue(executionId, out var run))
        {
            return false;
        }

        try
        {
            await run.Ended.Task.WaitAsync(timeout, _clock, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Shutdown: stop taking triggers, keep following the running executions for up to <paramref name="timeout"/>,
    /// then stop following the rest (their locks are released; the sweeper of a live instance takes them over).
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        _accepting = false;
        var loops = _runs.Values.Select(r => r.Loop).OfType<Task>().ToArray();
        try
        {
            // The host's own shutdown deadline (the token) wins over the drain time.
            await Task.WhenAll(loops).WaitAsync(timeout, _clock, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            ExecutionLog.Drained(_logger, _runs.Count);
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_runs.Values.Select(r => r.Loop).OfType<Task>());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    private async Task FollowAsync(TrackedRun run, CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(_options.PollInitialMs);
        var maxDelay = TimeSpan.FromMilliseconds(_options.PollMaxMs);
        try
        {
            while (!await PollSafelyAsync(run, stopping))
            {
                await Task.Delay(delay, _clock, stopping);
                delay = delay * 2 > maxDelay ? maxDelay : delay * 2;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown after the drain: the run stays RUNNING for the sweeper of a live instance.
        }
        finally
        {
            await _locks.ReleaseQuietlyAsync(run.Lock, _logger);
            _runs.TryRemove(run.ExecutionId, out _);
            run.Ended.TrySetResult();
        }
    }

    /// <summary>
    /// A poll that cannot end the loop by surprise: whatever fails is logged and the run is looked at again after the
    /// back-off, so a run is never left RUNNING untracked by its own instance (which the sweeper would then "adopt").
    /// </summary>
    private async Task<bool> PollSafelyAsync(TrackedRun run, CancellationToken stopping)
    {
        try
        {
            return await PollOnceAsync(run, stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            ExecutionLog.TrackingError(_logger, run.ExecutionId, ex.Message, ex);
            return false;
        }
    }

    /// <summary>One look at the run; true when it has ended (here or elsewhere) and following it is over.</summary>
    private async Task<bool> PollOnceAsync(TrackedRun run, CancellationToken stopping)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var executions = scope.ServiceProvider.GetRequiredService<IExecutionRepository>();
            var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
            var execution = await executions.FindAsync(run.ExecutionId, stopping);
            if (execution is not null && run.UnsavedChange is { } change)
            {
                if (await WriteUnsavedChangeAsync(execution, change, unitOfWork, stopping))
                {
                    return true;
                }

                run.UnsavedChange = null;
            }

            if (execution is null || execution.Status.IsTerminal() || execution.EngineExecutionId is null)
            {
                return true;
            }

            var now = _clock.GetUtcNow();
            if (execution.IsPastDeadline(now) && await TimeOutAsync(execution, now))
            {
                return await FinishAsync(execution, unitOfWork, stopping);
            }

            var state = await ReadEngineStateAsync(execution, stopping);
            if (state is not null && EngineOutcomes.ApplyTerminal(execution, state, now))
            {
                return await FinishAsync(execution, unitOfWork, stopping);
            }

            if (now - run.LastHeartbeat >= _options.HeartbeatInterval)
            {
                execution.Heartbeat(_identity.InstanceId, now);
                await unitOfWork.SaveChangesAsync(stopping);
                run.LastHeartbeat = now;
                await ExtendLockAsync(run.Lock, stopping);
            }

            return false;
        }
        catch (ConcurrencyConflictException)
        {
            // Someone else (a cancel, a sweeper) changed the run; the next look reads what they wrote.
            return false;
        }
        catch (PersistenceUnavailableException ex)
        {
            ExecutionLog.TrackingFailed(_logger, run.ExecutionId, ex.Message);
            return false;
        }
    }

    private async Task<EngineExecutionState?> ReadEngineStateAsync(Execution execution, CancellationToken stopping)
    {
        try
        {
            return await _engine.GetStatusAsync(execution.EngineExecutionId!, stopping);
        }
        catch (EngineUnavailableException ex)
        {
            ExecutionLog.EngineUnavailable(_logger, execution.Id, execution.WorkflowId, ex.Message);
            return null;
        }
        catch (EngineRejectedException ex)
        {
            // The engine no longer knows the run: nothing will ever finish it.
            return new EngineExecutionState(EngineStatus.Error, null, $"engine lost the run: {ex.Message}");
        }
    }

    /// <summary>
    /// Writes the change its starter could not; true when that ended the run (it was the run's last write). A run that
    /// is no longer NEW was written by someone else meanwhile, whose write wins.
    /// </summary>
    private async Task<bool> WriteUnsavedChangeAsync(Execution execution, Action<Execution> change, IUnitOfWork unitOfWork,
        CancellationToken stopping)
    {
        if (execution.Status != ExecutionStatus.New)
        {
            return false;
        }

        change(execution);
        await unitOfWork.SaveChangesAsync(stopping);
        ExecutionLog.WriteRecovered(_logger, execution);
        if (!execution.Status.IsTerminal())
        {
            return false;
        }

        ExecutionLog.Finished(_logger, execution);
        return true;
    }

    /// <summary>
    /// The deadline passed: cancel in the engine and record what really happened. True when the run is now terminal;
    /// false when the cancel could not be delivered: the run stays RUNNING (it still holds its slot, since the engine
    /// may still be running it) and the cancel is sent again on the next poll.
    /// </summary>
    private async Task<bool> TimeOutAsync(Execution execution, DateTimeOffset now)
    {
        EngineCancelResult cancel;
        try
        {
            cancel = await _engine.CancelAsync(execution.EngineExecutionId!, "deadline exceeded", CancellationToken.None);
        }
        catch (EngineRejectedException ex)
        {
            // A refusal that retrying will not change: record the deadline, as for a run the engine does not know.
            ExecutionLog.EngineUnavailable(_logger, execution.Id, execution.WorkflowId, ex.Message);
            cancel = EngineCancelResult.UnknownRun(ex.Message);
        }

        switch (cancel.Outcome)
        {
            case EngineCancelOutcome.AlreadyFinished when cancel.FinalState is { } final && EngineOutcomes.ApplyTerminal(execution, final, now):
                // It ended in the engine before the cancel arrived: that end is the truth, not TIMEOUT.
                return true;
            case EngineCancelOutcome.Unreachable:
                ExecutionLog.TimeoutCancelUndelivered(_logger, execution.Id, execution.WorkflowId, cancel.Message ?? "no answer");
                return false;
            default:
                // Canceled, or the engine has no such run (nothing is running): either way the deadline ended it.
                execution.TimeOut(now);
                return true;
        }
    }

    private async Task<bool> FinishAsync(Execution execution, IUnitOfWork unitOfWork, CancellationToken stopping)
    {
        await unitOfWork.SaveChangesAsync(stopping);
        ExecutionLog.Finished(_logger, execution);
        return true;
    }

    private async Task ExtendLockAsync(LockHandle? handle, CancellationToken stopping)
    {
        if (handle is null)
        {
            return;
        }

        try
        {
            await _locks.ExtendLockAsync(handle, _options.LockTtl, stopping);
        }
        catch (LockUnavailableException ex)
        {
            ExecutionLog.LockStoreUnavailable(_logger, handle.WorkflowId, ex.Message);
        }
    }

    private sealed class TrackedRun(Guid executionId, LockHandle? lockHandle, DateTimeOffset startedAt)
    {
        public Guid ExecutionId { get; } = executionId;

        public LockHandle? Lock { get; } = lockHandle;

        public DateTimeOffset LastHeartbeat { get; set; } = startedAt;

        public Task? Loop { get; set; }

        /// <summary>A write its starter could not make; cleared once written (or overtaken by someone else's).</summary>
        public Action<Execution>? UnsavedChange { get; set; }

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
