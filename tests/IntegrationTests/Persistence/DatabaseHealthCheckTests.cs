using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>
/// The start-up flake "postgres unreachable: Can't close, connection is in state Connecting": a probe that timed out
/// (or was cancelled) while the connection was still opening disposed the connection under the open, and the
/// dispose's exception replaced the real reason. A server that accepts the socket and never answers holds every
/// open in that state, so the race is hit on every probe here.
/// </summary>
public sealed class DatabaseHealthCheckTests
{
    private const int ProbeTimeoutMs = 200;

    [Fact]
    public async Task A_probe_that_times_out_while_connecting_reports_the_timeout_not_a_dispose_error()
    {
        using var silent = new SilentServer();
        await using var provider = Services(silent.ConnectionString);
        var check = provider.GetServices<IDependencyHealthCheck>().Single(c => c.Name == "postgres");

        for (var probe = 0; probe < 5; probe++)
        {
            var health = await check.CheckAsync();

            Assert.False(health.Healthy);
            Assert.Equal($"unreachable: no answer within {ProbeTimeoutMs} ms", health.Message);
        }
    }

    [Fact]
    public async Task A_probe_cancelled_by_its_caller_while_connecting_is_a_cancellation()
    {
        using var silent = new SilentServer();
        await using var provider = Services(silent.ConnectionString);
        var check = provider.GetServices<IDependencyHealthCheck>().Single(c => c.Name == "postgres");
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.CheckAsync(caller.Token));
    }

    [Fact]
    public async Task Probes_of_a_live_database_started_and_abandoned_in_a_loop_never_report_it_unreachable()
    {
        await using var provider = Services(TestSettings.PostgresConnectionString, timeoutMs: 15_000);
        var check = provider.GetServices<IDependencyHealthCheck>().Single(c => c.Name == "postgres");

        var reports = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => check.CheckAsync()));

        Assert.All(reports, report => Assert.True(report.Healthy, report.Message));
    }

    private static ServiceProvider Services(string connectionString, int timeoutMs = ProbeTimeoutMs)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["WorkflowRuntime:Persistence:HealthCheckTimeoutMs"] = timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPersistence(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    /// <summary>Accepts TCP connections and never says a word, like a PostgreSQL host that hangs after accept.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly CancellationTokenSource _stop = new();

        public SilentServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        // Npgsql's own connect timeout is far longer than the probe's, so only the probe's bound can end the wait.
        public string ConnectionString =>
            $"Host=127.0.0.1;Port={((IPEndPoint)_listener.LocalEndpoint).Port};Username=u;Password=p;Database=d;Timeout=60;Pooling=false";

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
