using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Follows every execution this instance started or adopted until it ends: polls the engine with back-off, cancels
/// at the deadline (→ TIMEOUT) and closes the run through the <see cref="ExecutionStateWriter"/>. The run is kept in
/// memory as it was last written, so a poll that finds nothing changed costs the database nothing; the row is read
/// again only after a write failed or raced. Liveness is one batch per instance (<see cref="HeartbeatAsync"/>): one
/// UPDATE for the heartbeats of all followed runs and one Redis exchange for their lock leases.
/// </summary>
public sealed class ExecutionTracker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, TrackedRun> _runs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IServiceScopeFactory _scopes;
    private readonly IWorkflowEngine _engine;
    private readonly IDistributedLock _locks;
    private readonly ExecutionStateWriter _writer;
    private readonly ExecutionOptions _options;
    private readonly RuntimeIdentity _identity;
    private readonly TimeProvider _clock;
    private readonly ILogger<ExecutionTracker> _logger;
    private volatile bool _accepting = true;

    public ExecutionTracker(IServiceScopeFactory scopes, IWorkflowEngine engine, IDistributedLock locks, ExecutionStateWriter writer,
        IOptions<ExecutionOptions> options, RuntimeIdentity identity, TimeProvider clock, ILogger<ExecutionTracker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _engine = engine;
        _locks = locks;
        _writer = writer;
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
    /// <param name="execution">The run as its caller last wrote it; the tracker owns this copy from now on.</param>
    /// <param name="unsavedChange">
    /// A change to the run that the caller could not write (the database refused or was busy): the tracker applies it
    /// to the stored run and writes it, retrying with back-off, before it follows the run. Applied only while the
    /// stored run is still <c>NEW</c>; someone else's later write wins.
    /// </param>
    public void Track(Execution execution, LockHandle? lockHandle, Action<Execution>? unsavedChange = null)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var run = new TrackedRun(execution, lockHandle) { UnsavedChange = unsavedChange, NeedsRead = unsavedChange is not null };
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
    /// One liveness beat for every run followed here: their <c>heartbeat_at</c> in one UPDATE, their lock leases in
    /// one exchange with the lock store. A failure is logged with what happens next and never stops the runs.
    /// </summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var runs = _runs.Values.ToArray();
        if (runs.Length == 0)
        {
            return;
        }

        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().TouchHeartbeatsAsync(
                [.. runs.Select(r => r.ExecutionId)], _identity.InstanceId, _clock.GetUtcNow(), cancellationToken);
        }
        catch (PersistenceUnavailableException ex)
        {
            ExecutionLog.HeartbeatFailed(_logger, runs.Length, ex.Message);
        }

        LockHandle[] leases = [.. runs.Select(r => r.Lock).OfType<LockHandle>()];
        if (leases.Length == 0)
        {
            return;
        }

        try
        {
            await _locks.ExtendLocksAsync(leases, _options.LockTtl, cancellationToken);
        }
        catch (LockUnavailableException ex)
        {
            // The database fence holds the slot meanwhile; the lease is renewed at the next beat.
            ExecutionLog.LockStoreUnavailable(_logger, $"{leases.Length} workflows", ex.Message);
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
            // A write to recover goes first; a run just handed over cannot have ended yet.
            if (run.UnsavedChange is null && _options.FirstPollDelayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.FirstPollDelayMs), _clock, stopping);
            }

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
            if (!run.LockSettled)
            {
                await _locks.ReleaseQuietlyAsync(run.Lock, _logger);
            }

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
        catch (ConcurrencyConflictException)
        {
            // Someone else (a cancel, a sweeper) changed the run; the next look reads what they wrote.
            run.NeedsRead = true;
            return false;
        }
        catch (PersistenceUnavailableException ex)
        {
            ExecutionLog.TrackingFailed(_logger, run.ExecutionId, ex.Message);
            run.NeedsRead = true;
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            ExecutionLog.TrackingError(_logger, run.ExecutionId, ex.Message, ex);
            run.NeedsRead = true;
            return false;
        }
    }

    /// <summary>One look at the run; true when it has ended (here or elsewhere) and following it is over.</summary>
    private async Task<bool> PollOnceAsync(TrackedRun run, CancellationToken stopping)
    {
        if (run.NeedsRead && await ReadAgainAsync(run, stopping))
        {
            return true;
        }

        var execution = run.Execution;
        if (execution.Status.IsTerminal() || execution.EngineExecutionId is null)
        {
            // Ended elsewhere (or never handed to the engine): the lock is released on the way out, whoever else
            // may have released it already (a release with a token that no longer holds the key changes nothing).
            return true;
        }

        var now = _clock.GetUtcNow();
        if (execution.IsPastDeadline(now) && await TimeOutAsync(execution, now) is { } timedOut)
        {
            return await CloseAsync(run, timedOut, stopping);
        }

        var state = await ReadEngineStateAsync(execution, stopping);
        return state is not null && Execution.EndsTheRun(state.Status)
            && await CloseAsync(run, e => e.RecordEngineOutcome(state, now), stopping);
    }

    /// <summary>
    /// Replaces the copy in memory with the stored run (after a failed or raced write), writing first the change its
    /// starter could not. True when the run is over: gone, ended by someone else, or ended by that change.
    /// </summary>
    private async Task<bool> ReadAgainAsync(TrackedRun run, CancellationToken stopping)
    {
        Execution? stored;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            stored = await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().ReadAsync(run.ExecutionId, stopping);
        }

        if (stored is null)
        {
            return true;
        }

        run.Execution = stored;
        run.NeedsRead = false;
        if (run.UnsavedChange is not { } change)
        {
            return false;
        }

        run.UnsavedChange = null;
        if (stored.Status != ExecutionStatus.New)
        {
            // Someone else wrote the run meanwhile: their write wins.
            return false;
        }

        try
        {
            var ended = await _writer.RecordAsync(stored, change, run.Lock, stopping);
            run.LockSettled = ended;
            ExecutionLog.WriteRecovered(_logger, stored);
            return ended;
        }
        catch
        {
            // Not written: keep it for the next look, from a fresh read.
            run.UnsavedChange = change;
            run.NeedsRead = true;
            throw;
        }
    }

    private async Task<bool> CloseAsync(TrackedRun run, Action<Execution> end, CancellationToken stopping)
    {
        await _writer.CloseAsync(run.Execution, end, run.Lock, stopping);
        run.LockSettled = true;
        return true;
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
    /// The deadline passed: cancel in the engine and say how the run ended; null when the cancel could not be
    /// delivered: the run stays RUNNING (it still holds its slot, since the engine may still be running it) and the
    /// cancel is sent again on the next poll.
    /// </summary>
    private async Task<Action<Execution>?> TimeOutAsync(Execution execution, DateTimeOffset now)
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
            case EngineCancelOutcome.AlreadyFinished when cancel.FinalState is { } final && Execution.EndsTheRun(final.Status):
                // It ended in the engine before the cancel arrived: that end is the truth, not TIMEOUT.
                return e => e.RecordEngineOutcome(final, now);
            case EngineCancelOutcome.Unreachable:
                ExecutionLog.TimeoutCancelUndelivered(_logger, execution.Id, execution.WorkflowId, cancel.Message ?? "no answer");
                return null;
            default:
                // Canceled, or the engine has no such run (nothing is running): either way the deadline ended it.
                return e => e.TimeOut(now);
        }
    }

    private sealed class TrackedRun(Execution execution, LockHandle? lockHandle)
    {
        public Guid ExecutionId { get; } = execution.Id;

        public LockHandle? Lock { get; } = lockHandle;

        /// <summary>The run as last written (or read); replaced by a fresh read after a failed or raced write.</summary>
        public Execution Execution { get; set; } = execution;

        /// <summary>Set after a write failed or raced: the copy in memory may be ahead of, or behind, the database.</summary>
        public volatile bool NeedsRead;

        /// <summary>The lock was released by the close here, or by whoever ended the run: nothing left to release.</summary>
        public volatile bool LockSettled;

        public Task? Loop { get; set; }

        /// <summary>A write its starter could not make; cleared once written (or overtaken by someone else's).</summary>
        public Action<Execution>? UnsavedChange { get; set; }

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
