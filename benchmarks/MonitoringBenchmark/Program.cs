using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Npgsql;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Presentation.Grpc.Hosting;

// Monitoring benchmark (docs/benchmarks/monitoring.md). Options: --postgres <server connection string without database>
// --database <name> --deployments N --executions N --calls N --output <dir> --keep-data (reuse a seeded database; then
// the host's start-up reconcile schedules the seeded cron workflows and their fires compete with the measurement).
var options = Options.Parse(args);
var invariant = CultureInfo.InvariantCulture;
var server = options.Postgres;
var database = $"{server};Database={options.Database};Maximum Pool Size=20";

var seeded = options.KeepData && await CountAsync(database, options) >= options.Executions;
if (!seeded)
{
    await ExecuteAsync($"{server};Database=postgres", $"DROP DATABASE IF EXISTS {options.Database} WITH (FORCE)");
    await ExecuteAsync($"{server};Database=postgres", $"CREATE DATABASE {options.Database}");
}

var grpcPort = FreePort();
var httpPort = FreePort();
var app = WorkflowRuntimeApp.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Postgres"] = database,
    ["WorkflowRuntime:Server:GrpcPort"] = grpcPort.ToString(invariant),
    ["WorkflowRuntime:Server:HttpPort"] = httpPort.ToString(invariant),
    ["WorkflowRuntime:Server:InstanceId"] = "monitoring-bench",
    ["WorkflowRuntime:Security:AllowInsecure"] = "true",
    // The seeded workflows are not scheduled: this measures the monitoring reads, not 60,000 cron jobs.
    ["WorkflowRuntime:Scheduling:ReconcileIntervalSeconds"] = "86400",
    ["Logging:LogLevel:Default"] = "Warning",
}));
await app.StartAsync();
var report = new Report { Machine = Machine(), Deployments = options.Deployments, Executions = options.Executions, Calls = options.Calls };
try
{
    if (!seeded)
    {
        // The host's start-up migrated the empty database; now the bulk rows, in SQL (minutes, not hours of RPCs).
        var sw = Stopwatch.StartNew();
        await using (var resource = typeof(Options).Assembly.GetManifestResourceStream("seed.sql")!)
        using (var reader = new StreamReader(resource))
        {
            var sql = (await reader.ReadToEndAsync()).Replace("{deployments}", options.Deployments.ToString(invariant), StringComparison.Ordinal)
                .Replace("{executions}", options.Executions.ToString(invariant), StringComparison.Ordinal);
            await ExecuteAsync(database, sql, timeoutSeconds: 3600);
        }

        foreach (var table in new[] { "workflows", "workflow_triggers", "workflow_executions" })
        {
            await ExecuteAsync(database, $"VACUUM ANALYZE {table}", timeoutSeconds: 600);
        }

        report.SeedSeconds = sw.Elapsed.TotalSeconds;
    }

    report.Rows = await RowCountsAsync(database);
    using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
    var client = new MonitoringService.MonitoringServiceClient(channel);
    var now = DateTimeOffset.UtcNow;
    var tomorrowNine = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1).AddHours(9), TimeSpan.Zero);
    var calls = new (string Name, Func<Task<string>> Call)[]
    {
        ("GetDeploymentStats (last 24 h)", async () => Summary(await client.GetDeploymentStatsAsync(new GetDeploymentStatsRequest()))),
        ("GetDeploymentStats (user, last 24 h)", async () => Summary(await client.GetDeploymentStatsAsync(new GetDeploymentStatsRequest { UserId = "user-7" }))),
        ("GetSchedulingMetrics (last 24 h)", async () => Summary(await client.GetSchedulingMetricsAsync(new GetSchedulingMetricsRequest()))),
        ("GetJitterDistribution (all cron)", async () => Summary(await client.GetJitterDistributionAsync(new GetJitterDistributionRequest()))),
        ("GetJitterDistribution (0 9 * * *)", async () => Summary(await client.GetJitterDistributionAsync(new GetJitterDistributionRequest { CronExpression = "0 9 * * *" }))),
        ("GetLoadDistribution (next hour, 60 s)", async () => Summary(await client.GetLoadDistributionAsync(new GetLoadDistributionRequest()))),
        ("GetLoadDistribution (08:55-09:15 tomorrow, 10 s)", async () => Summary(await client.GetLoadDistributionAsync(new GetLoadDistributionRequest
        {
            From = Timestamp.FromDateTimeOffset(tomorrowNine.AddMinutes(-5)),
            To = Timestamp.FromDateTimeOffset(tomorrowNine.AddMinutes(15)),
            BucketSeconds = 10,
        }))),
    };

    foreach (var (name, call) in calls)
    {
        var sample = string.Empty;
        for (var i = 0; i < 5; i++)
        {
            sample = await call(); // warm-up: connection pool, JIT, plan cache
        }

        var latencies = new List<double>(options.Calls);
        for (var i = 0; i < options.Calls; i++)
        {
            var sw = Stopwatch.StartNew();
            await call();
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        var result = new RpcResult(name, options.Calls, Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99),
            latencies[^1], latencies.Average(), sample);
        report.Results.Add(result);
        Console.WriteLine(string.Create(invariant,
            $"{name,-48} p50 {result.P50Ms,8:F1} ms  p95 {result.P95Ms,8:F1} ms  p99 {result.P99Ms,8:F1} ms  max {result.MaxMs,8:F1} ms   {sample[..Math.Min(sample.Length, 160)]}"));
    }

    report.LoadAverageAfter = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "n/a";
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
}

Directory.CreateDirectory(options.Output);
var json = Path.Combine(options.Output, "monitoring-results.json");
await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"results: {json}");
var worst = report.Results.Max(r => r.P99Ms);
Console.WriteLine(string.Create(invariant, $"worst p99 {worst:F1} ms (target 200 ms): {(worst <= 200 ? "met" : "NOT met")}"));
return 0;

static double Percentile(List<double> sorted, double fraction)
{
    var position = fraction * (sorted.Count - 1);
    var lower = (int)Math.Floor(position);
    var upper = Math.Min(lower + 1, sorted.Count - 1);
    return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
}

// The result file keeps the first 4,000 characters of one response per RPC (the docs quote them); the console 160.
static string Summary(Google.Protobuf.IMessage response)
{
    var text = Google.Protobuf.JsonFormatter.Default.Format(response);
    return text.Length <= 4000 ? text : text[..4000] + "…";
}

static async Task ExecuteAsync(string connectionString, string sql, int timeoutSeconds = 60)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = timeoutSeconds };
    await command.ExecuteNonQueryAsync();
}

static async Task<long> CountAsync(string connectionString, Options options)
{
    try
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM workflow_executions", connection);
        var executions = (long)(await command.ExecuteScalarAsync())!;
        return executions >= options.Executions ? executions : 0;
    }
    catch (PostgresException)
    {
        return 0;
    }
}

static async Task<Dictionary<string, long>> RowCountsAsync(string connectionString)
{
    var counts = new Dictionary<string, long>();
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    foreach (var table in new[] { "workflows", "workflow_triggers", "workflow_executions" })
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        counts[table] = (long)(await command.ExecuteScalarAsync())!;
    }

    return counts;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string Machine()
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim()
        : null;
    var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
    return new StringBuilder().Append(Environment.ProcessorCount).Append(" cores, ").Append(cpu ?? "unknown CPU")
        .Append(", load average at start ").Append(load).Append(", ").Append(Environment.OSVersion).ToString();
}

internal sealed record RpcResult(string Rpc, int Calls, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs, string SampleResponse);

internal sealed class Report
{
    public string Machine { get; set; } = string.Empty;
    public int Deployments { get; set; }
    public int Executions { get; set; }
    public int Calls { get; set; }
    public double? SeedSeconds { get; set; }
    public Dictionary<string, long> Rows { get; set; } = [];
    public List<RpcResult> Results { get; } = [];
    public string LoadAverageAfter { get; set; } = string.Empty;
}

internal sealed record Options(string Postgres, string Database, int Deployments, int Executions, int Calls, string Output, bool KeepData)
{
    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        return new Options(
            Value("--postgres", "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime"),
            Value("--database", "wr_bench_monitoring"),
            int.Parse(Value("--deployments", "100000"), CultureInfo.InvariantCulture),
            int.Parse(Value("--executions", "1000000"), CultureInfo.InvariantCulture),
            int.Parse(Value("--calls", "200"), CultureInfo.InvariantCulture),
            Value("--output", "docs/benchmarks/monitoring-results"),
            args.Contains("--keep-data"));
    }
}
