using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>Settings of the Redis lock store, bound from <see cref="SectionName"/>.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "WorkflowRuntime:Redis";

    /// <summary>How long one attempt to open a connection may take.</summary>
    [Range(100, 60_000, ErrorMessage = "WorkflowRuntime:Redis:ConnectTimeoutMs must be between 100 and 60000.")]
    public int ConnectTimeoutMs { get; set; } = 1000;

    /// <summary>How long one command may take; every lock call and health check is bounded by it.</summary>
    [Range(100, 60_000, ErrorMessage = "WorkflowRuntime:Redis:OperationTimeoutMs must be between 100 and 60000.")]
    public int OperationTimeoutMs { get; set; } = 1000;

    /// <summary>The lock key of workflow X is this prefix followed by X.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WorkflowRuntime:Redis:KeyPrefix must not be empty.")]
    public string KeyPrefix { get; set; } = "workflow_runtime:locks:workflow_";

    /// <summary>Lease of a lock taken without an explicit TTL.</summary>
    [Range(1, 86_400, ErrorMessage = "WorkflowRuntime:Redis:DefaultLockTtlSeconds must be between 1 and 86400.")]
    public int DefaultLockTtlSeconds { get; set; } = 300;

    public TimeSpan ConnectTimeout => TimeSpan.FromMilliseconds(ConnectTimeoutMs);

    public TimeSpan OperationTimeout => TimeSpan.FromMilliseconds(OperationTimeoutMs);

    public TimeSpan DefaultLockTtl => TimeSpan.FromSeconds(DefaultLockTtlSeconds);

    public string KeyFor(string workflowId) => KeyPrefix + workflowId;
}
