using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Persistence.Repositories;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>
/// Inserts and state writes of runs on PostgreSQL go through the group-commit batchers (ADR 0027): concurrent writes
/// share one statement, and whatever a batch does not write (a unique index or the fence said no, a moved revision, a
/// PENDING row, a failed statement) is written on its own with the outcome it always had.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExecutionWriteBatchingTests : IAsyncLifetime
{
    private readonly ServiceProvider _provider = PersistenceServices.Create();

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Concurrent_state_changes_share_statements_and_every_row_gets_its_own_state()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var runs = Enumerable.Range(0, 40).Select(_ => AllowAllRun(deployment.Id)).ToList();
        foreach (var run in runs)
        {
            await InsertAsync(run);
        }

        var batcher = _provider.GetRequiredService<ExecutionStateBatcher>();
        var statementsBefore = batcher.Statements;
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(runs.Select((run, i) => WriteAsync(run, r => r.MarkRunning($"engine-{i}", now))));
        var runningStatements = batcher.Statements - statementsBefore;
        await Task.WhenAll(runs.Select((run, i) => WriteAsync(run, r =>
        {
            if (i % 2 == 0)
            {
                r.Succeed($"{{\"n\":{i}}}", now);
            }
            else
            {
                r.Fail($"step {i} failed", now);
            }
        })));

        Assert.InRange(runningStatements, 1, runs.Count - 1);
        for (var i = 0; i < runs.Count; i++)
        {
            var stored = await ReadAsync(runs[i].Id);
            Assert.Equal(i % 2 == 0 ? ExecutionStatus.Success : ExecutionStatus.Error, stored.Status);
            Assert.Equal($"engine-{i}", stored.EngineExecutionId);
            Assert.Equal(runs[i].Revision, stored.Revision);
            Assert.Equal(i % 2 == 0 ? $"{{\"n\":{i}}}" : null, stored.ResultData);
            Assert.Equal(i % 2 == 0 ? null : $"step {i} failed", stored.ErrorMessage);
            Assert.Equal(now.ToUnixTimeMilliseconds(), stored.StartedAt?.ToUnixTimeMilliseconds());
            Assert.Equal(now.ToUnixTimeMilliseconds(), stored.FinishedAt?.ToUnixTimeMilliseconds());
        }
    }

    [Fact]
    public async Task Concurrent_inserts_share_statements_and_store_every_column()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var now = DateTimeOffset.UtcNow;
        var runs = Enumerable.Range(0, 40).Select(i => i % 4 == 3
            ? Execution.Skipped(deployment.Id, ExecutionMode.Webhook, new ExecutionRequest($"{{\"i\":{i}}}", TriggeredBy: "hook"), "busy", now)
            : Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest($"{{\"i\":{i}}}", TriggeredBy: $"user-{i}",
                IdempotencyKey: $"key-{i}", DeploymentVersion: deployment.Version), OverlapPolicy.AllowAll, TimeSpan.FromMinutes(5), now)).ToList();
        var batcher = _provider.GetRequiredService<ExecutionInsertBatcher>();
        var statementsBefore = batcher.Statements;

        await Task.WhenAll(runs.Select(InsertAsync));

        Assert.InRange(batcher.Statements - statementsBefore, 1, runs.Count - 1);
        foreach (var run in runs)
        {
            var stored = await ReadAsync(run.Id);
            Assert.Equal((run.Status, run.Mode, run.TriggeredBy, run.IdempotencyKey, run.SkipReason, run.IsExclusive, run.Revision, run.DeploymentVersion),
                (stored.Status, stored.Mode, stored.TriggeredBy, stored.IdempotencyKey, stored.SkipReason, stored.IsExclusive, stored.Revision, stored.DeploymentVersion));
            Assert.Equal(run.TriggerData, stored.TriggerData.Replace(" ", string.Empty, StringComparison.Ordinal));
            Assert.Equal(run.CreatedAt.ToUnixTimeMilliseconds(), stored.CreatedAt.ToUnixTimeMilliseconds());
            Assert.Equal(run.DeadlineAt?.ToUnixTimeMilliseconds(), stored.DeadlineAt?.ToUnixTimeMilliseconds());
            Assert.Equal(run.FinishedAt?.ToUnixTimeMilliseconds(), stored.FinishedAt?.ToUnixTimeMilliseconds());
        }
    }

    [Fact]
    public async Task Rows_a_batch_cannot_insert_get_the_answer_an_insert_of_their_own_gives()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var now = DateTimeOffset.UtcNow;
        var first = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}", IdempotencyKey: "once"),
            OverlapPolicy.AllowAll, TimeSpan.FromMinutes(5), now);
        var repeat = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}", IdempotencyKey: "once"),
            OverlapPolicy.AllowAll, TimeSpan.FromMinutes(5), now);
        var stale = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}", DeploymentVersion: deployment.Version + 1),
            OverlapPolicy.AllowAll, TimeSpan.FromMinutes(5), now);
        var holder = Samples.RunningExclusive(deployment.Id);
        var second = Samples.RunningExclusive(deployment.Id);
        var fine = Enumerable.Range(0, 5).Select(_ => AllowAllRun(deployment.Id)).ToList();

        // Unique indexes first (the statement leaves the clashing rows out), then the fence (it fails the statement).
        var clashes = await Task.WhenAll(new[] { first, repeat, holder, second }.Concat(fine).Select(run => Outcome(InsertAsync(run))));
        var fenced = await Task.WhenAll(new[] { stale }.Concat(fine.Select(_ => AllowAllRun(deployment.Id))).Select(run => Outcome(InsertAsync(run))));

        var keyClash = clashes.Take(2).Single(o => o is not null);
        Assert.Equal(UniqueConstraints.ExecutionIdempotencyKey, Assert.IsType<UniqueConstraintViolationException>(keyClash).ConstraintName);
        var slotClash = clashes.Skip(2).Take(2).Single(o => o is not null);
        Assert.Equal(UniqueConstraints.ExclusiveExecution, Assert.IsType<UniqueConstraintViolationException>(slotClash).ConstraintName);
        Assert.All(clashes.Skip(4), Assert.Null);
        Assert.IsType<StaleDeploymentException>(fenced[0]);
        Assert.All(fenced.Skip(1), Assert.Null);
        Assert.Equal(1 + 1 + fine.Count + fine.Count,
            await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{deployment.Id}'"));
    }

    [Fact]
    public async Task Concurrent_slot_questions_share_queries_and_each_gets_its_workflows_answer()
    {
        var taken = Samples.DeployedWorkflow();
        var freed = Samples.DeployedWorkflow();
        var shared = Samples.DeployedWorkflow();
        foreach (var deployment in new[] { taken, freed, shared })
        {
            await SaveAsync(deployment);
        }

        await InsertAsync(Samples.RunningExclusive(taken.Id));
        var ended = Samples.RunningExclusive(freed.Id);
        ended.Cancel("done", DateTimeOffset.UtcNow);
        await InsertAsync(ended);
        await InsertAsync(AllowAllRun(shared.Id));
        var probe = _provider.GetRequiredService<ExecutionSlotProbe>();
        var statementsBefore = probe.Statements;

        var questions = Enumerable.Range(0, 30).Select(i => (i % 3) switch { 0 => taken.Id, 1 => freed.Id, _ => shared.Id }).ToList();
        var answers = await Task.WhenAll(questions.Select(HasActiveExclusiveAsync));

        Assert.InRange(probe.Statements - statementsBefore, 1, questions.Count - 1);
        Assert.Equal(questions.Select(id => id == taken.Id), answers);
    }

    [Fact]
    public async Task A_change_against_a_revision_that_moved_on_is_a_conflict_and_writes_nothing()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var run = AllowAllRun(deployment.Id);
        await InsertAsync(run);
        var stale = await ReadAsync(run.Id);
        await WriteAsync(run, r => r.MarkRunning("engine-1", DateTimeOffset.UtcNow));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => WriteAsync(stale, r => r.Cancel("too late", DateTimeOffset.UtcNow)));

        var stored = await ReadAsync(run.Id);
        Assert.Equal(ExecutionStatus.Running, stored.Status);
        Assert.Null(stored.ErrorMessage);
        Assert.Equal(run.Revision, stored.Revision);
    }

    [Fact]
    public async Task A_pending_run_that_ends_is_left_to_its_own_write_and_still_leaves_the_queue()
    {
        var deployment = Deployment.CreateDraft(Guid.NewGuid(), "user-1", "buffered report", "waits for its slot", Samples.Definition,
            DateTimeOffset.UtcNow);
        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Create(OverlapPolicy.BufferOne, 600), DateTimeOffset.UtcNow);
        await SaveAsync(deployment);
        // The workflow's slot is taken (a fresh heartbeat, far from stale), so the shared host's sweeper, which starts
        // the pending runs of idle workflows, leaves this one alone while the test writes it.
        await InsertAsync(Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.BufferAll,
            TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow));
        var pending = Execution.Queue(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), DateTimeOffset.UtcNow);
        await InsertAsync(pending);
        var batcher = _provider.GetRequiredService<ExecutionStateBatcher>();

        var writtenByBatch = await batcher.TryWriteAsync(Changed(pending, r => r.Cancel("withdrawn", DateTimeOffset.UtcNow), out var expected), expected);
        var afterBatch = await ReadAsync(pending.Id);
        await WriteAsync(await ReadAsync(pending.Id), r => r.Cancel("withdrawn", DateTimeOffset.UtcNow));

        Assert.False(writtenByBatch);
        Assert.Equal(ExecutionStatus.Pending, afterBatch.Status);
        Assert.Equal(ExecutionStatus.Canceled, (await ReadAsync(pending.Id)).Status);
    }

    [Fact]
    public async Task A_batch_whose_statement_fails_answers_not_written_and_says_so_in_a_warning()
    {
        var logs = new ListLogger();
        var unreachable = "Host=127.0.0.1;Port=" + FreePort.Next() + ";Username=nobody;Password=none;Database=none;Timeout=2";
        await using var batcher = new ExecutionStateBatcher(unreachable, 2, logs);
        var run = AllowAllRun(Guid.NewGuid());

        var written = await batcher.TryWriteAsync(Changed(run, r => r.MarkRunning("engine-1", DateTimeOffset.UtcNow), out var expected), expected);

        Assert.False(written);
        var warning = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("execution_batch_failed", warning.EventName);
        Assert.Contains("batched state statement of 1 runs failed", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, batcher.Statements);
    }

    [Fact]
    public async Task A_slot_probe_whose_query_fails_answers_unknown_so_the_caller_asks_on_its_own()
    {
        var unreachable = "Host=127.0.0.1;Port=" + FreePort.Next() + ";Username=nobody;Password=none;Database=none;Timeout=2";
        await using var probe = new ExecutionSlotProbe(unreachable, 2, NullLogger<ExecutionSlotProbe>.Instance);

        Assert.Null(await probe.HasActiveExclusiveAsync(Guid.NewGuid()));
    }

    private static async Task<Exception?> Outcome(Task insert)
    {
        try
        {
            await insert;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static Execution AllowAllRun(Guid workflowId) =>
        Execution.Start(workflowId, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.AllowAll,
            TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow);

    private static Execution Changed(Execution run, Action<Execution> change, out long expectedRevision)
    {
        expectedRevision = run.Revision;
        change(run);
        return run;
    }

    private async Task WriteAsync(Execution run, Action<Execution> change)
    {
        var expected = run.Revision;
        change(run);
        await using var scope = _provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().WriteStateAsync(run, expected);
    }

    private async Task<bool> HasActiveExclusiveAsync(Guid workflowId)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().HasActiveExclusiveAsync(workflowId);
    }

    private async Task InsertAsync(Execution run)
    {
        await using var scope = _provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().InsertAsync(run);
    }

    private async Task<Execution> ReadAsync(Guid id)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().ReadAsync(id)
            ?? throw new InvalidOperationException($"execution {id} is not stored");
    }

    private async Task SaveAsync(Deployment deployment)
    {
        await using var scope = _provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().Add(deployment);
        await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();
    }

    private sealed class ListLogger : ILogger<ExecutionStateBatcher>
    {
        public List<(LogLevel Level, string? EventName, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, eventId.Name, formatter(state, exception)));
            }
        }
    }
}
