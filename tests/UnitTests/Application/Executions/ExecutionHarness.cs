using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Application.Executions;

/// <summary>What one <see cref="IUnitOfWork.SaveChangesAsync"/> wrote for one execution the harness knows.</summary>
internal sealed record SavedExecution(Guid Id, ExecutionStatus Status, string? LockToken, string? OwnerInstanceId, DateTimeOffset? HeartbeatAt);

/// <summary>
/// Mocked ports around the execution use cases, plus a real <see cref="ExecutionTracker"/> that resolves the mocked
/// repository and unit of work through a real <see cref="IServiceScopeFactory"/> and runs on a fake clock.
/// The repository serves the executions it was given (<see cref="Store"/>) or that a use case added; every save
/// records a snapshot of them, or throws the next exception queued with <see cref="FailNextSave"/>.
/// </summary>
internal sealed class ExecutionHarness : IAsyncDisposable
{
    public const string InstanceId = "runtime-under-test";
    public const string OtherInstanceId = "runtime-that-died";
    public const string LockToken = "lock-token-1";
    public const string EngineId = "engine-run-1";

    public static readonly DateTimeOffset Start = Samples.Now;

    private readonly Lock _gate = new();
    private readonly List<Execution> _known = [];
    private readonly List<Execution> _added = [];
    private readonly List<IReadOnlyList<SavedExecution>> _saves = [];
    private readonly Queue<Exception> _saveFailures = new();
    private ServiceProvider? _provider;
    private ExecutionTracker? _tracker;
    private ExecutionStateWriter? _writer;
    private DeploymentCache? _cache;

    public ExecutionHarness()
    {
        Executions.Setup(r => r.FindAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Guid id, CancellationToken _) => Known(id));
        Executions.Setup(r => r.ReadAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Guid id, CancellationToken _) => Known(id));
        Executions.Setup(r => r.InsertAsync(It.IsAny<Execution>(), It.IsAny<CancellationToken>())).Returns((Execution e, CancellationToken _) =>
        {
            lock (_gate)
            {
                // A refused insert writes nothing: the run is neither added nor known.
                if (_saveFailures.TryDequeue(out var failure))
                {
                    return Task.FromException(failure);
                }

                _added.Add(e);
                _known.Add(e);
                return OnSave();
            }
        });
        Executions.Setup(r => r.WriteStateAsync(It.IsAny<Execution>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .Returns((Execution e, long _, CancellationToken _) =>
            {
                lock (_gate)
                {
                    if (!_known.Contains(e))
                    {
                        _known.Add(e);
                    }

                    return OnSave();
                }
            });
        Executions.Setup(r => r.TouchHeartbeatsAsync(It.IsAny<IReadOnlyCollection<Guid>>(), It.IsAny<string>(),
                It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<Guid> ids, string _, DateTimeOffset _, CancellationToken _) => ids.Count);
        // A held lock normally means a run is active; tests of an orphaned lock override this.
        Executions.Setup(r => r.HasActiveExclusiveAsync(It.IsAny<Guid>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Executions.Setup(r => r.ListStaleAsync(It.IsAny<DateTimeOffset>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([]);
        Executions.Setup(r => r.ListIdleWithPendingAsync(It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync([]);

        UnitOfWork.Setup(u => u.SaveChangesAsync(It.IsAny<CancellationToken>())).Returns(OnSave);
        Settings.DeploymentCacheSeconds = 0;

        Locks.Setup(l => l.AcquireLockAsync(It.IsAny<string>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string workflowId, TimeSpan? _, CancellationToken _) => Handle(workflowId));
        Locks.Setup(l => l.ReleaseLockAsync(It.IsAny<LockHandle>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Locks.Setup(l => l.ExtendLockAsync(It.IsAny<LockHandle>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Locks.Setup(l => l.ExtendLocksAsync(It.IsAny<IReadOnlyCollection<LockHandle>>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<LockHandle> leases, TimeSpan _, CancellationToken _) => leases.Count);
        Locks.Setup(l => l.RestoreHandle(It.IsAny<string>(), It.IsAny<string>()))
            .Returns((string workflowId, string token) => Handle(workflowId, token));

        Engine.Setup(e => e.ExecuteAsync(It.IsAny<EngineStartRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineStartResult(EngineId, EngineStatus.Running, null));
        Engine.Setup(e => e.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EngineExecutionState(EngineStatus.Running, null, null));
        Engine.Setup(e => e.CancelAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(EngineCancelResult.Canceled());
    }

    public Mock<IDeploymentRepository> Deployments { get; } = new();

    public Mock<IExecutionRepository> Executions { get; } = new();

    public Mock<IUnitOfWork> UnitOfWork { get; } = new();

    public Mock<IDistributedLock> Locks { get; } = new();

    public Mock<IWorkflowEngine> Engine { get; } = new();

    /// <summary>Constant 1 s between polls, so every step of a tracker loop is one armed timer and one second.</summary>
    public ExecutionOptions Settings { get; } = new() { PollInitialMs = 1000, PollMaxMs = 1000, HeartbeatIntervalSeconds = 10, FirstPollDelayMs = 0 };

    public SteppedTimeProvider Clock { get; } = new(Start);

    public RuntimeIdentity Identity { get; } = new(InstanceId);

    /// <summary>Built on first use, with <see cref="Settings"/> as they are then.</summary>
    public ExecutionTracker Tracker => _tracker ??= CreateTracker();

    public IReadOnlyList<Execution> Added
    {
        get
        {
            lock (_gate)
            {
                return [.. _added];
            }
        }
    }

    public IReadOnlyList<IReadOnlyList<SavedExecution>> Saves
    {
        get
        {
            lock (_gate)
            {
                return [.. _saves];
            }
        }
    }

    public int SaveCount
    {
        get
        {
            lock (_gate)
            {
                return _saves.Count;
            }
        }
    }

    public ExecutionStateWriter Writer => _writer ??= new(ScopeFactory, Locks.Object, NullLogger<ExecutionStateWriter>.Instance, Signal);

    /// <summary>What the writer tells the pending-run starter (read it with <see cref="PendingRunSignal.ReadAllAsync"/>).</summary>
    public PendingRunSignal Signal { get; } = new();

    public ActiveRunReplacer Replacer => new(Engine.Object, Writer, Locks.Object, Clock, NullLogger<ActiveRunReplacer>.Instance);

    public ExecutionLauncher Launcher => new(Engine.Object, Writer, Tracker, Clock, NullLogger<ExecutionLauncher>.Instance);

    public PendingRunStarter Starter => new(ScopeFactory, Launcher, Writer, Cache, Signal, Identity, Clock, NullLogger<PendingRunStarter>.Instance);

    /// <summary>Off unless a test turns it on (<see cref="ExecutionOptions.DeploymentCacheSeconds"/>): every trigger reads its deployment.</summary>
    public DeploymentCache Cache => _cache ??= new(Options.Create(Settings), Clock);

    public ExecutionCoordinator Coordinator() => new(
        new TriggerValidator(Options.Create(Settings)),
        new TriggerTargets(Cache, Deployments.Object),
        new ExecutionAdmission(Executions.Object, Locks.Object, Replacer, Options.Create(Settings), Clock, NullLogger<ExecutionAdmission>.Instance),
        Launcher,
        Starter,
        Tracker, Executions.Object, Options.Create(Settings), Identity, Clock, NullLogger<ExecutionCoordinator>.Instance);

    public ExecutionService Service() => new(Executions.Object, Engine.Object, Locks.Object, Writer, Options.Create(Settings), Clock);

    public ExecutionSweeper Sweeper() => new(ScopeFactory, Tracker, Writer, Locks.Object, Engine.Object, Options.Create(Settings), Identity, Clock,
        NullLogger<ExecutionSweeper>.Instance, Starter);

    public IServiceScopeFactory ScopeFactory => Provider.GetRequiredService<IServiceScopeFactory>();

    public static LockHandle Handle(string workflowId, string token = LockToken) =>
        new(workflowId, $"workflow_runtime:locks:workflow_{workflowId}", token, Start.AddMinutes(5));

    public static LockHandle Handle(Guid workflowId, string token = LockToken) => Handle(workflowId.ToString(), token);

    /// <summary>A NEW run created at <paramref name="at"/> by another instance, holding the workflow lock.</summary>
    public static Execution Pending(DateTimeOffset? at = null, string? lockToken = LockToken, TimeSpan? timeout = null)
    {
        var execution = Execution.Start(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}", InstanceId: OtherInstanceId),
            OverlapPolicy.Skip, timeout ?? TimeSpan.FromHours(1), at ?? Start);
        if (lockToken is not null)
        {
            execution.AttachLock(lockToken);
        }

        return execution;
    }

    /// <summary>A RUNNING run started at <paramref name="at"/> by another instance, holding the workflow lock.</summary>
    public static Execution Running(DateTimeOffset? at = null, string? lockToken = LockToken, TimeSpan? timeout = null)
    {
        var execution = Pending(at, lockToken, timeout);
        execution.MarkRunning(EngineId, at ?? Start);
        return execution;
    }

    /// <summary>Makes the repository serve <paramref name="execution"/>.</summary>
    public Execution Store(Execution execution)
    {
        lock (_gate)
        {
            _known.Add(execution);
        }

        return execution;
    }

    public void FailNextSave(Exception exception)
    {
        lock (_gate)
        {
            _saveFailures.Enqueue(exception);
        }
    }

    /// <summary>The saves that wrote <paramref name="executionId"/> in <paramref name="status"/>.</summary>
    public IReadOnlyList<SavedExecution> SavesOf(Guid executionId, ExecutionStatus status) =>
        [.. Saves.SelectMany(s => s).Where(s => s.Id == executionId && s.Status == status)];

    /// <summary>Waits until the tracker loops have armed <paramref name="count"/> timers in all (each is parked on a poll delay).</summary>
    public Task TimersArmedAsync(int count) =>
        Eventually.HoldsAsync(() => Clock.TimersCreated >= count, $"{count} timers are armed on the fake clock (now {Clock.TimersCreated})");

    public async ValueTask DisposeAsync()
    {
        if (_tracker is not null)
        {
            // Stop every loop still parked on the fake clock, and wait for them; bounded in real time so a hung loop fails the test.
            await _tracker.DrainAsync(TimeSpan.Zero).WaitAsync(Eventually.Limit);
            await _tracker.DisposeAsync();
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        _cache?.Dispose();
    }

    private ServiceProvider Provider => _provider ??= new ServiceCollection()
        .AddScoped(_ => Executions.Object)
        .AddScoped(_ => UnitOfWork.Object)
        .AddScoped(_ => Deployments.Object)
        .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

    private ExecutionTracker CreateTracker() => new(ScopeFactory, Engine.Object, Locks.Object, Writer, Options.Create(Settings), Identity,
        Clock, NullLogger<ExecutionTracker>.Instance);

    private Execution? Known(Guid id)
    {
        lock (_gate)
        {
            return _known.LastOrDefault(e => e.Id == id);
        }
    }

    private Task OnSave()
    {
        lock (_gate)
        {
            if (_saveFailures.TryDequeue(out var failure))
            {
                return Task.FromException(failure);
            }

            _saves.Add([.. _known.Select(e => new SavedExecution(e.Id, e.Status, e.LockToken, e.OwnerInstanceId, e.HeartbeatAt))]);
            return Task.CompletedTask;
        }
    }
}
