using Microsoft.Extensions.Logging;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>
/// Writes the accumulated fires with one statement. A failed write logs a warning and gives the tallies back to
/// the accumulator, so the next flush (or the one at shutdown) writes them: counts are late, never lost while the
/// process lives.
/// </summary>
public sealed partial class TriggerCounterFlusher(TriggerFireAccumulator accumulator, ILogger<TriggerCounterFlusher> logger)
{
    /// <returns>The number of triggers written (0 when there was nothing to write or the write failed).</returns>
    public async Task<int> FlushAsync(ITriggerCounterStore store, TimeSpan retryIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var tallies = accumulator.Drain();
        if (tallies.Count == 0)
        {
            return 0;
        }

        try
        {
            await store.AddFiresAsync(tallies, cancellationToken);
            return tallies.Count;
        }
        catch (OperationCanceledException)
        {
            accumulator.Restore(tallies);
            throw;
        }
        catch (Exception ex)
        {
            accumulator.Restore(tallies);
            FlushFailed(logger, tallies.Count, tallies.Sum(t => t.Fires), retryIn.TotalSeconds, ex.Message, ex);
            return 0;
        }
    }

    [LoggerMessage(EventId = 8001, EventName = "trigger_counters_flush_failed", Level = LogLevel.Warning,
        Message = "Could not write the fire counts of {TriggerCount} triggers ({FireCount} fires); keeping them and retrying in {RetryInSeconds} s: {Reason}")]
    private static partial void FlushFailed(ILogger logger, int triggerCount, long fireCount, double retryInSeconds, string reason, Exception exception);
}
