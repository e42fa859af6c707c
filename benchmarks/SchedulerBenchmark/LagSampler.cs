using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>
/// Watches the scheduler's lag through the window two ways: the benchmark's own query of Quartz's table every
/// second (now minus the oldest due, unfired occurrence: the same definition as the service's gauge, measured
/// independently of it), and the service's <c>/health</c> every 5 s (is the <c>scheduler</c> entry degraded?).
/// </summary>
internal sealed class LagSampler : IAsyncDisposable
{
    private const string LagSql = """
        SELECT count(*), min(next_fire_time) FROM qrtz_triggers
        WHERE sched_name = 'workflow-runtime' AND trigger_group = 'workflows' AND trigger_state IN ('WAITING', 'ACQUIRED') AND next_fire_time <= @now
        """;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly double _boundSeconds;
    private double _peakLagSeconds;
    private long _peakDueUnfired;
    private int _samples;
    private int _samplesPastBound;
    private int _healthChecks;
    private int _healthDegraded;
    private int _failures;

    private LagSampler(NpgsqlConnection database, HttpClient http, double boundSeconds)
    {
        _boundSeconds = boundSeconds;
        _loop = RunAsync(database, http, _stop.Token);
    }

    /// <summary>Starts sampling on <paramref name="database"/> (the sampler's own connection) and the host's HTTP port.</summary>
    public static LagSampler Start(NpgsqlConnection database, int httpPort, double boundSeconds) =>
        new(database, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) }, boundSeconds);

    public async Task<LagFigures> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return new LagFigures(Math.Round(_peakLagSeconds, 2), _peakDueUnfired, _samples, _samplesPastBound, _boundSeconds,
            _healthChecks, _healthDegraded, _failures);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(NpgsqlConnection database, HttpClient http, CancellationToken cancellationToken)
    {
        using var _ = http;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await SampleLagAsync(database, cancellationToken);
                    if (tick++ % 5 == 0)
                    {
                        await SampleHealthAsync(http, cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or HttpRequestException or JsonException or TaskCanceledException
                                           && !cancellationToken.IsCancellationRequested)
                {
                    _failures++;
                    PhaseRunner.Progress("lag", $"a lag sample failed ({ex.GetType().Name}: {ex.Message}); the next is in 1 s");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task SampleLagAsync(NpgsqlConnection database, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await using var command = new NpgsqlCommand(LagSql, database);
        command.Parameters.AddWithValue("now", now.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var due = reader.GetInt64(0);
        var lag = reader.IsDBNull(1) ? 0 : Math.Max(0, (now - new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero)).TotalSeconds);
        _samples++;
        _peakLagSeconds = Math.Max(_peakLagSeconds, lag);
        _peakDueUnfired = Math.Max(_peakDueUnfired, due);
        if (lag > _boundSeconds)
        {
            _samplesPastBound++;
        }
    }

    private async Task SampleHealthAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var health = await http.GetFromJsonAsync<JsonDocument>("/health", cancellationToken)
            ?? throw new JsonException("/health answered no body");
        var scheduler = health.RootElement.GetProperty("dependencies").EnumerateArray()
            .Single(d => d.GetProperty("name").GetString() == "scheduler");
        _healthChecks++;
        if (!scheduler.GetProperty("healthy").GetBoolean())
        {
            _healthDegraded++;
        }
    }
}
