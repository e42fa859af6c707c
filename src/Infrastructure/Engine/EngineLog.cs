using Microsoft.Extensions.Logging;

namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>Log events of the workflow engine adapters (event ids 3200–3299).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 3200, EventName = "engine_call_failed", Level = LogLevel.Warning,
        Message = "Engine call {Operation} to {Address} failed with {StatusCode}: {Detail}")]
    public static partial void CallFailed(this ILogger logger, string operation, string address, string statusCode, string detail, Exception exception);

    [LoggerMessage(EventId = 3201, EventName = "engine_cancel_refused", Level = LogLevel.Debug,
        Message = "Engine at {Address} did not cancel execution {EngineExecutionId}: {Detail}")]
    public static partial void CancelRefused(this ILogger logger, string address, string engineExecutionId, string detail);

    [LoggerMessage(EventId = 3202, EventName = "engine_token_reload_failed", Level = LogLevel.Warning,
        Message = "The engine bearer token file {Path} changed but cannot be read; the previous token is still sent and the file is read again on its next change: {Reason}")]
    public static partial void EngineTokenReloadFailed(this ILogger logger, string path, string reason);
}
