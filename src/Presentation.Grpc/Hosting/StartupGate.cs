using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Infrastructure.Persistence;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>
/// Runs before the service takes requests: checks every dependency (in parallel, each bounded by a timeout) and
/// logs which are reachable, then applies migrations when configured. An unreachable critical dependency stops
/// start-up with a message naming it, instead of a service that hangs on its first request.
/// </summary>
internal sealed class StartupGate(
    IEnumerable<IDependencyHealthCheck> checks,
    IServiceScopeFactory scopes,
    IOptions<PersistenceOptions> persistence,
    IOptions<ServerOptions> server,
    ILogger<StartupGate> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMilliseconds(server.Value.StartupCheckTimeoutMs);
        var reports = await Task.WhenAll(checks.Select(check => CheckAsync(check, timeout, cancellationToken)));

        var unreachableCritical = reports.Where(r => !r.Report.Healthy && r.Check.IsCritical).Select(r => r.Report).ToList();
        foreach (var (check, report) in reports)
        {
            if (report.Healthy)
            {
                StartupLog.DependencyReachable(logger, report.Name, report.LatencyMs);
            }
            else if (check.IsCritical)
            {
                StartupLog.CriticalDependencyUnreachable(logger, report.Name, report.Message);
            }
            else
            {
                StartupLog.DependencyDegraded(logger, report.Name, report.Message);
            }
        }

        if (unreachableCritical.Count > 0)
        {
            throw new StartupAbortedException(
                $"cannot start: {string.Join("; ", unreachableCritical.Select(r => $"{r.Name} {r.Message}"))}");
        }

        if (persistence.Value.MigrateOnStartup)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IDatabaseMigrator>().MigrateAsync(cancellationToken);
            StartupLog.DatabaseMigrated(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<(IDependencyHealthCheck Check, DependencyHealth Report)> CheckAsync(
        IDependencyHealthCheck check, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            // The checks bound themselves; this is the belt to their braces.
            var report = await check.CheckAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
            return (check, report);
        }
        catch (TimeoutException)
        {
            return (check, new DependencyHealth(check.Name, false, timeout.TotalMilliseconds, $"no answer within {timeout.TotalMilliseconds:0} ms"));
        }
    }
}

/// <summary>Start-up found the service cannot work; the message says why.</summary>
internal sealed class StartupAbortedException(string message) : Exception(message);

internal static partial class StartupLog
{
    [LoggerMessage(EventId = 100, EventName = "dependency_reachable", Level = LogLevel.Information,
        Message = "Dependency {Dependency} is reachable ({LatencyMs:0.0} ms)")]
    public static partial void DependencyReachable(ILogger logger, string dependency, double latencyMs);

    [LoggerMessage(EventId = 101, EventName = "dependency_unreachable", Level = LogLevel.Error,
        Message = "Dependency {Dependency} is unreachable and the service cannot run without it: {Reason}")]
    public static partial void CriticalDependencyUnreachable(ILogger logger, string dependency, string reason);

    [LoggerMessage(EventId = 102, EventName = "dependency_degraded", Level = LogLevel.Warning,
        Message = "Dependency {Dependency} is unreachable; running degraded: {Reason}")]
    public static partial void DependencyDegraded(ILogger logger, string dependency, string reason);

    [LoggerMessage(EventId = 103, EventName = "database_migrated", Level = LogLevel.Information,
        Message = "Database schema is up to date")]
    public static partial void DatabaseMigrated(ILogger logger);

    [LoggerMessage(EventId = 104, EventName = "startup_failed", Level = LogLevel.Critical,
        Message = "Start-up failed: {Reason}")]
    public static partial void StartupFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 105, EventName = "service_started", Level = LogLevel.Information,
        Message = "WorkflowRuntime {Version} instance {InstanceId} serving gRPC on {GrpcEndpoint} and HTTP on {HttpEndpoint} ({Profile} profile)")]
    public static partial void ServiceStarted(ILogger logger, string version, string instanceId, string grpcEndpoint, string httpEndpoint, string profile);
}
