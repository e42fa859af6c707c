using WorkflowRuntime.Application.Security;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>
/// The same rule on the plain HTTP port: <c>/health/live</c> and <c>/health/ready</c> stay open for probes; every
/// other path (<c>/health</c> details, <c>/metrics</c>, whatever is added later) needs an API key allowed
/// <c>Http/&lt;first path segment&gt;</c> (<c>Http/health</c>, <c>Http/metrics</c>). A refusal is 401 (with
/// <c>WWW-Authenticate: Bearer</c>) or 403, with a JSON <c>error</c> saying what to do.
/// </summary>
internal sealed class HttpAuthorizationMiddleware(RequestDelegate next, CallerAuthorizer authorizer, ServerOptions server,
    ILogger<HttpAuthorizationMiddleware> logger)
{
    private static readonly string[] OpenPaths = ["/health/live", "/health/ready"];

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!authorizer.Enabled || context.Connection.LocalPort != server.HttpPort
            || OpenPaths.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var operation = RpcOperation.FromHttpPath(context.Request.Path.Value ?? string.Empty);
        var result = authorizer.Authorize(operation, context.Request.Headers.Authorization.ToString(), certificateName: null);
        if (result.IsSuccess)
        {
            CallerContext.Set(context, result.Value);
            using (logger.BeginScope(new Dictionary<string, object> { ["caller"] = result.Value.Name }))
            {
                await next(context);
            }

            return;
        }

        var unauthenticated = result.Status == Ardalis.Result.ResultStatus.Unauthorized;
        var reason = string.Join("; ", result.Errors);
        var peer = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        SecurityLog.CallRefused(logger, operation.ToString(), peer, unauthenticated ? "401" : "403", reason);
        if (unauthenticated)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        context.Response.StatusCode = unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.WriteAsJsonAsync(new { error = reason }, context.RequestAborted);
        }
    }
}
