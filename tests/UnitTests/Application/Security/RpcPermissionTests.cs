using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.UnitTests.Application.Security;

public sealed class RpcPermissionTests
{
    [Theory]
    [InlineData("WorkflowRuntimeService/TriggerWorkflow", "WorkflowRuntimeService", "TriggerWorkflow", true)]
    [InlineData("WorkflowRuntimeService/TriggerWorkflow", "WorkflowRuntimeService", "DeployWorkflow", false)]
    [InlineData("WorkflowRuntimeService/*", "WorkflowRuntimeService", "DeployWorkflow", true)]
    [InlineData("WorkflowRuntimeService/*", "MonitoringService", "GetSystemHealth", false)]
    [InlineData("MonitoringService/*", "MonitoringService", "GetSystemHealth", true)]
    [InlineData("Http/metrics", "Http", "metrics", true)]
    [InlineData("Http/metrics", "Http", "health", false)]
    [InlineData("workflowruntimeservice/triggerworkflow", "WorkflowRuntimeService", "TriggerWorkflow", false)]
    public void A_permission_allows_its_method_or_every_method_of_its_service(string permission, string service, string method, bool allowed)
    {
        var parsed = RpcPermission.TryParse(permission, out var error);

        Assert.NotNull(parsed);
        Assert.Empty(error);
        Assert.Equal(allowed, parsed.Allows(new RpcOperation(service, method)));
        Assert.Equal(permission, parsed.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("*/*")]
    [InlineData("*/TriggerWorkflow")]
    [InlineData("WorkflowRuntimeService")]
    [InlineData("WorkflowRuntimeService/")]
    [InlineData("WorkflowRuntimeService/Trigger*")]
    [InlineData("a/b/c")]
    [InlineData("Workflow Runtime/x")]
    public void Anything_else_is_not_a_permission(string? permission)
    {
        Assert.Null(RpcPermission.TryParse(permission, out var error));
        Assert.Contains("is not 'Service/Method' or 'Service/*'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/workflow_runtime.v1.WorkflowRuntimeService/TriggerWorkflow", "WorkflowRuntimeService", "TriggerWorkflow")]
    [InlineData("/workflow_runtime.v1.MonitoringService/GetSystemHealth", "MonitoringService", "GetSystemHealth")]
    [InlineData("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "ServerReflection", "ServerReflectionInfo")]
    [InlineData("/Plain/Call", "Plain", "Call")]
    [InlineData("NoSlash", "NoSlash", "")]
    public void A_grpc_method_path_is_named_by_its_short_service_and_method(string path, string service, string method) =>
        Assert.Equal(new RpcOperation(service, method), RpcOperation.FromGrpcMethod(path));

    [Theory]
    [InlineData("/health", "health")]
    [InlineData("/metrics", "metrics")]
    [InlineData("/Health/details", "health")]
    [InlineData("/", "")]
    [InlineData("", "")]
    public void An_http_path_is_named_by_its_first_segment(string path, string method)
    {
        var operation = RpcOperation.FromHttpPath(path);

        Assert.Equal(new RpcOperation("Http", method), operation);
        Assert.Equal($"Http/{method}", operation.ToString());
    }
}
