using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Deployments (with their triggers) and webhook paths the execution path read recently, so a trigger does not read
/// its deployment from the database every time. An entry may be stale: another replica may have updated, paused or
/// archived the workflow since. That is safe because every run carries the version it was admitted against and the
/// database refuses the insert when the deployment is no longer at that version (ADR 0024); the admission then
/// evicts the entry and reads again. Only positive answers are cached: "no such workflow" is always read fresh.
/// </summary>
public sealed class DeploymentCache : IDisposable
{
    private readonly MemoryCache _entries;
    private readonly TimeSpan _lifetime;

    public DeploymentCache(IOptions<ExecutionOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        var settings = options.Value;
        _lifetime = TimeSpan.FromSeconds(settings.DeploymentCacheSeconds);
        // Each entry counts 1: the bound is a number of deployments (a webhook path entry is a few bytes more).
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.DeploymentCacheEntries, Clock = new CacheClock(clock) });
    }

    public bool Enabled => _lifetime > TimeSpan.Zero;

    public Deployment? Find(Guid workflowId) => Count(_entries.Get<Deployment>(workflowId));

    /// <summary>A look that is not a lookup (not counted): for background decisions that fall back to the database.</summary>
    public Deployment? Peek(Guid workflowId) => _entries.Get<Deployment>(workflowId);

    public WorkflowTrigger? FindWebhook(string path) => Count(_entries.Get<WorkflowTrigger>(WebhookKey(path)));

    public void Store(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (Enabled)
        {
            _entries.Set(deployment.Id, deployment, Entry());
        }
    }

    public void StoreWebhook(string path, WorkflowTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (Enabled)
        {
            _entries.Set(WebhookKey(path), trigger, Entry());
        }
    }

    /// <summary>Forgets a deployment, and the webhook path that led to it.</summary>
    public void Evict(Guid workflowId, string? webhookPath = null)
    {
        _entries.Remove(workflowId);
        if (webhookPath is not null)
        {
            _entries.Remove(WebhookKey(webhookPath));
        }
    }

    /// <summary>The database's version fence refused a run admitted against this entry: forgets it, and counts it stale.</summary>
    public void EvictStale(Guid workflowId, string? webhookPath)
    {
        Evict(workflowId, webhookPath);
        WorkflowRuntimeTelemetry.DeploymentCacheLookups.Add(1, new KeyValuePair<string, object?>("outcome", "stale"));
    }

    public void Dispose() => _entries.Dispose();

    private static T? Count<T>(T? found)
        where T : class
    {
        WorkflowRuntimeTelemetry.DeploymentCacheLookups.Add(1, new KeyValuePair<string, object?>("outcome", found is null ? "miss" : "hit"));
        return found;
    }

    // A path and a workflow id never collide: the key types differ (string vs Guid).
    private static string WebhookKey(string path) => "webhook:" + path;

    // Sliding, not absolute: an entry stays while it is used at least once per lifetime. With an absolute lifetime
    // of a minute, an every-minute workflow's entry ran out just before each fire and six fires in ten read the
    // database (10,000 every-minute workflows on one instance). Staleness is the version fence's job (ADR 0024), so
    // a long-lived entry is never a stale answer; the lifetime only lets unused ones go.
    private MemoryCacheEntryOptions Entry() => new() { Size = 1, SlidingExpiration = _lifetime };

    private sealed class CacheClock(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
