using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>Argument checks shared by both lock implementations, so they refuse the same input the same way.</summary>
internal static class LockArguments
{
    public static void ValidateWorkflowId(string workflowId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
    }

    /// <summary>Redis expiries are whole milliseconds, so anything shorter than one would be an invalid PX.</summary>
    public static long ValidateTtl(TimeSpan ttl, string paramName)
    {
        if (ttl < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(paramName, ttl, "The lock TTL must be at least 1 ms.");
        }

        return (long)Math.Ceiling(ttl.TotalMilliseconds);
    }

    public static void ValidateHandle(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentException.ThrowIfNullOrEmpty(handle.Key);
        ArgumentException.ThrowIfNullOrEmpty(handle.Token);
    }
}
