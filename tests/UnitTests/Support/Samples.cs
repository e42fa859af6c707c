using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Support;

/// <summary>Valid building blocks shared by the tests.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public const string DefinitionJson =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"send","type":"http"}],"connections":[{"source":"start","target":"send"}]}""";

    public static WorkflowDefinition Definition => WorkflowDefinition.Parse(DefinitionJson);

    public static Deployment Draft(Guid? id = null, DateTimeOffset? at = null) =>
        Deployment.CreateDraft(id ?? Guid.NewGuid(), "user-1", "Daily report", "sends the report", Definition, at ?? Now);

    public static Deployment Deployed(params TriggerSpec[] triggers)
    {
        var deployment = Draft();
        deployment.Deploy(triggers.Length == 0 ? [CronTriggerSpec.Create("0 9 * * *")] : triggers, DeploymentConfig.Default, Now);
        return deployment;
    }

    public static Deployment Paused()
    {
        var deployment = Deployed();
        deployment.Pause("maintenance", Now);
        return deployment;
    }

    public static Deployment Archived()
    {
        var deployment = Deployed();
        deployment.Archive(Now);
        return deployment;
    }

    public static Deployment InStatus(DeploymentStatus status) => status switch
    {
        DeploymentStatus.Draft => Draft(),
        DeploymentStatus.Deployed => Deployed(),
        DeploymentStatus.Paused => Paused(),
        DeploymentStatus.Archived => Archived(),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
