using System.Diagnostics;
using System.Net;
using System.Text.Json;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Hosting;

/// <summary>The service started as a process: JSON logs, dependency checks at start-up, bad configuration, migrate.</summary>
public sealed class HostProcessTests
{
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_postgres_unreachable_the_host_says_so_and_exits_non_zero_within_seconds()
    {
        var closedPort = FreePort.Next();
        await using var host = HostProcess.Start(Environment(
            postgres: $"Host=127.0.0.1;Port={closedPort};Username=x;Password=x;Database=x;Timeout=3"));
        var watch = Stopwatch.StartNew();

        var exitCode = await host.WaitForExitAsync(StartupBound);

        Assert.Equal(1, exitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        var unreachable = Assert.Single(host.Events(), e => e.GetProperty("event").GetString() == "dependency_unreachable");
        Assert.Equal("postgres", unreachable.GetProperty("fields").GetProperty("dependency").GetString());
        Assert.Equal("error", unreachable.GetProperty("level").GetString());
        Assert.Contains(host.Events(), e => e.GetProperty("event").GetString() == "startup_failed");
    }

    [Fact]
    public async Task With_redis_unreachable_the_host_starts_degraded_and_names_redis()
    {
        var httpPort = FreePort.Next();
        await using var host = HostProcess.Start(Environment(redis: $"127.0.0.1:{FreePort.Next()}", httpPort: httpPort));

        var degraded = await host.WaitForEventAsync("dependency_degraded", StartupBound);
        var started = await host.WaitForEventAsync("service_started", StartupBound);

        Assert.NotNull(degraded);
        Assert.Equal("redis", degraded.Value.GetProperty("fields").GetProperty("dependency").GetString());
        Assert.NotNull(started);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task With_both_dependencies_up_it_logs_json_lines_reports_each_and_stops_cleanly_on_sigterm()
    {
        await using var host = HostProcess.Start(Environment());

        var started = await host.WaitForEventAsync("service_started", StartupBound);
        Assert.NotNull(started);
        host.Terminate();
        var exitCode = await host.WaitForExitAsync(StartupBound);

        Assert.Equal(0, exitCode);
        var events = host.Events().ToList();
        Assert.All(events, e =>
        {
            Assert.True(e.TryGetProperty("timestamp", out _));
            Assert.True(e.TryGetProperty("level", out _));
            Assert.True(e.TryGetProperty("message", out _));
            Assert.True(e.TryGetProperty("fields", out _));
        });
        var reachable = events.Where(e => e.GetProperty("event").GetString() == "dependency_reachable")
            .Select(e => e.GetProperty("fields").GetProperty("dependency").GetString()).ToList();
        Assert.Contains("postgres", reachable);
        Assert.Contains("redis", reachable);
        Assert.Equal("production", started.Value.GetProperty("fields").GetProperty("profile").GetString());
    }

    [Theory]
    [InlineData("WorkflowRuntime__Server__GrpcPort", "70000", "WorkflowRuntime:Server:GrpcPort")]
    [InlineData("WorkflowRuntime__Persistence__CommandTimeoutSeconds", "0", "WorkflowRuntime:Persistence:CommandTimeoutSeconds")]
    [InlineData("WorkflowRuntime__Redis__OperationTimeoutMs", "soon", "WorkflowRuntime:Redis:OperationTimeoutMs")]
    [InlineData("WorkflowRuntime__Deployments__MaxPageSize", "0", "WorkflowRuntime:Deployments:MaxPageSize")]
    public async Task A_bad_configuration_value_stops_the_process_with_a_message_naming_the_key(string variable, string value, string key)
    {
        var environment = Environment();
        environment[variable] = value;
        await using var host = HostProcess.Start(environment);

        var exitCode = await host.WaitForExitAsync(StartupBound);

        Assert.Equal(1, exitCode);
        var output = string.Join('\n', host.StandardOutput) + host.StandardError;
        Assert.Contains(key, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_migrate_command_brings_the_schema_up_to_date_and_exits_zero()
    {
        await using var host = HostProcess.Start(Environment(), "migrate");

        var exitCode = await host.WaitForExitAsync(StartupBound);

        Assert.Equal(0, exitCode);
        Assert.Contains(host.Events(), e => e.GetProperty("event").GetString() == "database_migrated");
    }

    private static Dictionary<string, string> Environment(string? postgres = null, string? redis = null, int? httpPort = null) =>
        HostProcess.Settings(postgres, redis, httpPort);
}
