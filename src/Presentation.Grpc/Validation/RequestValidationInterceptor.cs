using Ardalis.Result;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.Presentation.Grpc.Validation;

/// <summary>
/// Runs <see cref="RequestValidator"/> on every unary request before its handler: a refused request never reaches a
/// use case, so it writes nothing, and it is answered through the one status mapper like every other failure.
/// </summary>
internal sealed partial class RequestValidationInterceptor(RequestValidator validator, ILogger<RequestValidationInterceptor> logger)
    : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        if (request is IMessage message)
        {
            var violations = validator.Validate(message);
            if (violations.Count > 0)
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    // Field paths only: the values are the caller's and may be anything.
                    var fields = string.Join(",", violations.Select(v => v.Identifier));
                    RequestRefused(logger, context.Method, violations.Count, fields);
                }
                throw ResultStatusMapper.ToRpcException(Result.Invalid([.. violations]));
            }
        }

        return continuation(request, context);
    }

    [LoggerMessage(EventId = 210, EventName = "request_refused", Level = LogLevel.Information,
        Message = "Refused {RpcMethod}: {ViolationCount} field violations ({Fields})")]
    private static partial void RequestRefused(ILogger logger, string rpcMethod, int violationCount, string fields);
}
