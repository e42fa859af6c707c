namespace WorkflowRuntime.Application.Security;

/// <summary>
/// What a caller asks to do, named as the API key file names it: <c>Service/Method</c> with the short service name
/// (<c>WorkflowRuntimeService/TriggerWorkflow</c>), or <c>Http/&lt;first path segment&gt;</c> for the HTTP port
/// (<c>Http/health</c>, <c>Http/metrics</c>).
/// </summary>
public readonly record struct RpcOperation(string Service, string Method)
{
    public const string HttpService = "Http";

    /// <summary>From a gRPC method path such as <c>/workflow_runtime.v1.WorkflowRuntimeService/TriggerWorkflow</c>.</summary>
    public static RpcOperation FromGrpcMethod(string method)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var trimmed = method.TrimStart('/');
        var slash = trimmed.LastIndexOf('/');
        var service = slash < 0 ? trimmed : trimmed[..slash];
        var name = slash < 0 ? string.Empty : trimmed[(slash + 1)..];
        // The package is left out on purpose: the key file stays readable and survives a v1 → v2 package bump.
        var dot = service.LastIndexOf('.');
        return new RpcOperation(dot < 0 ? service : service[(dot + 1)..], name);
    }

    /// <summary>From an HTTP request path: <c>/metrics</c> → <c>Http/metrics</c>, <c>/health</c> → <c>Http/health</c>.</summary>
    public static RpcOperation FromHttpPath(string path)
    {
        var segment = (path ?? string.Empty).Trim('/').Split('/', 2)[0];
        return new RpcOperation(HttpService, segment.ToLowerInvariant());
    }

    public override string ToString() => $"{Service}/{Method}";
}
