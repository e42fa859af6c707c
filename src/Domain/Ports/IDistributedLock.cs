namespace WorkflowRuntime.Domain.Ports;

/// <summary>
/// A per-workflow mutual-exclusion lock with a lease. Fast path only: the database's exclusive-execution index is
/// the source of truth, so an implementation may be unavailable without breaking the one-run-at-a-time guarantee.
/// </summary>
public interface IDistributedLock
{
    /// <summary>Takes the lock if nobody holds it; null when it is held. Throws <see cref="LockUnavailableException"/> when the store cannot be reached.</summary>
    Task<LockHandle?> AcquireLockAsync(string workflowId, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Releases the lock only if <paramref name="handle"/> still holds it; false otherwise.</summary>
    Task<bool> ReleaseLockAsync(LockHandle handle, CancellationToken cancellationToken = default);

    /// <summary>Renews the lease only if <paramref name="handle"/> still holds it; false otherwise.</summary>
    Task<bool> ExtendLockAsync(LockHandle handle, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renews many leases in one exchange with the store (the tracker's heartbeat for every run it follows); each
    /// only if its handle still holds the lock. Returns how many were renewed.
    /// </summary>
    Task<int> ExtendLocksAsync(IReadOnlyCollection<LockHandle> leases, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rebuilds the handle of a lock taken elsewhere (by an instance that died) from its stored token, so the run's
    /// adopter can renew or release it. Nothing is checked here: release and extend check the token.
    /// </summary>
    LockHandle RestoreHandle(string workflowId, string token);
}

/// <summary>Proof of holding a lock: the key and the random token written with it.</summary>
public sealed record LockHandle(string WorkflowId, string Key, string Token, DateTimeOffset ExpiresAt);

/// <summary>The lock store could not be reached or did not answer in time.</summary>
public sealed class LockUnavailableException : Exception
{
    public LockUnavailableException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
