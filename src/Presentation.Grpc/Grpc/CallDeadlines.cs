using Grpc.Core;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

internal static class CallDeadlines
{
    /// <summary>The call's deadline as an instant, or null when the client set none (gRPC reports <see cref="DateTime.MaxValue"/>).</summary>
    public static DateTimeOffset? CallDeadline(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Deadline == DateTime.MaxValue
            ? null
            : new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));
    }

    /// <summary>True when the call's deadline has passed: a cancellation then is the deadline's, not the client's.</summary>
    public static bool DeadlinePassed(this ServerCallContext context, DateTimeOffset now) =>
        context.CallDeadline() is { } deadline && deadline <= now;
}
