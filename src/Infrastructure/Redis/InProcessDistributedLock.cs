using Microsoft.Extensions.Options;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>
/// <see cref="IDistributedLock"/> for the embedded profile (one process, no Redis), with the Redis adapter's
/// semantics: a random token per acquisition, a lease that expires on <see cref="TimeProvider"/>'s clock, and
/// release or renewal only by the token that holds the lock.
/// </summary>
public sealed class InProcessDistributedLock : IDistributedLock
{
    private readonly Lock _gate = new();
    // At most one entry per workflow, so the table is bounded by the number of workflows.
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly RedisOptions _options;
    private readonly TimeProvider _timeProvider;

    public InProcessDistributedLock(IOptions<RedisOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    public Task<LockHandle?> AcquireLockAsync(
        string workflowId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateWorkflowId(workflowId);
        var ttlMs = LockArguments.ValidateTtl(ttl ?? _options.DefaultLockTtl, nameof(ttl));
        cancellationToken.ThrowIfCancellationRequested();
        var key = _options.KeyFor(workflowId);

        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            if (_leases.TryGetValue(key, out var current) && !current.HasExpired(now))
            {
                return Task.FromResult<LockHandle?>(null);
            }

            var lease = new Lease(LockToken.New(), now.AddMilliseconds(ttlMs));
            _leases[key] = lease;
            return Task.FromResult<LockHandle?>(new LockHandle(workflowId, key, lease.Token, lease.ExpiresAt));
        }
    }

    public Task<bool> ReleaseLockAsync(LockHandle handle, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateHandle(handle);
        cancellationToken.ThrowIfCancellationRequested();

        lock (_gate)
        {
            var held = FindHeldLease(handle) is not null;
            if (held)
            {
                _leases.Remove(handle.Key);
            }

            return Task.FromResult(held);
        }
    }

    public LockHandle RestoreHandle(string workflowId, string token)
    {
        LockArguments.ValidateWorkflowId(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new LockHandle(workflowId, _options.KeyFor(workflowId), token, _timeProvider.GetUtcNow());
    }

    public Task<bool> ExtendLockAsync(LockHandle handle, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateHandle(handle);
        var ttlMs = LockArguments.ValidateTtl(ttl, nameof(ttl));
        cancellationToken.ThrowIfCancellationRequested();

        lock (_gate)
        {
            var lease = FindHeldLease(handle);
            if (lease is not null)
            {
                // Like PEXPIRE: the new lease counts from now, whether that is longer or shorter than what was left.
                _leases[handle.Key] = lease with { ExpiresAt = _timeProvider.GetUtcNow().AddMilliseconds(ttlMs) };
            }

            return Task.FromResult(lease is not null);
        }
    }

    public async Task<int> ExtendLocksAsync(IReadOnlyCollection<LockHandle> leases, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var renewed = 0;
        foreach (var handle in leases)
        {
            renewed += await ExtendLockAsync(handle, ttl, cancellationToken) ? 1 : 0;
        }

        return renewed;
    }

    /// <summary>The unexpired lease the handle's token holds, or null; an expired lease is dropped on the way.</summary>
    private Lease? FindHeldLease(LockHandle handle)
    {
        if (!_leases.TryGetValue(handle.Key, out var lease))
        {
            return null;
        }

        if (lease.HasExpired(_timeProvider.GetUtcNow()))
        {
            _leases.Remove(handle.Key);
            return null;
        }

        return string.Equals(lease.Token, handle.Token, StringComparison.Ordinal) ? lease : null;
    }

    private sealed record Lease(string Token, DateTimeOffset ExpiresAt)
    {
        public bool HasExpired(DateTimeOffset now) => now >= ExpiresAt;
    }
}
