using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>
/// Owns the one <see cref="ConnectionMultiplexer"/> of the process (it is designed to be shared) and reports whether
/// Redis answers. Configured to fail fast: a lock store that is down must cost a caller at most one operation timeout,
/// never a hang, because the database's exclusive-execution index still guarantees one run at a time.
/// </summary>
public sealed class RedisConnectionManager : IDependencyHealthCheck, IAsyncDisposable, IDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly RedisOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RedisConnectionManager> _logger;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private bool _disposed;
    private Action<IConnectionMultiplexer>? _connected;

    public RedisConnectionManager(
        string connectionString,
        IOptions<RedisOptions> options,
        TimeProvider timeProvider,
        ILogger<RedisConnectionManager> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        // Parsed eagerly so a malformed connection string fails at start-up rather than on the first trigger.
        _configuration = CreateConfiguration(connectionString, _options);
        Endpoints = DescribeEndpoints(_configuration.EndPoints);
    }

    /// <summary>Calls <paramref name="callback"/> with every connection made, the current one included (tracing instruments them).</summary>
    public void OnConnected(Action<IConnectionMultiplexer> callback)
    {
        Task<ConnectionMultiplexer>? current;
        lock (_gate)
        {
            _connected += callback;
            current = _connecting;
        }

        if (current is { IsCompletedSuccessfully: true })
        {
            callback(current.Result);
        }
    }

    public string Name => "redis";

    /// <summary>Redis is the fast path; PostgreSQL is the truth, so the service runs (degraded) without it.</summary>
    public bool IsCritical => false;

    /// <summary>The configured servers as <c>host:port</c>, for messages an operator can act on.</summary>
    public string Endpoints { get; }

    /// <summary>
    /// The database of the shared connection, connecting on first use. Callers bound the wait themselves: the
    /// connection attempt is shared, so one caller's cancellation must not abort it for the others.
    /// </summary>
    public async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var multiplexer = await GetOrStartConnecting().WaitAsync(cancellationToken);
        return multiplexer.GetDatabase();
    }

    public async Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // One bound for connecting and pinging together, so a probe never outlasts the operation timeout.
            var latency = await PingAsync(cancellationToken)
                .WaitAsync(_options.OperationTimeout, _timeProvider, cancellationToken);
            return new DependencyHealth(Name, true, latency.TotalMilliseconds, $"Redis at {Endpoints} answered PING.");
        }
        catch (TimeoutException)
        {
            return Unhealthy($"Redis at {Endpoints} did not answer PING within {_options.OperationTimeoutMs} ms.");
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            return Unhealthy($"Redis at {Endpoints} is unreachable: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            return Unhealthy($"The health check of Redis at {Endpoints} was canceled before PING answered.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        var connecting = MarkDisposed();
        if (connecting is null)
        {
            return;
        }

        try
        {
            var multiplexer = await connecting;
            await multiplexer.DisposeAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            // Nothing was connected, so there is nothing left to close.
        }
    }

    public void Dispose()
    {
        var connecting = MarkDisposed();
        if (connecting is null)
        {
            return;
        }

        if (connecting.IsCompletedSuccessfully)
        {
            connecting.Result.Dispose();
        }
        else
        {
            // Still connecting: close it when it gets there instead of blocking the disposing thread.
            _ = connecting.ContinueWith(
                static task => task.Result.Dispose(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
        }
    }

    /// <summary>The round trip of one PING, as the client measured it (connection set-up not included).</summary>
    private async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var database = await GetDatabaseAsync(cancellationToken);
        return await database.PingAsync();
    }

    private Task<ConnectionMultiplexer> GetOrStartConnecting()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // With AbortOnConnectFail = false a connect only faults on bad configuration; retrying it is cheap.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync();
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        _logger.Connecting(Endpoints);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration);
        _connected?.Invoke(multiplexer);
        multiplexer.ConnectionFailed += (_, e) => _logger.ConnectionFailed(Endpoints, e.FailureType.ToString(), e.Exception);
        multiplexer.ConnectionRestored += (_, _) => _logger.ConnectionRestored(Endpoints);
        if (!multiplexer.IsConnected)
        {
            _logger.ConnectionFailed(Endpoints, "initial connect", null);
        }

        return multiplexer;
    }

    private Task<ConnectionMultiplexer>? MarkDisposed()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            return _connecting;
        }
    }

    private DependencyHealth Unhealthy(string message) => new(Name, false, 0, message);

    private static ConfigurationOptions CreateConfiguration(string connectionString, RedisOptions options)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        // Start even when Redis is down and keep reconnecting in the background: Redis is not critical.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = 1;
        configuration.ConnectTimeout = options.ConnectTimeoutMs;
        configuration.SyncTimeout = options.OperationTimeoutMs;
        configuration.AsyncTimeout = options.OperationTimeoutMs;
        // Without a connection a command fails at once instead of queueing until the connection returns.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "workflow-runtime";
        // Replies are completed on the .NET thread pool, not on the client's own small pipe scheduler: under load the
        // continuations of every lock call (the rest of an admission) ran on those few threads and queued behind each
        // other (31 % of the service's CPU samples in the execution benchmark's profile).
        configuration.SocketManager ??= SocketManager.ThreadPool;
        return configuration;
    }

    private static string DescribeEndpoints(EndPointCollection endpoints) =>
        string.Join(", ", endpoints.Select(endpoint => endpoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            _ => endpoint.ToString() ?? "unknown endpoint",
        }));
}
