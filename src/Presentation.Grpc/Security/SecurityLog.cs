namespace WorkflowRuntime.Presentation.Grpc.Security;

internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 1310, EventName = "security_configured", Level = LogLevel.Information,
        Message = "Callers authenticate with {SecurityMode}; /health/live and /health/ready stay open")]
    public static partial void Configured(ILogger logger, string securityMode);

    [LoggerMessage(EventId = 1311, EventName = "security_insecure", Level = LogLevel.Warning,
        Message = "No authentication is configured and WorkflowRuntime:Security:AllowInsecure=true: any caller that reaches the ports may deploy, trigger and read every workflow. Configure WorkflowRuntime:Security:ApiKeysPath or mTLS before real traffic.")]
    public static partial void Insecure(ILogger logger);

    [LoggerMessage(EventId = 1312, EventName = "call_refused", Level = LogLevel.Warning,
        Message = "Refused {Operation} from {Peer} with {StatusCode}: {Reason}")]
    public static partial void CallRefused(ILogger logger, string operation, string peer, string statusCode, string reason);

    [LoggerMessage(EventId = 1313, EventName = "client_certificate_rejected", Level = LogLevel.Warning,
        Message = "TLS handshake refused: client certificate {Subject} issued by {Issuer}: {Reason}")]
    public static partial void ClientCertificateRejected(ILogger logger, string subject, string issuer, string reason);

    [LoggerMessage(EventId = 1314, EventName = "certificate_reload_failed", Level = LogLevel.Warning,
        Message = "The certificate file {Path} changed but cannot be used; the previous certificate stays in force and the file is read again on its next change: {Reason}")]
    public static partial void CertificateReloadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1315, EventName = "certificate_reloaded", Level = LogLevel.Information,
        Message = "The certificate file {Path} changed; new TLS handshakes use it")]
    public static partial void CertificateReloaded(ILogger logger, string path);
}
