using WorkflowRuntime.Application.Common;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Refuses to admit a trigger whose caller can no longer receive the answer. A row committed after the caller's
/// deadline is a run the caller never hears of; a caller that retries without an idempotency key then starts a
/// second one. So the last moment to give up is just before the insert: the caller's token is checked (its own
/// cancellation stays a cancellation) and so is the deadline minus a margin for the insert itself. Once the row is
/// committed the run proceeds whatever happens to the call (see the API reference, "Deadlines").
/// </summary>
internal static class AdmissionDeadline
{
    public static void ThrowIfTooLate(DateTimeOffset? deadline, DateTimeOffset now, TimeSpan margin, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (deadline is { } due && due - now < margin)
        {
            var left = (due - now).TotalMilliseconds;
            throw new AdmissionDeadlineExceededException(left <= 0
                ? "the call's deadline passed before the trigger was admitted; nothing was recorded. Retry with a longer deadline (and an idempotency_key)."
                : $"the call's deadline leaves {left:0} ms, less than the {margin.TotalMilliseconds:0} ms needed to admit the trigger; nothing was recorded. Retry with a longer deadline (and an idempotency_key).");
        }
    }
}
