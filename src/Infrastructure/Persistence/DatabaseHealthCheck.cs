using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Opens a connection and runs <c>SELECT 1</c>, bounded by <see cref="PersistenceOptions.HealthCheckTimeoutMs"/>.</summary>
internal sealed class DatabaseHealthCheck(IServiceScopeFactory scopes, IOptions<PersistenceOptions> options, string name)
    : IDependencyHealthCheck
{
    public string Name => name;

    public bool IsCritical => true;

    public async Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var timeout = TimeSpan.FromMilliseconds(options.Value.HealthCheckTimeoutMs);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowRuntimeDbContext>();
            await db.Database.ExecuteSqlRawAsync("SELECT 1", bounded.Token).WaitAsync(timeout, bounded.Token);
            return new DependencyHealth(Name, true, watch.Elapsed.TotalMilliseconds, "reachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException or TimeoutException && watch.Elapsed >= timeout
                ? $"no answer within {timeout.TotalMilliseconds:0} ms"
                : $"{ex.GetBaseException().GetType().Name}: {ex.GetBaseException().Message}";
            return new DependencyHealth(Name, false, watch.Elapsed.TotalMilliseconds, $"unreachable: {reason}");
        }
    }
}
