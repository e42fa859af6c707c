using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// The definition update the deployment-fence tests make (the sample's <c>send</c> node replaced by <c>notify</c>),
/// and the check that the engine ran the old definition first and the new one after it.
/// </summary>
internal static class DefinitionChange
{
    public const string NewDefinitionJson =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"notify","type":"slack"}],"connections":[{"source":"start","target":"notify"}]}""";

    /// <summary>What an accepted trigger answers: the engine took the run (it may already have ended).</summary>
    public static readonly ExecutionStatus[] Started = [ExecutionStatus.Running, ExecutionStatus.Success];

    public static void AssertEngineRanOldThenNew(IReadOnlyList<SimulatedExecution> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        Assert.Equal(2, seen.Count);
        Assert.Contains("\"send\"", seen[0].WorkflowDefinition, StringComparison.Ordinal);
        Assert.Contains("\"notify\"", seen[1].WorkflowDefinition, StringComparison.Ordinal);
        Assert.DoesNotContain("\"send\"", seen[1].WorkflowDefinition, StringComparison.Ordinal);
    }
}
