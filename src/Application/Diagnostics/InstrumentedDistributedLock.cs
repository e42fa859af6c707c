using System.Diagnostics;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Diagnostics;

/// <summary>
/// Wraps the lock port (Redis or in-process) with the <c>lock.acquire</c> span and the
/// <c>workflow_runtime.lock.acquires</c> counter by outcome: acquired, held (someone else has it) or unavailable
/// (the store did not answer; the database fence alone decides then), or error (canceled).
/// </summary>
public sealed class InstrumentedDistributedLock(IDistributedLock inner) : IDistributedLock
{
    public const string Acquired = "acquired";
    public const string Held = "held";
    public const string Unavailable = "unavailable";

    /// <summary>Anything else (a canceled call): neither a verdict of the lock nor of its store.</summary>
    public const string Failed = "error";

    public async Task<LockHandle?> AcquireLockAsync(string workflowId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        using var activity = WorkflowRuntimeTelemetry.ActivitySource.StartActivity("lock.acquire", ActivityKind.Internal);
        activity?.SetTag("workflow_runtime.workflow_id", workflowId);
        var outcome = Failed;
        try
        {
            var handle = await inner.AcquireLockAsync(workflowId, ttl, cancellationToken);
            outcome = handle is null ? Held : Acquired;
            return handle;
        }
        catch (LockUnavailableException ex)
        {
            outcome = Unavailable;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            activity?.SetTag("workflow_runtime.outcome", outcome);
            WorkflowRuntimeTelemetry.LockAcquires.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public Task<bool> ReleaseLockAsync(LockHandle handle, CancellationToken cancellationToken = default) =>
        inner.ReleaseLockAsync(handle, cancellationToken);

    public Task<bool> ExtendLockAsync(LockHandle handle, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        inner.ExtendLockAsync(handle, ttl, cancellationToken);

    public Task<int> ExtendLocksAsync(IReadOnlyCollection<LockHandle> leases, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        inner.ExtendLocksAsync(leases, ttl, cancellationToken);

    public LockHandle RestoreHandle(string workflowId, string token) => inner.RestoreHandle(workflowId, token);
}
