using System.Globalization;
using Grpc.Core;
using WorkflowRuntime.IntegrationTests.Support;
using Xunit.Abstractions;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>A production-profile host process of a fault test and its gRPC port.</summary>
internal sealed record FaultHost(HostProcess Process, int GrpcPort) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>
/// The shape every fault scenario shares: a bounded load (<see cref="FaultLoad"/>), the fault injected after the
/// first third, recovery, and the verdict (<see cref="FaultVerdict"/>) asserted and, when
/// <c>WORKFLOW_RUNTIME_FAULT_REPORT</c> names a file, appended to it for <c>scripts/fault-suite.sh</c>.
/// <c>WORKFLOW_RUNTIME_FAULT_SECONDS</c> and <c>WORKFLOW_RUNTIME_FAULT_CALLERS</c> make the load longer or heavier.
/// </summary>
internal static class FaultScenario
{
    public static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(EnvInt("WORKFLOW_RUNTIME_FAULT_SECONDS", 8));

    public static readonly int Callers = EnvInt("WORKFLOW_RUNTIME_FAULT_CALLERS", 4);

    // Cold processes on a loaded 2-core machine.
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(90);

    // A killed instance's runs are taken over after StaleAfterSeconds + SweepIntervalSeconds (set short below).
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(45);

    /// <summary>Starts production-profile hosts (in parallel) on the given servers and waits until they serve.</summary>
    public static async Task<IReadOnlyList<FaultHost>> StartHostsAsync(string postgres, string redis, int count = 1)
    {
        var hosts = Enumerable.Range(0, count).Select(_ =>
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
            return new FaultHost(HostProcess.Start(settings), int.Parse(settings["WorkflowRuntime__Server__GrpcPort"], CultureInfo.InvariantCulture));
        }).ToList();
        try
        {
            await Task.WhenAll(hosts.Select(h => h.Process.AssertStartedAsync(StartupBound)));
            return hosts;
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Runs the load, injects the fault after a third of it (the callback gets a third's length), judges the result.</summary>
    public static async Task<FaultVerdict> RunAsync(ITestOutputHelper output, string scenario, string fault, IReadOnlyList<FaultHost> hosts,
        string postgres, Func<TimeSpan, Task> injectFault)
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
        var report = Environment.GetEnvironmentVariable("WORKFLOW_RUNTIME_FAULT_REPORT");
        if (!string.IsNullOrWhiteSpace(report))
        {
            await File.AppendAllTextAsync(report, verdict.ToMarkdownRow() + "\n");
        }

        foreach (var host in hosts)
        {
            // rpc_failed is the INTERNAL path: a fault must never reach it.
            Assert.DoesNotContain(host.Process.Events(), e => e.GetProperty("event").GetString() == "rpc_failed");
        }

        return verdict;
    }

    /// <summary>The core promise held, and only expected codes were seen (UNAVAILABLE only where the scenario allows it).</summary>
    public static void AssertHeld(FaultVerdict verdict, bool allowUnavailable)
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
        // No throughput bar (the machine may be loaded): every caller got through at least once, and after the fault too.
        Assert.True(verdict.OkTriggers >= Callers, $"the load ran only {verdict.OkTriggers} OK triggers: {verdict}");
        Assert.NotNull(verdict.Recovery);
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}

/// <summary>Fault tests run one at a time, after the parallel collections: each loads the machine on purpose.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "faults";
}
