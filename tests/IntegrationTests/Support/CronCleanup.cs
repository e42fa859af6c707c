using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>After a test with cron triggers: archiving removes their Quartz jobs, so none keeps firing into the next test.</summary>
internal static class CronCleanup
{
    public static async Task ArchiveAllAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient client)
    {
        foreach (var id in await PostgresDatabase.QueryAsync("SELECT id FROM workflows WHERE deployment_status <> 'ARCHIVED'", r => r.GetGuid(0)))
        {
            await client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = id.ToString() });
        }
    }
}
