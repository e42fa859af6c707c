using WorkflowRuntime.IntegrationTests.Redis;
using WorkflowRuntime.IntegrationTests.Support;
using Xunit.Abstractions;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>One host on a Redis of its own and a scratch database, shared by the Redis scenarios (one start for both).</summary>
public sealed class RedisFaultFixture : IAsyncLifetime
{
    private string? _database;
    private IReadOnlyList<FaultHost> _hosts = [];

    internal RedisServerProcess Redis { get; set; } = null!;

    internal string Postgres { get; private set; } = string.Empty;

    internal FaultHost Host => _hosts[0];

    public async Task InitializeAsync()
    {
        Redis = await RedisServerProcess.StartAsync();
        _database = await PostgresDatabase.CreateScratchAsync();
        Postgres = TestSettings.PostgresConnectionStringFor(_database);
        _hosts = await FaultScenario.StartHostsAsync(Postgres, Redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Redis.DisposeAsync();
        if (_database is not null)
        {
            await PostgresDatabase.DropAsync(_database);
        }
    }
}

/// <summary>
/// Redis trouble must never fail a trigger (issue 11, finding 6): stopped or stalled under load, every trigger is
/// answered OK (or DEADLINE_EXCEEDED if its caller's deadline ran out), never INTERNAL, and the database fence alone
/// keeps SKIP runs exclusive meanwhile.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class RedisFaultTests(RedisFaultFixture fixture, ITestOutputHelper output) : IClassFixture<RedisFaultFixture>
{
    [Fact]
    public async Task Redis_stopped_under_load_fails_no_trigger_and_the_database_fence_keeps_runs_exclusive()
    {
        var verdict = await FaultScenario.RunAsync(output, "Redis stopped",
            "redis-server killed (SIGKILL) for a third of the load, then restarted on its port", [fixture.Host], fixture.Postgres,
            async third =>
            {
                var port = fixture.Redis.Port;
                await fixture.Redis.DisposeAsync();
                await Task.Delay(third);
                fixture.Redis = await RedisServerProcess.StartAsync(port);
            });

        FaultScenario.AssertHeld(verdict, allowUnavailable: false);
    }

    [Fact]
    public async Task A_trigger_whose_deadline_runs_out_while_Redis_stalls_is_not_admitted_and_writes_nothing()
    {
        await using var load = new FaultLoad([fixture.Host.GrpcPort]);
        var workflow = (await load.DeployAsync(exclusive: 1, parallel: 0)).Single();
        await fixture.Redis.FreezeAsync();
        try
        {
            // The lock acquire takes the operation timeout (500 ms) + margin: longer than the caller waits.
            var call = load.Client().TriggerWorkflowAsync(
                new WorkflowRuntime.Contracts.V1.TriggerWorkflowRequest { WorkflowId = workflow.Id, IdempotencyKey = "late-1" },
                deadline: DateTime.UtcNow.AddMilliseconds(300));
            var error = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(async () => await call);
            Assert.Equal(global::Grpc.Core.StatusCode.DeadlineExceeded, error.StatusCode);
            // Past the acquire's bound: an admission that ignored the deadline would have inserted by now.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await fixture.Redis.ThawAsync();
        }

        var rows = await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{workflow.Id}'", fixture.Postgres);
        Assert.Equal(0, rows);
        Assert.DoesNotContain(fixture.Host.Process.Events(), e => e.GetProperty("event").GetString() == "rpc_failed");
    }

    [Fact]
    public async Task Redis_stalled_under_load_fails_no_trigger_and_the_database_fence_keeps_runs_exclusive()
    {
        var verdict = await FaultScenario.RunAsync(output, "Redis stalled",
            "redis-server suspended (SIGSTOP) for a third of the load, then resumed (SIGCONT)", [fixture.Host], fixture.Postgres,
            async third =>
            {
                await fixture.Redis.FreezeAsync();
                try
                {
                    await Task.Delay(third);
                }
                finally
                {
                    await fixture.Redis.ThawAsync();
                }
            });

        FaultScenario.AssertHeld(verdict, allowUnavailable: false);
    }
}
