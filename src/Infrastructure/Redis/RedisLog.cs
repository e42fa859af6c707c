using Microsoft.Extensions.Logging;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>Log events of the Redis connection and the lock adapters (event ids 3100–3199).</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3100, EventName = "redis_connecting", Level = LogLevel.Information,
        Message = "Connecting to Redis at {Endpoints}")]
    public static partial void Connecting(this ILogger logger, string endpoints);

    [LoggerMessage(EventId = 3101, EventName = "redis_connection_failed", Level = LogLevel.Warning,
        Message = "Redis connection to {Endpoints} failed ({FailureType}); the client keeps reconnecting in the background")]
    public static partial void ConnectionFailed(this ILogger logger, string endpoints, string failureType, Exception? exception);

    [LoggerMessage(EventId = 3102, EventName = "redis_connection_restored", Level = LogLevel.Information,
        Message = "Redis connection to {Endpoints} restored")]
    public static partial void ConnectionRestored(this ILogger logger, string endpoints);

    [LoggerMessage(EventId = 3110, EventName = "lock_acquired", Level = LogLevel.Debug,
        Message = "Lock {Key} acquired for {TtlMs} ms")]
    public static partial void LockAcquired(this ILogger logger, string key, long ttlMs);

    [LoggerMessage(EventId = 3111, EventName = "lock_contended", Level = LogLevel.Debug,
        Message = "Lock {Key} is held by another owner")]
    public static partial void LockContended(this ILogger logger, string key);

    [LoggerMessage(EventId = 3112, EventName = "lock_released", Level = LogLevel.Debug,
        Message = "Lock {Key} released")]
    public static partial void LockReleased(this ILogger logger, string key);

    [LoggerMessage(EventId = 3113, EventName = "lock_release_refused", Level = LogLevel.Debug,
        Message = "Lock {Key} was not released: it expired or another owner holds it")]
    public static partial void LockReleaseRefused(this ILogger logger, string key);

    [LoggerMessage(EventId = 3114, EventName = "lock_extended", Level = LogLevel.Debug,
        Message = "Lock {Key} extended by {TtlMs} ms")]
    public static partial void LockExtended(this ILogger logger, string key, long ttlMs);

    [LoggerMessage(EventId = 3115, EventName = "lock_extend_failed", Level = LogLevel.Debug,
        Message = "Lock {Key} was not extended: it expired or another owner holds it")]
    public static partial void LockExtendFailed(this ILogger logger, string key);

    [LoggerMessage(EventId = 3117, EventName = "locks_extended", Level = LogLevel.Debug,
        Message = "{Renewed} of {Count} locks extended by {TtlMs} ms in one batch (the others expired or have another owner)")]
    public static partial void LocksExtended(this ILogger logger, int renewed, int count, long ttlMs);

    [LoggerMessage(EventId = 3116, EventName = "lock_unavailable", Level = LogLevel.Warning,
        Message = "Lock store unavailable: could not {Operation} lock {Key}")]
    public static partial void LockUnavailable(this ILogger logger, string operation, string key, Exception exception);
}
