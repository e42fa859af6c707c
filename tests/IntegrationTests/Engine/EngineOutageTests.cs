using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Engine;

/// <summary>An engine that is not there, or there but silent: the client answers within its call timeout, never hangs.</summary>
public sealed class EngineOutageTests
{
    private const int CallTimeoutMs = 1000;
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(CallTimeoutMs + 1000);

    [Fact]
    public async Task Execute_OnClosedPort_ThrowsEngineUnavailableNamingTheAddress_WithinTheCallTimeout()
    {
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(address, CallTimeoutMs));

        var elapsed = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid())));
        elapsed.Stop();

        Assert.Contains(address, error.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < Bound, $"Execute took {elapsed.Elapsed} against a closed port");
    }

    [Fact]
    public async Task Cancel_OnClosedPort_IsReportedUnreachable_WithinTheCallTimeout()
    {
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(address, CallTimeoutMs));

        var elapsed = Stopwatch.StartNew();
        var cancel = await engine.CancelAsync("sim-1", "operator");
        elapsed.Stop();

        Assert.Equal(EngineCancelOutcome.Unreachable, cancel.Outcome);
        Assert.Contains(address, cancel.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < Bound, $"Cancel took {elapsed.Elapsed} against a closed port");
    }

    [Fact]
    public async Task Calls_ToAnEngineThatAcceptsButNeverAnswers_ThrowEngineUnavailableAtTheDeadline()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // the kernel completes connections; nobody ever reads or writes on them
        var address = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(address, CallTimeoutMs));

        var elapsed = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.GetStatusAsync("sim-1"));
        elapsed.Stop();

        Assert.Contains($"no answer within {CallTimeoutMs} ms", error.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(CallTimeoutMs - 100), $"Gave up after only {elapsed.Elapsed}");
        Assert.True(elapsed.Elapsed < Bound, $"GetStatus took {elapsed.Elapsed} against a silent engine");
    }

    [Fact]
    public async Task CallerCancellation_EndsTheCallWithOperationCanceled()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var engine = EngineTestClients.Create(
            EngineTestClients.OptionsFor($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", callTimeoutMs: 30_000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.CancelAsync("sim-1", "r", cancel.Token));

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(5), $"Cancellation took {elapsed.Elapsed}");
    }

    [Fact]
    public async Task HealthCheck_OnClosedPort_IsUnhealthyNamingTheAddress()
    {
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(address, CallTimeoutMs));

        var elapsed = Stopwatch.StartNew();
        var health = await engine.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.Equal("engine", health.Name);
        Assert.Contains(address, health.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", health.Message, StringComparison.Ordinal);
        Assert.True(elapsed.Elapsed < Bound, $"The health check took {elapsed.Elapsed}");
    }

    [Fact]
    public async Task HealthCheck_OfSilentEngine_IsUnhealthyAfterTheCallTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        using var engine = EngineTestClients.Create(EngineTestClients.OptionsFor(address, CallTimeoutMs));

        var elapsed = Stopwatch.StartNew();
        var health = await engine.CheckAsync();
        elapsed.Stop();

        Assert.False(health.Healthy);
        Assert.Equal($"The workflow engine at {address} is unreachable: no answer within {CallTimeoutMs} ms.", health.Message);
        Assert.True(elapsed.Elapsed < Bound, $"The health check took {elapsed.Elapsed}");
    }

    [Fact]
    public async Task HealthCheck_CanceledByTheCaller_ReportsInsteadOfThrowing()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var engine = EngineTestClients.Create(
            EngineTestClients.OptionsFor($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", callTimeoutMs: 30_000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var health = await engine.CheckAsync(cancel.Token);

        Assert.False(health.Healthy);
        Assert.Contains("canceled", health.Message, StringComparison.Ordinal);
    }
}
