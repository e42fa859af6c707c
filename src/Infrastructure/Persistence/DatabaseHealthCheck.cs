using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>
/// Opens a connection and runs <c>SELECT 1</c>, bounded by <see cref="PersistenceOptions.HealthCheckTimeoutMs"/>.
/// </summary>
/// <remarks>
/// The probe is never abandoned while it is still opening: disposing a connection whose open is in flight throws
/// "Can't close, connection is in state Connecting", and that exception used to replace the real reason (about one
/// start in twelve on a loaded machine reported the database unreachable while it was up). So the bound cancels the
/// open, the connection is disposed only once the open has given up, and a failing dispose never decides the report.
/// The EF context is built before the clock starts: a cold process's first model build is not the database's latency.
/// </remarks>
internal sealed class DatabaseHealthCheck(IServiceScopeFactory scopes, IOptions<PersistenceOptions> options, string name)
    : IDependencyHealthCheck
{
    public string Name => name;

    public bool IsCritical => true;

    public async Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var timeout = TimeSpan.FromMilliseconds(options.Value.HealthCheckTimeoutMs);
        var scope = scopes.CreateAsyncScope();
        var connection = ConnectionOf(scope);
        var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        var probe = ProbeAsync(connection, bounded.Token);
        try
        {
            // The backstop for a driver that ignores the token; the probe itself keeps its scope until it ends.
            await probe.WaitAsync(timeout + timeout, cancellationToken);
            return new DependencyHealth(Name, true, watch.Elapsed.TotalMilliseconds, "reachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = IsTimeout(ex, watch.Elapsed, timeout)
                ? $"no answer within {timeout.TotalMilliseconds:0} ms"
                : $"{ex.GetBaseException().GetType().Name}: {ex.GetBaseException().Message}";
            return new DependencyHealth(Name, false, watch.Elapsed.TotalMilliseconds, $"unreachable: {reason}");
        }
        finally
        {
            _ = CleanUpWhenDoneAsync(probe, scope, bounded);
        }
    }

    private static DbConnection ConnectionOf(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<WorkflowRuntimeDbContext>().Database.GetDbConnection();

    private static async Task ProbeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // A yield first, so a slow synchronous part of the driver's open cannot hold the caller past the bound.
        await Task.Yield();
        if (connection.State != ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private static bool IsTimeout(Exception exception, TimeSpan elapsed, TimeSpan timeout) =>
        exception is OperationCanceledException or TimeoutException
        || (elapsed >= timeout && exception.GetBaseException() is OperationCanceledException or TimeoutException);

    /// <summary>Disposes the scope (and its connection) after the probe has finished, whatever it ended with.</summary>
    private static async Task CleanUpWhenDoneAsync(Task probe, AsyncServiceScope scope, CancellationTokenSource bounded)
    {
        try
        {
            await probe.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported by CheckAsync; this only waits for the open to give up.
        }

        try
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or DbException or ObjectDisposedException)
        {
            // A connection that failed to open may refuse to close; it holds nothing, and the report is already made.
        }
        finally
        {
            bounded.Dispose();
        }
    }
}
