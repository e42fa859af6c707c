using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>
/// An in-memory workflow engine: the embedded profile's engine, and the engine of the tests and benchmarks (served over
/// gRPC by <see cref="EngineSimulatorService"/>). Thread-safe. Nothing runs in the background: no timers, no sleeping
/// threads. A run remembers when it started and how it should behave, and its status is computed from the clock
/// (<see cref="TimeProvider"/>) whenever someone asks, so a fake clock drives it deterministically.
/// </summary>
public sealed class EngineSimulation
{
    /// <summary>Finished runs beyond this many are forgotten, oldest first, so the embedded profile does not grow forever.</summary>
    public const int DefaultMaxRetainedExecutions = 10_000;

    private readonly TimeProvider _timeProvider;
    private readonly SimulatedBehaviour _initialDefault;
    private readonly int _maxRetainedExecutions;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkflowState> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _runsByKey = new(StringComparer.Ordinal);
    private SimulatedBehaviour _defaultBehaviour;
    private long _sequence;

    public EngineSimulation(
        TimeProvider timeProvider,
        SimulatedBehaviour? defaultBehaviour = null,
        int maxRetainedExecutions = DefaultMaxRetainedExecutions)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetainedExecutions, 1);
        defaultBehaviour ??= SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(200));
        defaultBehaviour.Validate();

        _timeProvider = timeProvider;
        _initialDefault = defaultBehaviour;
        _defaultBehaviour = defaultBehaviour;
        _maxRetainedExecutions = maxRetainedExecutions;
    }

    /// <summary>The behaviour of every workflow that has none of its own.</summary>
    public SimulatedBehaviour DefaultBehaviour
    {
        get
        {
            lock (_gate)
            {
                return _defaultBehaviour;
            }
        }
    }

    /// <summary>How runs of <paramref name="workflowId"/> started from now on behave (runs already started keep theirs).</summary>
    public void SetBehaviour(string workflowId, SimulatedBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        ArgumentNullException.ThrowIfNull(behaviour);
        behaviour.Validate();
        lock (_gate)
        {
            State(workflowId).Behaviour = behaviour;
        }
    }

    public void SetDefaultBehaviour(SimulatedBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        behaviour.Validate();
        lock (_gate)
        {
            _defaultBehaviour = behaviour;
        }
    }

    /// <summary>The next <paramref name="count"/> ExecuteWorkflow calls for the workflow fail as UNAVAILABLE; then it behaves as set.</summary>
    public void FailNextExecuteCalls(string workflowId, int count)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            State(workflowId).FailuresLeft = count;
        }
    }

    /// <summary>Forgets every run, counter and per-workflow behaviour, and restores the default behaviour it was created with.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _runs.Clear();
            _runsByKey.Clear();
            _workflows.Clear();
            _defaultBehaviour = _initialDefault;
        }
    }

    /// <summary>
    /// ExecuteWorkflow: starts a run and returns it as it is right now (RUNNING, or already finished with no latency).
    /// A non-empty <paramref name="idempotencyKey"/> already seen returns that run as it is now and starts nothing,
    /// as the contract asks of a real engine (ADR 0023).
    /// </summary>
    /// <exception cref="EngineUnavailableException">The workflow behaves as <see cref="SimulatedOutcome.Unavailable"/>, or a failure was queued.</exception>
    public SimulatedExecution Execute(
        string workflowId,
        string workflowDefinition,
        string mode,
        string triggeredBy,
        IReadOnlyDictionary<string, string> inputData,
        IReadOnlyDictionary<string, string> metadata,
        string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        ArgumentNullException.ThrowIfNull(inputData);
        ArgumentNullException.ThrowIfNull(metadata);

        lock (_gate)
        {
            var workflow = State(workflowId);
            workflow.ExecuteAttempts++;
            if (!string.IsNullOrEmpty(idempotencyKey)
                && _runsByKey.TryGetValue(idempotencyKey, out var knownId)
                && _runs.TryGetValue(knownId, out var known))
            {
                workflow.DeduplicatedCalls++;
                return known.Snapshot(_timeProvider.GetUtcNow());
            }

            if (workflow.FailuresLeft > 0)
            {
                workflow.FailuresLeft--;
                throw new EngineUnavailableException($"Simulated engine outage: ExecuteWorkflow of {workflowId} failed on purpose.");
            }

            var behaviour = workflow.Behaviour ?? _defaultBehaviour;
            if (behaviour.Outcome == SimulatedOutcome.Unavailable)
            {
                throw new EngineUnavailableException($"Simulated engine outage: workflow {workflowId} is set to be unavailable.");
            }

            workflow.ExecuteCalls++;
            var now = _timeProvider.GetUtcNow();
            var run = new Run(
                $"sim-{Guid.NewGuid():N}",
                workflowId,
                ++_sequence,
                now,
                behaviour,
                workflowDefinition ?? string.Empty,
                mode ?? string.Empty,
                triggeredBy ?? string.Empty,
                new Dictionary<string, string>(inputData, StringComparer.Ordinal),
                new Dictionary<string, string>(metadata, StringComparer.Ordinal));
            _runs.Add(run.ExecutionId, run);
            if (!string.IsNullOrEmpty(idempotencyKey))
            {
                _runsByKey[idempotencyKey] = run.ExecutionId;
            }

            ForgetOldRuns(now);
            return run.Snapshot(now);
        }
    }

    /// <summary>GetExecutionStatus: the run as it is now, or null if the engine does not know the id.</summary>
    public SimulatedExecution? Find(string executionId)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        lock (_gate)
        {
            return _runs.TryGetValue(executionId, out var run) ? run.Snapshot(_timeProvider.GetUtcNow()) : null;
        }
    }

    /// <summary>CancelExecution: a run that has not finished becomes CANCELED; a finished one stays as it is.</summary>
    public SimulatedCancelOutcome Cancel(string executionId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        lock (_gate)
        {
            if (!_runs.TryGetValue(executionId, out var run))
            {
                return SimulatedCancelOutcome.NotFound;
            }

            State(run.WorkflowId).CancelCalls++;
            var now = _timeProvider.GetUtcNow();
            if (run.StatusAt(now).IsTerminal())
            {
                return SimulatedCancelOutcome.AlreadyFinished;
            }

            run.Cancel(reason);
            return SimulatedCancelOutcome.Canceled;
        }
    }

    /// <summary>ExecuteWorkflow calls of the workflow that started a run (refused ones are not counted).</summary>
    public int ExecuteCalls(string workflowId) => Count(workflowId, static w => w.ExecuteCalls);

    /// <summary>ExecuteWorkflow calls of the workflow answered with the run an earlier call of the same idempotency key started.</summary>
    public int DeduplicatedExecuteCalls(string workflowId) => Count(workflowId, static w => w.DeduplicatedCalls);

    /// <summary>Every ExecuteWorkflow call of the workflow, including the ones answered UNAVAILABLE (what a client's retries add up to).</summary>
    public int ExecuteAttempts(string workflowId) => Count(workflowId, static w => w.ExecuteAttempts);

    /// <summary>CancelExecution calls for runs of the workflow, whether or not they canceled anything.</summary>
    public int CancelCalls(string workflowId) => Count(workflowId, static w => w.CancelCalls);

    /// <summary>The workflow's runs that are still remembered, oldest first, as they are now.</summary>
    public IReadOnlyList<SimulatedExecution> Executions(string workflowId)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            return [.. _runs.Values
                .Where(run => run.WorkflowId == workflowId)
                .OrderBy(run => run.Sequence)
                .Select(run => run.Snapshot(now))];
        }
    }

    private int Count(string workflowId, Func<WorkflowState, int> counter)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        lock (_gate)
        {
            return _workflows.TryGetValue(workflowId, out var workflow) ? counter(workflow) : 0;
        }
    }

    private WorkflowState State(string workflowId)
    {
        if (!_workflows.TryGetValue(workflowId, out var workflow))
        {
            workflow = new WorkflowState();
            _workflows.Add(workflowId, workflow);
        }

        return workflow;
    }

    /// <summary>Over the limit, forgets the oldest finished runs down to 90 % of it (so this runs once per many starts).</summary>
    private void ForgetOldRuns(DateTimeOffset now)
    {
        if (_runs.Count <= _maxRetainedExecutions)
        {
            return;
        }

        var excess = _runs.Count - (_maxRetainedExecutions * 9 / 10);
        var finished = _runs.Values
            .Where(run => run.StatusAt(now).IsTerminal())
            .OrderBy(run => run.Sequence)
            .Take(excess)
            .Select(run => run.ExecutionId)
            .ToList();
        foreach (var executionId in finished)
        {
            _runs.Remove(executionId);
        }

        // A key whose run is forgotten is forgotten with it (the retention a real engine must at least match).
        foreach (var key in _runsByKey.Where(entry => !_runs.ContainsKey(entry.Value)).Select(entry => entry.Key).ToList())
        {
            _runsByKey.Remove(key);
        }
    }

    private sealed class WorkflowState
    {
        public SimulatedBehaviour? Behaviour { get; set; }

        public int FailuresLeft { get; set; }

        public int ExecuteAttempts { get; set; }

        public int ExecuteCalls { get; set; }

        public int DeduplicatedCalls { get; set; }

        public int CancelCalls { get; set; }
    }

    private sealed class Run(
        string executionId,
        string workflowId,
        long sequence,
        DateTimeOffset startedAt,
        SimulatedBehaviour behaviour,
        string workflowDefinition,
        string mode,
        string triggeredBy,
        IReadOnlyDictionary<string, string> inputData,
        IReadOnlyDictionary<string, string> metadata)
    {
        private bool _canceled;
        private string? _cancelReason;

        public string ExecutionId => executionId;

        public string WorkflowId => workflowId;

        public long Sequence => sequence;

        public void Cancel(string? reason)
        {
            _canceled = true;
            _cancelReason = reason;
        }

        public EngineStatus StatusAt(DateTimeOffset now)
        {
            if (_canceled)
            {
                return EngineStatus.Canceled;
            }

            if (behaviour.Outcome == SimulatedOutcome.Hang || now - startedAt < behaviour.Latency)
            {
                return EngineStatus.Running;
            }

            return behaviour.Outcome == SimulatedOutcome.Success ? EngineStatus.Success : EngineStatus.Error;
        }

        public SimulatedExecution Snapshot(DateTimeOffset now)
        {
            var status = StatusAt(now);
            return new SimulatedExecution(
                executionId,
                workflowId,
                status,
                workflowDefinition,
                mode,
                triggeredBy,
                inputData,
                metadata,
                status == EngineStatus.Success ? behaviour.ResultData ?? SimulatedBehaviour.DefaultResultData : null,
                status switch
                {
                    EngineStatus.Error => behaviour.ErrorMessage ?? SimulatedBehaviour.DefaultErrorMessage,
                    EngineStatus.Canceled => string.IsNullOrEmpty(_cancelReason) ? "canceled" : $"canceled: {_cancelReason}",
                    _ => null,
                },
                startedAt);
        }
    }
}
