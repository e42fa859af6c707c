using Google.Rpc;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>Request builders and status assertions for the gRPC tests.</summary>
internal static class Requests
{
    public static DeployWorkflowRequest Deploy(string userId = "user-1", params TriggerSpec[] triggers)
    {
        var request = new DeployWorkflowRequest
        {
            UserId = userId,
            Name = "nightly report",
            Description = "sends the nightly report",
            WorkflowDefinition = Samples.DefinitionJson,
            Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.Skip, ExecutionTimeoutSeconds = 600 },
        };
        request.Triggers.AddRange(triggers);
        return request;
    }

    public static TriggerSpec Cron(string expression, string timezone = "", int window = 0) =>
        new() { Cron = new CronTriggerSpec { CronExpression = expression, Timezone = timezone, JitterWindowSeconds = window } };

    public static TriggerSpec Webhook(string path, params string[] methods) =>
        new() { Webhook = new WebhookTriggerSpec { Path = path, Methods = { methods } } };

    public static TriggerSpec Manual() => new() { Manual = new ManualTriggerSpec() };

    /// <summary>Asserts the call fails with <paramref name="code"/> and returns the exception for further checks.</summary>
    public static async Task<RpcException> FailsWith<T>(StatusCode code, AsyncUnaryCall<T> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(code, error.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), "a failed call must say why");
        return error;
    }

    /// <summary>The fields named by the google.rpc.BadRequest detail of an INVALID_ARGUMENT.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}
