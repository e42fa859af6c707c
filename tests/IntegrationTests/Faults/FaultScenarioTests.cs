using System.Globalization;
using Grpc.Core;
using WorkflowRuntime.IntegrationTests.Redis;
using WorkflowRuntime.IntegrationTests.Support;
using Xunit.Abstractions;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>
/// Faults against real processes under load: production-profile hosts (their own process each) on their own Redis
/// and, for the PostgreSQL restart, their own PostgreSQL cluster; never the shared servers. Each scenario runs a
/// bounded load, injects its fault in the middle third, lets the service recover, and asserts the core promise: one
/// row per OK trigger, no idempotency key run twice, no SKIP overlap, no run left NEW or RUNNING, and no INTERNAL or
/// UNKNOWN answer (UNAVAILABLE while a critical dependency is down is expected). <c>scripts/fault-suite.sh</c> reruns
/// them longer (<c>WORKFLOW_RUNTIME_FAULT_SECONDS</c>) and collects each verdict line
/// (<c>WORKFLOW_RUNTIME_FAULT_REPORT</c>) into <c>docs/reliability.md</c>.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_FAULT_SECONDS"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 9);

    private static readonly int Callers =
        int.TryParse(Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_FAULT_CALLERS"), CultureInfo.InvariantCulture, out var callers) ? callers : 4;

    // Cold processes on a loaded 2-core machine.
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(90);

    // A killed instance's runs are taken over after StaleAfterSeconds + SweepIntervalSeconds (set short below).
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(45);

    private readonly List<HostProcess> _hosts = [];
    private string? _scratchDatabase;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_scratchDatabase is not null)
        {
            await PostgresDatabase.DropAsync(_scratchDatabase);
        }
    }

    [Fact]
    public async Task Redis_stopped_under_load_fails_no_trigger_and_the_database_fence_keeps_runs_exclusive()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var postgres = await ScratchDatabaseAsync();
        var host = await StartHostAsync(postgres, redis.ConnectionString);
        RedisServerProcess? restarted = null;
        try
        {
            var verdict = await RunScenarioAsync("Redis stopped", "redis-server killed (SIGKILL) for a third of the load, then restarted on its port",
                [host], postgres, async (third) =>
                {
                    await redis.KillAsync();
                    await Task.Delay(third);
                    restarted = await RedisServerProcess.StartAsync(redis.Port);
                });

            AssertHeld(verdict, allowUnavailable: false);
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Redis_stalled_under_load_fails_no_trigger_and_the_database_fence_keeps_runs_exclusive()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var postgres = await ScratchDatabaseAsync();
        var host = await StartHostAsync(postgres, redis.ConnectionString);

        var verdict = await RunScenarioAsync("Redis stalled", "redis-server suspended (SIGSTOP) for a third of the load, then resumed (SIGCONT)",
            [host], postgres, async (third) =>
            {
                await redis.FreezeAsync();
                try
                {
                    await Task.Delay(third);
                }
                finally
                {
                    await redis.ThawAsync();
                }
            });

        AssertHeld(verdict, allowUnavailable: false);
    }

    [Fact]
    public async Task PostgreSQL_restarted_under_load_answers_unavailable_meanwhile_and_loses_or_strands_no_run()
    {
        Assert.True(PostgresClusterProcess.IsAvailable, "PostgreSQL 15 binaries are needed in /usr/lib/postgresql/15/bin");
        await using var redis = await RedisServerProcess.StartAsync();
        await using var cluster = await PostgresClusterProcess.StartAsync();
        var host = await StartHostAsync(cluster.ConnectionString, redis.ConnectionString);

        var verdict = await RunScenarioAsync("PostgreSQL restarted", "own cluster stopped (pg_ctl -m immediate), down 3 s, started again",
            [host], cluster.ConnectionString, async (_) =>
            {
                await cluster.StopAsync();
                await Task.Delay(TimeSpan.FromSeconds(3));
                await cluster.StartServerAsync();
            });

        AssertHeld(verdict, allowUnavailable: true);
    }

    [Fact]
    public async Task Two_instances_with_one_killed_under_load_lose_or_strand_no_run()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var postgres = await ScratchDatabaseAsync();
        var survivor = await StartHostAsync(postgres, redis.ConnectionString);
        var victim = await StartHostAsync(postgres, redis.ConnectionString);

        var verdict = await RunScenarioAsync("Two instances, one killed", "one of two instances killed (SIGKILL); callers keep using both addresses",
            [survivor, victim], postgres, (_) =>
            {
                victim.Kill();
                return Task.CompletedTask;
            });

        // Calls to the dead address fail UNAVAILABLE; that is the transport's answer, not the service's.
        AssertHeld(verdict, allowUnavailable: true);
    }

    private async Task<FaultVerdict> RunScenarioAsync(string scenario, string fault, IReadOnlyList<StartedHost> hosts, string postgres,
        Func<TimeSpan, Task> injectFault)
    {
        await using var load = new FaultLoad(hosts.Select(h => h.GrpcPort));
        var workflows = await load.DeployAsync(exclusive: 2, parallel: 2);
        var third = LoadDuration / 3;

        var running = load.RunAsync(workflows, Callers, LoadDuration);
        await Task.Delay(third);
        await injectFault(third);
        var faultEnd = load.Now;
        await running;

        var verdict = await FaultVerdict.JudgeAsync(scenario, fault, Callers, LoadDuration, load.Calls, workflows, postgres, faultEnd, RecoveryBound);
        output.WriteLine(verdict.ToString());
        Report(verdict);
        foreach (var host in hosts)
        {
            // rpc_failed is the INTERNAL path: a fault must never reach it.
            Assert.DoesNotContain(host.Process.Events(), e => e.GetProperty("event").GetString() == "rpc_failed");
        }

        return verdict;
    }

    private static void AssertHeld(FaultVerdict verdict, bool allowUnavailable)
    {
        var expected = new HashSet<StatusCode> { StatusCode.OK, StatusCode.DeadlineExceeded };
        if (allowUnavailable)
        {
            expected.Add(StatusCode.Unavailable);
        }

        Assert.True(verdict.Problems.Count == 0, verdict.ToString());
        Assert.All(verdict.Codes.Keys, code => Assert.Contains(code, expected));
        Assert.Equal(0, verdict.Duplicates);
        Assert.Equal(0, verdict.Lost);
        Assert.Equal(0, verdict.Stranded);
        Assert.Equal(0, verdict.Overlaps);
        Assert.True(verdict.OkTriggers >= 20, $"the load ran only {verdict.OkTriggers} OK triggers: {verdict}");
        Assert.NotNull(verdict.Recovery);
    }

    private static void Report(FaultVerdict verdict)
    {
        var path = Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_FAULT_REPORT");
        if (!string.IsNullOrWhiteSpace(path))
        {
            File.AppendAllText(path, verdict.ToMarkdownRow() + "\n");
        }
    }

    private async Task<string> ScratchDatabaseAsync()
    {
        _scratchDatabase = await PostgresDatabase.CreateScratchAsync();
        return TestSettings.PostgresConnectionStringFor(_scratchDatabase);
    }

    private async Task<StartedHost> StartHostAsync(string postgres, string redis)
    {
        var settings = HostProcess.Settings(postgres, redis);
        settings["WorkflowRuntime__Security__AllowInsecure"] = "true";
        // Short recovery clocks, so a killed instance's runs are taken over within the test.
        settings["WorkflowRuntime__Executions__HeartbeatIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Executions__StaleAfterSeconds"] = "4";
        settings["WorkflowRuntime__Executions__SweepIntervalSeconds"] = "1";
        settings["WorkflowRuntime__Executions__PollInitialMs"] = "100";
        settings["WorkflowRuntime__Executions__PollMaxMs"] = "500";
        settings["WorkflowRuntime__Engine__SimulatedLatencyMs"] = "150";
        settings["WorkflowRuntime__Redis__OperationTimeoutMs"] = "500";
        // Hundreds of triggers: only warnings and the start-up lines, so the captured output stays small.
        settings["Logging__LogLevel__Default"] = "Warning";
        settings["Logging__LogLevel__WorkflowRuntime.Startup"] = "Information";
        var process = HostProcess.Start(settings);
        var host = new StartedHost(process, int.Parse(settings["WorkflowRuntime__Server__GrpcPort"], CultureInfo.InvariantCulture));
        _hosts.Add(process);
        await process.AssertStartedAsync(StartupBound);
        return host;
    }

    private sealed record StartedHost(HostProcess Process, int GrpcPort)
    {
        public void Kill() => Process.Kill();
    }
}

/// <summary>Fault tests run one at a time: each loads the machine on purpose.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "faults";
}
