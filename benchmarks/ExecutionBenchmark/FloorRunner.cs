using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// The bare floor: what one execution needs from PostgreSQL and Redis, with nothing of the service around it. Each
/// cycle takes the workflow's lock (<c>SET key token NX PX 300000</c>), inserts the execution row, marks it RUNNING,
/// then SUCCESS, and deletes the lock, every statement its own autocommit round trip on a pooled connection, as the
/// service's writes are. A cycle/s here is the most executions/s this machine's servers could give the service.
/// </summary>
internal sealed class FloorRunner(NpgsqlDataSource database, IDatabase redis, IReadOnlyList<Guid> workflows)
{
    private const string KeyPrefix = "workflow_runtime_bench:floor:";
    private static readonly TimeSpan LockLease = TimeSpan.FromMilliseconds(300_000);

    private const string Insert = $$"""
        INSERT INTO {{ExecutionLedger.FloorTable}} (id, workflow_id, status, mode, triggered_by, is_exclusive, trigger_data, created_at,
            deadline_at, owner_instance_id, lock_token, revision)
        VALUES ($1, $2, 'NEW', 'MANUAL', $3, true, '{}', $4, $5, 'execution-bench-floor', $6, 1)
        """;

    private const string MarkRunning = $$"""
        UPDATE {{ExecutionLedger.FloorTable}} SET status = 'RUNNING', engine_execution_id = $2, started_at = $3, heartbeat_at = $3, revision = 2
        WHERE id = $1 AND revision = 1
        """;

    private const string MarkSucceeded = $$"""
        UPDATE {{ExecutionLedger.FloorTable}} SET status = 'SUCCESS', result_data = '{"ok":true}', finished_at = $2, revision = 3
        WHERE id = $1 AND revision = 2
        """;

    private long _next = -1;

    public async Task<CallFigures> RunAsync(string tag, int concurrency, TimeSpan duration, CallRecorder recorder, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                var workflowId = workflows[(int)(Interlocked.Increment(ref _next) % workflows.Count)];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await CycleAsync(tag, workflowId, cancellationToken);
                    recorder.Ok(Stopwatch.GetElapsedTime(started).TotalMilliseconds, "SUCCESS");
                }
                catch (Exception ex) when (ex is NpgsqlException or RedisException or TimeoutException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
                {
                    recorder.Failed(Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name, ex.Message);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        return recorder.Figures(clock.Elapsed.TotalSeconds);
    }

    private async Task CycleAsync(string tag, Guid workflowId, CancellationToken cancellationToken)
    {
        var key = KeyPrefix + workflowId.ToString();
        var token = Guid.NewGuid().ToString("N");
        if (!await redis.StringSetAsync(key, token, LockLease, When.NotExists))
        {
            throw new InvalidOperationException($"floor lock {key} was already held: the round robin revisited a workflow too early");
        }

        try
        {
            var id = Guid.NewGuid();
            var now = DateTime.UtcNow;
            await ExecuteAsync(Insert, cancellationToken, id, workflowId, tag, now, now.AddHours(1), token);
            await ExecuteAsync(MarkRunning, cancellationToken, id, Guid.NewGuid().ToString(), DateTime.UtcNow);
            await ExecuteAsync(MarkSucceeded, cancellationToken, id, DateTime.UtcNow);
        }
        finally
        {
            await redis.KeyDeleteAsync(key);
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] values)
    {
        // Open, one statement, close: the connection goes back to the pool between statements, as with EF Core.
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException("a floor statement changed no row");
        }
    }
}
