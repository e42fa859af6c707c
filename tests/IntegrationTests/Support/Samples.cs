using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>Valid domain objects and payloads to start tests from.</summary>
internal static class Samples
{
    public const string DefinitionJson =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"send","type":"http"}],"connections":[{"source":"start","target":"send"}]}""";

    public static WorkflowDefinition Definition { get; } = WorkflowDefinition.Parse(DefinitionJson);

    public static Deployment DeployedWorkflow(string userId = "user-1", DateTimeOffset? now = null, params TriggerSpec[] triggers)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        var deployment = Deployment.CreateDraft(Guid.NewGuid(), userId, "nightly report", "sends the report", Definition, at);
        deployment.Deploy(triggers.Length == 0 ? [CronTriggerSpec.Create("0 9 * * *")] : triggers, DeploymentConfig.Default, at);
        return deployment;
    }

    public static Execution RunningExclusive(Guid workflowId, string? idempotencyKey = null) =>
        Execution.Start(workflowId, ExecutionMode.Manual, new ExecutionRequest("{}", IdempotencyKey: idempotencyKey),
            OverlapPolicy.Skip, TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow);
}
