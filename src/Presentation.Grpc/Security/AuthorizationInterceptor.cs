using Grpc.Core;
using Grpc.Core.Interceptors;
using WorkflowRuntime.Application.Security;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>
/// Authenticates and authorizes every gRPC call before its handler runs, so a refused call writes nothing
/// (ADR 0012). The refusal is the authorizer's <c>Unauthorized</c>/<c>Forbidden</c> result, turned into status by
/// <see cref="ResultStatusMapper"/> like every other failure. An admitted caller's name goes into the logging scope
/// of the call as <c>caller</c>. <c>grpc.health.v1</c> stays open, like <c>/health/ready</c>.
/// </summary>
internal sealed class AuthorizationInterceptor(CallerAuthorizer authorizer, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    private const string OpenService = "Health";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var scope = Admit(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var scope = Admit(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var scope = Admit(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var scope = Admit(context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>Throws the mapped <see cref="RpcException"/> when the call is refused; otherwise the caller's log scope.</summary>
    private IDisposable? Admit(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var operation = RpcOperation.FromGrpcMethod(context.Method);
        if (!authorizer.Enabled || operation.Service == OpenService)
        {
            return null;
        }

        var http = context.GetHttpContext();
        var certificate = http.Connection.ClientCertificate;
        var result = authorizer.Authorize(operation, context.RequestHeaders.GetValue("authorization"),
            certificate is null ? null : ClientCertificateValidator.CallerName(certificate));
        if (!result.IsSuccess)
        {
            var refusal = ResultStatusMapper.ToRpcException(result);
            SecurityLog.CallRefused(logger, operation.ToString(), context.Peer, refusal.StatusCode.ToString(), refusal.Status.Detail);
            throw refusal;
        }

        CallerContext.Set(http, result.Value);
        return logger.BeginScope(new Dictionary<string, object> { ["caller"] = result.Value.Name });
    }
}
