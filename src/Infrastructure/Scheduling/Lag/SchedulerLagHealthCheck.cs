using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Diagnostics;

namespace WorkflowRuntime.Infrastructure.Scheduling.Lag;

/// <summary>
/// The <c>scheduler</c> health entry: degraded (never down: a late scheduler still serves every other call, and
/// taking it out of rotation would only add to the backlog) while the lag is past
/// <see cref="SchedulingOptions.LagDegradedAfterSeconds"/> or cannot be measured. Each check also refreshes the
/// lag gauges, and a change between on time and behind is logged once, not at every check.
/// </summary>
internal sealed partial class SchedulerLagHealthCheck(
    ISchedulerLagProbe probe, IOptions<SchedulingOptions> options, TimeSpan timeout, ILogger<SchedulerLagHealthCheck> logger)
    : IDependencyHealthCheck
{
    private int _behind;

    public string Name => "scheduler";

    public bool IsCritical => false;

    public async Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var bound = TimeSpan.FromSeconds(options.Value.LagDegradedAfterSeconds);
        var watch = Stopwatch.StartNew();
        // The bound cancels the probe's query too, so a stalled store does not keep a connection past the check;
        // WaitAsync is the backstop for a probe that ignores its token.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var lag = await probe.MeasureAsync(bounded.Token).WaitAsync(timeout, cancellationToken);
            TelemetryGauges.SetSchedulerLag(lag.Behind.TotalSeconds, lag.DueUnfired);
            var onTime = lag.Behind <= bound;
            NoteChange(onTime, lag, bound);
            var message = lag.DueUnfired == 0
                ? "on time: no occurrence is due and unfired"
                : $"{(onTime ? "on time" : "behind")}: {lag.DueUnfired} occurrences due and unfired, the oldest due {lag.Behind.TotalSeconds:0.0} s ago (degraded past {bound.TotalSeconds:0} s)";
            return new DependencyHealth(Name, onTime, watch.Elapsed.TotalMilliseconds, message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is TimeoutException || bounded.IsCancellationRequested
                ? $"no answer within {timeout.TotalMilliseconds:0} ms"
                : ex.GetBaseException().Message;
            return new DependencyHealth(Name, false, watch.Elapsed.TotalMilliseconds, $"lag unknown: the job store did not answer ({reason})");
        }
    }

    private void NoteChange(bool onTime, SchedulerLag lag, TimeSpan bound)
    {
        if (!onTime && Interlocked.Exchange(ref _behind, 1) == 0)
        {
            SchedulerBehind(logger, lag.Behind.TotalSeconds, lag.DueUnfired, bound.TotalSeconds);
        }
        else if (onTime && Interlocked.Exchange(ref _behind, 0) == 1)
        {
            SchedulerCaughtUp(logger, lag.Behind.TotalSeconds, bound.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 3030, EventName = "scheduler_behind", Level = LogLevel.Warning,
        Message = "The scheduler is {LagSeconds:0.0} s behind with {DueUnfired} occurrences due and unfired (bound {BoundSeconds} s); health reports degraded, and occurrences later than the catch-up window will be recorded as missed. Add replicas or spread the schedules (jitter) if it lasts")]
    private static partial void SchedulerBehind(ILogger logger, double lagSeconds, long dueUnfired, double boundSeconds);

    [LoggerMessage(EventId = 3031, EventName = "scheduler_caught_up", Level = LogLevel.Information,
        Message = "The scheduler caught up: {LagSeconds:0.0} s behind, within the bound of {BoundSeconds} s")]
    private static partial void SchedulerCaughtUp(ILogger logger, double lagSeconds, double boundSeconds);
}
