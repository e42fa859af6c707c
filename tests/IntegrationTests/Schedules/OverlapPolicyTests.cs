using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Schedules;

/// <summary>
/// The overlap policies on two replicas sharing PostgreSQL and Redis: 50 concurrent triggers, split between the
/// replicas, against a slow engine give exactly the runs each policy promises (issue 13, ADR 0026).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class OverlapPolicyTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private const int Triggers = 50;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly EngineSimulation _engine = fixture.Engine;
    private RuntimeHost _replicaB = null!;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _engine.Reset();
        _replicaB = await fixture.StartHostAsync();
    }

    public async Task DisposeAsync() => await _replicaB.DisposeAsync();

    [Fact]
    public async Task Buffer_one_keeps_one_running_and_one_pending_skips_the_rest_and_starts_the_pending_one_after_the_first_ends()
    {
        var workflowId = await DeployAsync(OverlapPolicy.BufferOne, SimulatedBehaviour.Success(TimeSpan.FromSeconds(4)));

        var answers = await TriggerConcurrentlyAsync(workflowId);

        // Every call has returned, so every admission (and the launch it made) is written.
        var admitted = await RunsAsync(workflowId);
        var first = Assert.Single(admitted, r => r.Status == "RUNNING");
        var pending = Assert.Single(admitted, r => r.Status == "PENDING");
        Assert.Equal(Triggers - 2, admitted.Count(r => r.Status == "SKIPPED"));
        Assert.All(answers.Where(e => e.Status == ExecutionStatus.Skipped), e => Assert.Contains("buffer full", e.SkipReason, StringComparison.Ordinal));
        Assert.Equal(1, (await HistoryAsync(workflowId)).Single(e => e.ExecutionId == pending.Id).QueuePosition);

        var runs = await Eventually.Until(() => RunsAsync(workflowId), r => r.Count(x => x.Status == "SUCCESS") == 2, Bound);
        var (ended, second) = (runs.Single(r => r.Id == first.Id), runs.Single(r => r.Id == pending.Id));
        Assert.Equal("SUCCESS", second.Status);
        Assert.True(second.StartedAt >= ended.FinishedAt, $"the pending run started at {second.StartedAt:O}, before the first ended at {ended.FinishedAt:O}");
        Assert.Equal(2, _engine.ExecuteCalls(workflowId));
        Assert.Equal(Triggers - 2, runs.Count(r => r.Status == "SKIPPED"));
    }

    [Fact]
    public async Task Buffer_all_runs_every_trigger_one_after_another_never_two_at_once()
    {
        var workflowId = await DeployAsync(OverlapPolicy.BufferAll, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(30)));

        var answers = await TriggerConcurrentlyAsync(workflowId);

        Assert.DoesNotContain(answers, e => e.Status == ExecutionStatus.Skipped);
        var runs = await Eventually.Until(() => RunsAsync(workflowId), r => r.Count(x => x.Status == "SUCCESS") == Triggers, Bound);
        var ordered = runs.OrderBy(r => r.StartedAt).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].StartedAt >= ordered[i - 1].FinishedAt,
                $"run {i} started at {ordered[i].StartedAt:O} while run {i - 1} was still running (until {ordered[i - 1].FinishedAt:O})");
        }

        // Arrival order is start order: the queue is ordered by when each trigger was recorded.
        Assert.Equal(runs.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Select(r => r.Id), ordered.Select(r => r.Id));
        Assert.Equal(Triggers, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task Buffer_all_past_its_limit_skips_with_buffer_full()
    {
        var workflowId = await DeployAsync(OverlapPolicy.BufferAll, SimulatedBehaviour.Success(TimeSpan.FromSeconds(30)), bufferLimit: 3);

        var answers = await TriggerConcurrentlyAsync(workflowId, count: 10);

        var admitted = await RunsAsync(workflowId);
        Assert.Equal(1, admitted.Count(r => r.Status == "RUNNING"));
        Assert.Equal(3, admitted.Count(r => r.Status == "PENDING"));
        Assert.Equal(6, admitted.Count(r => r.Status == "SKIPPED"));
        Assert.All(answers.Where(e => e.Status == ExecutionStatus.Skipped), e => Assert.Contains("buffer_limit", e.SkipReason, StringComparison.Ordinal));
        var positions = (await HistoryAsync(workflowId)).Where(e => e.Status == ExecutionStatus.Pending).Select(e => e.QueuePosition).Order();
        Assert.Equal([1, 2, 3], positions);
    }

    [Fact]
    public async Task Cancel_other_leaves_the_last_run_standing_and_every_earlier_one_canceled()
    {
        var workflowId = await DeployAsync(OverlapPolicy.CancelOther, SimulatedBehaviour.Success(TimeSpan.FromSeconds(60)));

        await TriggerConcurrentlyAsync(workflowId);

        var runs = await Eventually.Until(() => RunsAsync(workflowId), r => r.Count(x => x.Status == "CANCELED") == Triggers - 1, Bound);
        var survivor = Assert.Single(runs, r => r.Status != "CANCELED");
        Assert.Equal("RUNNING", survivor.Status);
        Assert.All(runs.Where(r => r.Status == "CANCELED"), r =>
        {
            Assert.Contains("CANCEL_OTHER", r.ErrorMessage, StringComparison.Ordinal);
            Assert.True(r.StartedAt <= survivor.StartedAt, "a canceled run started after the one that survived");
        });
        Assert.Equal(Triggers, _engine.ExecuteCalls(workflowId));
        var inEngine = _engine.Executions(workflowId);
        Assert.Equal(Triggers - 1, inEngine.Count(e => e.Status == Domain.Ports.EngineStatus.Canceled));
    }

    private async Task<string> DeployAsync(OverlapPolicy policy, SimulatedBehaviour behaviour, int bufferLimit = 0)
    {
        var request = Deploy("user-1", Manual());
        request.Config = new DeploymentConfig { OverlapPolicy = policy, ExecutionTimeoutSeconds = 600, BufferLimit = bufferLimit };
        var workflowId = (await fixture.Host.Runtime.DeployWorkflowAsync(request)).Deployment.WorkflowId;
        _engine.SetBehaviour(workflowId, behaviour);
        return workflowId;
    }

    /// <summary>Half the triggers on each replica, all at once.</summary>
    private async Task<IReadOnlyList<Execution>> TriggerConcurrentlyAsync(string workflowId, int count = Triggers)
    {
        var clients = new[] { fixture.Host.Runtime, _replicaB.Runtime };
        var calls = Enumerable.Range(0, count).Select(async i =>
            (await clients[i % 2].TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, TriggerData = $$"""{"n":{{i}}}""" })).Execution);
        return await Task.WhenAll(calls);
    }

    private async Task<IReadOnlyList<Execution>> HistoryAsync(string workflowId) =>
        [.. (await fixture.Host.Runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = workflowId, PageSize = 200 })).Executions];

    internal static Task<IReadOnlyList<RunRow>> RunsAsync(string workflowId, string? connectionString = null) =>
        PostgresDatabase.QueryAsync(
            $"SELECT id::text, status, created_at, started_at, finished_at, error_message FROM workflow_executions WHERE workflow_id = '{workflowId}'",
            r => new RunRow(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2),
                r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? null : r.GetString(5)),
            connectionString);

    internal sealed record RunRow(string Id, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? ErrorMessage);
}
