using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>
/// <see cref="IDistributedLock"/> over Redis: <c>SET key token NX PX ttl</c> to take a lock, Lua compare-and-delete
/// and compare-and-pexpire to release and renew it. Every call fails within the operation timeout (plus a small
/// margin) with <see cref="LockUnavailableException"/> when Redis cannot answer, whatever the way it fails
/// (<see cref="RedisFailures"/>); only the caller's own cancellation stays a cancellation.
/// </summary>
public sealed class DistributedLockManager : IDistributedLock
{
    // Both scripts touch the key only while it still holds the caller's token; GET + DEL in one script is atomic.
    private const string CompareAndDeleteScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private const string CompareAndExtendScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

    // Lets the client's own timeout fire first (its exception is the more precise one); ours is the backstop.
    private static readonly TimeSpan TimeoutMargin = TimeSpan.FromMilliseconds(200);

    private readonly RedisConnectionManager _connection;
    private readonly RedisOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DistributedLockManager> _logger;

    public DistributedLockManager(
        RedisConnectionManager connection,
        IOptions<RedisOptions> options,
        TimeProvider timeProvider,
        ILogger<DistributedLockManager> logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _connection = connection;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task<LockHandle?> AcquireLockAsync(
        string workflowId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateWorkflowId(workflowId);
        var lease = ttl ?? _options.DefaultLockTtl;
        var ttlMs = LockArguments.ValidateTtl(lease, nameof(ttl));
        var key = _options.KeyFor(workflowId);
        var token = LockToken.New();
        // Taken before the SET so the handle never claims a longer lease than Redis grants.
        var expiresAt = _timeProvider.GetUtcNow().AddMilliseconds(ttlMs);

        bool acquired;
        try
        {
            acquired = await RunBoundedAsync(
                "acquire",
                key,
                database => database.StringSetAsync(key, token, TimeSpan.FromMilliseconds(ttlMs), When.NotExists),
                cancellationToken);
        }
        catch (Exception ex) when (ex is LockUnavailableException or OperationCanceledException)
        {
            // Also on the caller's cancellation: the SET may have reached Redis before the caller gave up.
            _ = ReleaseAbandonedAsync(key, token, lease);
            throw;
        }

        if (!acquired)
        {
            _logger.LockContended(key);
            return null;
        }

        _logger.LockAcquired(key, ttlMs);
        return new LockHandle(workflowId, key, token, expiresAt);
    }

    public async Task<bool> ReleaseLockAsync(LockHandle handle, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateHandle(handle);

        var result = await RunBoundedAsync(
            "release",
            handle.Key,
            database => database.ScriptEvaluateAsync(
                CompareAndDeleteScript, [new RedisKey(handle.Key)], [new RedisValue(handle.Token)]),
            cancellationToken);

        var released = (long)result == 1;
        if (released)
        {
            _logger.LockReleased(handle.Key);
        }
        else
        {
            _logger.LockReleaseRefused(handle.Key);
        }

        return released;
    }

    public async Task<int> ExtendLocksAsync(IReadOnlyCollection<LockHandle> leases, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        foreach (var handle in leases)
        {
            LockArguments.ValidateHandle(handle);
        }

        var ttlMs = LockArguments.ValidateTtl(ttl, nameof(ttl));
        if (leases.Count == 0)
        {
            return 0;
        }

        // One batch: the scripts go out back to back on the multiplexed connection and come back in one round trip.
        var results = await RunBoundedAsync(
            "extend",
            $"{leases.Count} locks",
            async database =>
            {
                var batch = database.CreateBatch();
                var replies = leases.Select(handle => batch.ScriptEvaluateAsync(
                    CompareAndExtendScript, [new RedisKey(handle.Key)], [new RedisValue(handle.Token), ttlMs])).ToArray();
                batch.Execute();
                return await Task.WhenAll(replies);
            },
            cancellationToken);

        var renewed = results.Count(result => (long)result == 1);
        _logger.LocksExtended(renewed, leases.Count, ttlMs);
        return renewed;
    }

    public LockHandle RestoreHandle(string workflowId, string token)
    {
        LockArguments.ValidateWorkflowId(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new LockHandle(workflowId, _options.KeyFor(workflowId), token, _timeProvider.GetUtcNow());
    }

    public async Task<bool> ExtendLockAsync(LockHandle handle, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateHandle(handle);
        var ttlMs = LockArguments.ValidateTtl(ttl, nameof(ttl));

        var result = await RunBoundedAsync(
            "extend",
            handle.Key,
            database => database.ScriptEvaluateAsync(
                CompareAndExtendScript, [new RedisKey(handle.Key)], [new RedisValue(handle.Token), ttlMs]),
            cancellationToken);

        var extended = (long)result == 1;
        if (extended)
        {
            _logger.LockExtended(handle.Key, ttlMs);
        }
        else
        {
            _logger.LockExtendFailed(handle.Key);
        }

        return extended;
    }

    /// <summary>
    /// An acquire that timed out may still have taken the lock: the SET was sent, only its answer was late. Its key
    /// would then hold a token no handle knows, and every trigger of the workflow would be skipped as an overlap until
    /// the lease ran out. So a compare-and-delete of that token follows it on the same connection (Redis runs it after
    /// the SET); nobody waits for it, and if Redis is really gone the lease's TTL stays the bound.
    /// </summary>
    private async Task ReleaseAbandonedAsync(string key, string token, TimeSpan lease)
    {
        try
        {
            await ExecuteAsync(
                    database => database.ScriptEvaluateAsync(CompareAndDeleteScript, [new RedisKey(key)], [new RedisValue(token)]),
                    CancellationToken.None)
                .WaitAsync(lease, _timeProvider);
        }
        catch (Exception ex) when (RedisFailures.IsLockStoreFailure(ex, CancellationToken.None))
        {
            _logger.LockUnavailable("release abandoned", key, ex);
        }
    }

    /// <summary>Runs one Redis call, connecting first if needed, and turns every way Redis can fail into one exception.</summary>
    private async Task<T> RunBoundedAsync<T>(
        string operation, string key, Func<IDatabase, Task<T>> command, CancellationToken cancellationToken)
    {
        var timeout = _options.OperationTimeout + TimeoutMargin;
        try
        {
            return await ExecuteAsync(command, cancellationToken).WaitAsync(timeout, _timeProvider, cancellationToken);
        }
        catch (Exception ex) when (RedisFailures.IsLockStoreFailure(ex, cancellationToken))
        {
            _logger.LockUnavailable(operation, key, ex);
            var reason = RedisFailures.Describe(ex, timeout);
            throw new LockUnavailableException(
                $"Redis at {_connection.Endpoints} is unavailable: could not {operation} lock '{key}' ({reason}).", ex);
        }
    }

    private async Task<T> ExecuteAsync<T>(Func<IDatabase, Task<T>> command, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken);
        return await command(database);
    }
}
