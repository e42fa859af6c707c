using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Protocol;

namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>
/// The production <see cref="IWorkflowEngine"/>: the engine's gRPC <c>WorkflowService</c> over one shared channel.
/// Every call has a deadline of <see cref="EngineOptions.CallTimeoutMs"/> (retries included) and is retried by
/// grpc-dotnet itself, with exponential backoff, while the engine answers UNAVAILABLE. What is left after that becomes
/// <see cref="EngineUnavailableException"/> (no answer) or <see cref="EngineRejectedException"/> (an answer, but a refusal).
/// </summary>
public sealed class GrpcWorkflowEngine : IWorkflowEngine, IDependencyHealthCheck, IDisposable
{
    private readonly EngineOptions _options;
    private readonly ILogger<GrpcWorkflowEngine> _logger;
    private readonly GrpcChannel _channel;
    private readonly WorkflowService.WorkflowServiceClient _client;

    public GrpcWorkflowEngine(IOptions<EngineOptions> options, ILogger<GrpcWorkflowEngine> logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);

        _options = options.Value;
        if (!_options.UsesRemoteEngine)
        {
            throw new ArgumentException("WorkflowRuntime:Engine:Address is required for the gRPC engine client.", nameof(options));
        }

        _logger = logger;
        Address = _options.Address!.Trim();
        // Creating the channel does not connect: it connects on the first call and reconnects on its own.
        var credentials = EngineCredentials.Load(_options, clock ?? TimeProvider.System, logger);
        _channel = GrpcChannel.ForAddress(Address, CreateChannelOptions(_options, credentials));
        _client = new WorkflowService.WorkflowServiceClient(_channel);
    }

    /// <summary>The engine's address, as configured.</summary>
    public string Address { get; }

    public string Name => "engine";

    /// <summary>Triggers cannot run without the engine, but deployments, history and monitoring can: degraded, not down.</summary>
    public bool IsCritical => false;

    public async Task<EngineStartResult> ExecuteAsync(EngineStartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        var message = new ExecuteWorkflowRequest
        {
            WorkflowId = request.WorkflowId.ToString(),
            Mode = request.Mode,
            TriggeredBy = request.TriggeredBy ?? string.Empty,
            WorkflowDefinition = request.WorkflowDefinition,
            IdempotencyKey = request.IdempotencyKey ?? string.Empty,
        };
        foreach (var (key, value) in request.InputData)
        {
            message.InputData[key] = value;
        }

        foreach (var (key, value) in request.Metadata)
        {
            message.Metadata[key] = value;
        }

        var response = await CallAsync(
            nameof(WorkflowService.WorkflowServiceClient.ExecuteWorkflow),
            options => _client.ExecuteWorkflowAsync(message, options),
            cancellationToken);
        return new EngineStartResult(response.ExecutionId, EngineStatusMapping.ToPort(response.Status), NullIfEmpty(response.Message));
    }

    public async Task<EngineExecutionState> GetStatusAsync(string engineExecutionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(engineExecutionId);

        var response = await CallAsync(
            nameof(WorkflowService.WorkflowServiceClient.GetExecutionStatus),
            options => _client.GetExecutionStatusAsync(new GetExecutionStatusRequest { ExecutionId = engineExecutionId }, options),
            cancellationToken);
        return new EngineExecutionState(
            EngineStatusMapping.ToPort(response.Status), NullIfEmpty(response.ResultData), NullIfEmpty(response.ErrorMessage));
    }

    /// <summary>
    /// CancelExecution, and when the engine says it canceled nothing (the run had finished), GetExecutionStatus for
    /// how the run ended. NOT_FOUND is an unknown run; no answer (after retries) is unreachable.
    /// </summary>
    public async Task<EngineCancelResult> CancelAsync(string engineExecutionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(engineExecutionId);

        try
        {
            var response = await CallAsync(
                nameof(WorkflowService.WorkflowServiceClient.CancelExecution),
                options => _client.CancelExecutionAsync(
                    new CancelExecutionRequest { ExecutionId = engineExecutionId, Reason = reason ?? string.Empty }, options),
                cancellationToken);
            if (response.Canceled)
            {
                return EngineCancelResult.Canceled();
            }

            // Not an error: the run finished before the cancel arrived, and its status says how.
            _logger.CancelRefused(Address, engineExecutionId, response.Message);
            var state = await GetStatusAsync(engineExecutionId, cancellationToken);
            return new EngineCancelResult(EngineCancelOutcome.AlreadyFinished, state, NullIfEmpty(response.Message));
        }
        catch (EngineUnavailableException ex)
        {
            return EngineCancelResult.Unreachable(ex.Message);
        }
        catch (EngineRejectedException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            return EngineCancelResult.UnknownRun(ex.Message);
        }
    }

    /// <summary>
    /// Asks for the status of an execution that cannot exist: any answer (NOT_FOUND included) proves the engine is
    /// there. Bounded by the call timeout; never throws.
    /// </summary>
    public async Task<DependencyHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _client.GetExecutionStatusAsync(
                new GetExecutionStatusRequest { ExecutionId = $"health-probe-{Guid.NewGuid():N}" },
                deadline: DateTime.UtcNow + _options.CallTimeout,
                cancellationToken: cancellationToken);
            return Healthy(started, "answered");
        }
        catch (RpcException ex) when (!IsUnavailable(ex) && ex.StatusCode != StatusCode.Cancelled)
        {
            return Healthy(started, $"answered {ex.StatusCode}");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            return Unhealthy(started, $"The workflow engine at {Address} is unreachable: no answer within {_options.CallTimeoutMs} ms.");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return Unhealthy(started, $"The health check of the workflow engine at {Address} was canceled before it answered.");
        }
        catch (RpcException ex)
        {
            return Unhealthy(started, $"The workflow engine at {Address} is unreachable: {ex.Status.Detail}");
        }
        catch (ObjectDisposedException)
        {
            return Unhealthy(started, $"The client of the workflow engine at {Address} is shut down.");
        }
    }

    public void Dispose() => _channel.Dispose();

    private async Task<TResponse> CallAsync<TResponse>(
        string operation, Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken)
    {
        try
        {
            // grpc-dotnet enforces the deadline against the wall clock, so it is taken from the wall clock too.
            return await call(new CallOptions(deadline: DateTime.UtcNow + _options.CallTimeout, cancellationToken: cancellationToken));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Engine call {operation} was canceled.", ex, cancellationToken);
        }
        catch (RpcException ex) when (IsUnavailable(ex))
        {
            _logger.CallFailed(operation, Address, ex.StatusCode.ToString(), ex.Status.Detail, ex);
            var reason = ex.StatusCode == StatusCode.DeadlineExceeded
                ? $"no answer within {_options.CallTimeoutMs} ms"
                : $"{ex.StatusCode} after up to {_options.MaxAttempts} attempts: {ex.Status.Detail}";
            throw new EngineUnavailableException($"The workflow engine at {Address} is unavailable ({operation}: {reason}).", ex);
        }
        catch (RpcException ex)
        {
            _logger.CallFailed(operation, Address, ex.StatusCode.ToString(), ex.Status.Detail, ex);
            throw new EngineRejectedException(
                $"The workflow engine at {Address} refused {operation}: {ex.StatusCode} {ex.Status.Detail}".TrimEnd(), ex);
        }
    }

    /// <summary>No answer at all, as opposed to an answer that says no.</summary>
    private static bool IsUnavailable(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || ex.Status.DebugException is HttpRequestException
        || ex.InnerException is HttpRequestException;

    private static GrpcChannelOptions CreateChannelOptions(EngineOptions options, EngineCredentials credentials)
    {
        var channel = CreateChannelOptions(options);
        credentials.Apply((SocketsHttpHandler)channel.HttpHandler!);
        if (credentials.CallCredentials() is { } callCredentials)
        {
            channel.Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, callCredentials);
        }

        return channel;
    }

    private static GrpcChannelOptions CreateChannelOptions(EngineOptions options) => new()
    {
        ServiceConfig = options.MaxAttempts > 1
            ? new ServiceConfig
            {
                MethodConfigs =
                {
                    new MethodConfig
                    {
                        Names = { MethodName.Default },
                        RetryPolicy = new RetryPolicy
                        {
                            MaxAttempts = options.MaxAttempts,
                            InitialBackoff = options.InitialBackoff,
                            MaxBackoff = options.MaxBackoff,
                            BackoffMultiplier = 2,
                            RetryableStatusCodes = { StatusCode.Unavailable },
                        },
                    },
                },
            }
            : null,
        // The channel caps attempts at 5 unless told otherwise; the configured number is the one that counts.
        MaxRetryAttempts = options.MaxAttempts,
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = options.CallTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // Finds a dead connection (engine pod gone without a FIN) before a call has to time out on it.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        },
        DisposeHttpClient = true,
    };

    private DependencyHealth Healthy(long started, string answer) =>
        new(Name, true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, $"The workflow engine at {Address} {answer}.");

    private DependencyHealth Unhealthy(long started, string message) =>
        new(Name, false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, message);

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
