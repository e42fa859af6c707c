using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

/// <summary>
/// The gRPC pipeline's outer layer: a logging scope per call (method, trace id), and the last word on exceptions
/// nothing mapped — they become <c>INTERNAL</c> with the trace id to quote, never a stack trace on the wire.
/// </summary>
internal sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var traceId = Activity.Current?.TraceId.ToHexString() ?? context.GetHttpContext().TraceIdentifier;
        // The formatter writes trace_id from the current activity; the scope adds only what it cannot know.
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["rpc_method"] = context.Method });
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw context.DeadlinePassed(DateTimeOffset.UtcNow)
                ? new RpcException(new global::Grpc.Core.Status(StatusCode.DeadlineExceeded,
                    "the call's deadline passed before the server finished; if it was a trigger, retry with the same idempotency_key"))
                : new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was canceled by the client"));
        }
        catch (Exception ex)
        {
            RpcFailed(logger, context.Method, traceId, ex);
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.Internal,
                $"internal error; quote trace id {traceId} when reporting it"));
        }
    }

    [LoggerMessage(EventId = 200, EventName = "rpc_failed", Level = LogLevel.Error,
        Message = "Unhandled error in {RpcMethod} (trace {TraceId})")]
    private static partial void RpcFailed(ILogger logger, string rpcMethod, string traceId, Exception exception);
}
