using System.Diagnostics;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>Every call's latency and outcome, from many workers at once (a lock per call is nothing beside a gRPC round trip).</summary>
internal sealed class CallRecorder
{
    private const int MaxErrorSamples = 5;
    private readonly Lock _gate = new();
    private readonly List<double> _latenciesMs = [];
    private readonly Dictionary<string, long> _okStatuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _errorCodes = new(StringComparer.Ordinal);
    private readonly List<string> _errorSamples = [];
    private readonly List<long> _acceptedAt = [];
    private readonly List<long> _skippedAt = [];

    /// <summary>An OK answer; <paramref name="status"/> is the execution's status in it (SKIPPED counts as a failure of the run).</summary>
    public void Ok(double latencyMs, ExecutionStatus status) => Ok(latencyMs, StatusName(status));

    public void Ok(double latencyMs, string status)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _latenciesMs.Add(latencyMs);
            _okStatuses[status] = _okStatuses.GetValueOrDefault(status) + 1;
            (status == SkippedStatus ? _skippedAt : _acceptedAt).Add(now);
        }
    }

    /// <summary>Accepted calls (or, with <paramref name="skipped"/>, SKIPPED ones) answered between two <see cref="Stopwatch"/> timestamps.</summary>
    public long AnsweredBetween(long from, long to, bool skipped = false)
    {
        lock (_gate)
        {
            return (skipped ? _skippedAt : _acceptedAt).Count(at => at >= from && at < to);
        }
    }

    public void Failed(double latencyMs, RpcException error) => Failed(latencyMs, error.StatusCode.ToString(), error.Status.Detail);

    public void Failed(double latencyMs, string code, string detail)
    {
        lock (_gate)
        {
            _latenciesMs.Add(latencyMs);
            _errorCodes[code] = _errorCodes.GetValueOrDefault(code) + 1;
            if (_errorSamples.Count < MaxErrorSamples)
            {
                _errorSamples.Add($"{code}: {(detail.Length <= 300 ? detail : detail[..300] + "…")}");
            }
        }
    }

    /// <summary>The figures over <paramref name="seconds"/> of load (from the first call to the last answer).</summary>
    public CallFigures Figures(double seconds)
    {
        lock (_gate)
        {
            var ok = _okStatuses.Values.Sum();
            var skipped = _okStatuses.GetValueOrDefault(SkippedStatus);
            var accepted = ok - skipped;
            return new CallFigures(
                _latenciesMs.Count,
                ok,
                accepted,
                skipped,
                _errorCodes.Values.Sum(),
                Math.Round(seconds, 3),
                Math.Round(accepted / seconds, 1),
                Distribution.Of(_latenciesMs).Rounded(),
                new SortedDictionary<string, long>(_okStatuses, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_errorCodes, StringComparer.Ordinal),
                [.. _errorSamples]);
        }
    }

    public const string SkippedStatus = "SKIPPED";

    /// <summary>EXECUTION_STATUS_RUNNING → RUNNING, as the API reference names them.</summary>
    public static string StatusName(ExecutionStatus status) => status switch
    {
        ExecutionStatus.New => "NEW",
        ExecutionStatus.Running => "RUNNING",
        ExecutionStatus.Success => "SUCCESS",
        ExecutionStatus.Error => "ERROR",
        ExecutionStatus.Canceled => "CANCELED",
        ExecutionStatus.Timeout => "TIMEOUT",
        ExecutionStatus.Skipped => SkippedStatus,
        _ => "UNSPECIFIED",
    };
}

/// <summary>
/// What the callers saw. Accepted = OK with an execution that is not SKIPPED (for the floor: cycles completed);
/// <see cref="AcceptedPerSecond"/> is over the load's wall time.
/// </summary>
internal sealed record CallFigures(
    long Calls,
    long Ok,
    long Accepted,
    long Skipped,
    long Failed,
    double Seconds,
    double AcceptedPerSecond,
    Distribution LatencyMs,
    IReadOnlyDictionary<string, long> OkStatuses,
    IReadOnlyDictionary<string, long> ErrorCodes,
    IReadOnlyList<string> ErrorSamples);

internal static class DistributionRounding
{
    public static Distribution Rounded(this Distribution d) =>
        new(d.Count, Math.Round(d.Min, 2), Math.Round(d.P50, 2), Math.Round(d.P95, 2), Math.Round(d.P99, 2), Math.Round(d.Max, 2), Math.Round(d.Mean, 2));
}
