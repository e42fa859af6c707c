using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using StackExchange.Redis;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>
/// Which exceptions of a Redis call mean "the lock store is unavailable". Redis is the fast path only (ADR 0008):
/// however it fails — refused, reset, stalled, timed out, or the client cancelling its own pending commands while
/// it reconnects — the admission must go on to the database fence, so every such failure becomes the one
/// <see cref="WorkflowRuntime.Domain.Ports.LockUnavailableException"/>. The caller's own cancellation is not a
/// failure of the store and stays a cancellation.
/// </summary>
internal static class RedisFailures
{
    public static bool IsLockStoreFailure(Exception exception, CancellationToken callerToken) => exception switch
    {
        // RedisConnectionException, RedisTimeoutException, RedisServerException (LOADING, BUSY, READONLY …).
        RedisException => true,
        TimeoutException => true,
        // A TaskCanceledException the caller did not ask for: the client abandoned the command (seen with a
        // stalled server), or our own bound expired.
        OperationCanceledException => !callerToken.IsCancellationRequested,
        // The multiplexer (or its socket) was torn down while reconnecting.
        ObjectDisposedException => true,
        IOException or SocketException => true,
        // The client reading a pipe its own reconnect had just completed ("Reading is not allowed after reader was
        // completed", seen with Redis stopped under load): the connection's failure, not ours. An
        // InvalidOperationException from anywhere else stays a bug and is not hidden as an outage.
        InvalidOperationException => IsThrownInsideTheClient(exception),
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(inner => IsLockStoreFailure(inner, callerToken)),
        _ => false,
    };

    private static readonly System.Reflection.Assembly[] ClientAssemblies =
        [typeof(IConnectionMultiplexer).Assembly, typeof(PipeReader).Assembly];

    private static bool IsThrownInsideTheClient(Exception exception) =>
        new StackTrace(exception, fNeedFileInfo: false).GetFrames()
            .Any(frame => frame.GetMethod()?.DeclaringType?.Assembly is { } assembly && ClientAssemblies.Contains(assembly));

    /// <summary>A short reason for the log and the admission's warning; no stack, no payload.</summary>
    public static string Describe(Exception exception, TimeSpan timeout) => exception switch
    {
        RedisTimeoutException => exception.Message,
        TimeoutException or OperationCanceledException => $"no answer within {timeout.TotalMilliseconds:0} ms",
        ObjectDisposedException => "the connection was being rebuilt",
        _ => exception.Message,
    };
}
