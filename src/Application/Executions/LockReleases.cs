using Microsoft.Extensions.Logging;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

internal static class LockReleases
{
    /// <summary>
    /// Releases a workflow lock if there is one. The lock store being down is logged, not thrown: the lease runs out
    /// on its own, and the database fence never depended on the lock.
    /// </summary>
    public static async Task ReleaseQuietlyAsync(this IDistributedLock locks, LockHandle? handle, ILogger logger)
    {
        if (handle is null)
        {
            return;
        }

        try
        {
            await locks.ReleaseLockAsync(handle, CancellationToken.None);
        }
        catch (LockUnavailableException ex)
        {
            ExecutionLog.LockStoreUnavailable(logger, handle.WorkflowId, ex.Message);
        }
    }
}
