using WorkflowRuntime.IntegrationTests.Redis;
using WorkflowRuntime.IntegrationTests.Support;
using Xunit.Abstractions;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>
/// The database restarting and an instance dying under load: UNAVAILABLE while PostgreSQL is down (and from the dead
/// instance's address) is expected; no run is lost, run twice, overlapped or left NEW/RUNNING after recovery.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ProcessFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PostgreSQL_restarted_under_load_answers_unavailable_meanwhile_and_loses_or_strands_no_run()
    {
        Assert.True(PostgresClusterProcess.IsAvailable, "PostgreSQL 15 binaries are needed in /usr/lib/postgresql/15/bin");
        await using var redis = await RedisServerProcess.StartAsync();
        await using var cluster = await PostgresClusterProcess.StartAsync();
        var hosts = await FaultScenario.StartHostsAsync(cluster.ConnectionString, redis.ConnectionString);
        try
        {
            var verdict = await FaultScenario.RunAsync(output, "PostgreSQL restarted",
                "own cluster stopped (pg_ctl -m immediate), down 3 s, started again", hosts, cluster.ConnectionString,
                async _ =>
                {
                    await cluster.StopAsync();
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    await cluster.StartServerAsync();
                });

            FaultScenario.AssertHeld(verdict, allowUnavailable: true);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_instances_with_one_killed_under_load_lose_or_strand_no_run()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var database = await PostgresDatabase.CreateScratchAsync();
        var postgres = TestSettings.PostgresConnectionStringFor(database);
        IReadOnlyList<FaultHost> hosts = [];
        try
        {
            hosts = await FaultScenario.StartHostsAsync(postgres, redis.ConnectionString, count: 2);
            var victim = hosts[1];
            var verdict = await FaultScenario.RunAsync(output, "Two instances, one killed",
                "one of two instances killed (SIGKILL); callers keep using both addresses", hosts, postgres,
                _ =>
                {
                    victim.Process.Kill();
                    return Task.CompletedTask;
                });

            // Calls to the dead address fail UNAVAILABLE: the transport's answer, not the service's.
            FaultScenario.AssertHeld(verdict, allowUnavailable: true);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }

            await PostgresDatabase.DropAsync(database);
        }
    }
}
