using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>Settings of the workflow engine client, bound from <see cref="SectionName"/>.</summary>
public sealed class EngineOptions : IValidatableObject
{
    public const string SectionName = "WorkflowRuntime:Engine";

    /// <summary>
    /// The engine's gRPC address, e.g. <c>http://workflow-engine:50051</c>. Empty: the embedded simulated engine
    /// (the embedded profile; nothing leaves the process).
    /// </summary>
    public string? Address { get; set; }

    /// <summary>The deadline of one engine call, retries included: no call to the engine outlasts it.</summary>
    [Range(100, 300_000, ErrorMessage = "WorkflowRuntime:Engine:CallTimeoutMs must be between 100 and 300000.")]
    public int CallTimeoutMs { get; set; } = 5000;

    /// <summary>Attempts per call (the first one included) while the engine answers UNAVAILABLE; 1 disables retries.</summary>
    [Range(1, 10, ErrorMessage = "WorkflowRuntime:Engine:MaxAttempts must be between 1 and 10.")]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Upper bound of the randomized wait before the first retry; doubles on every retry up to <see cref="MaxBackoffMs"/>.</summary>
    [Range(1, 60_000, ErrorMessage = "WorkflowRuntime:Engine:InitialBackoffMs must be between 1 and 60000.")]
    public int InitialBackoffMs { get; set; } = 200;

    [Range(1, 60_000, ErrorMessage = "WorkflowRuntime:Engine:MaxBackoffMs must be between 1 and 60000.")]
    public int MaxBackoffMs { get; set; } = 2000;

    /// <summary>Embedded profile only: how long a simulated run stays RUNNING before it succeeds.</summary>
    [Range(0, 3_600_000, ErrorMessage = "WorkflowRuntime:Engine:SimulatedLatencyMs must be between 0 and 3600000.")]
    public int SimulatedLatencyMs { get; set; } = 200;

    /// <summary>TLS towards the engine: a CA to trust, a client certificate to present (<c>WorkflowRuntime:Engine:Tls</c>).</summary>
    public EngineTlsOptions Tls { get; set; } = new();

    /// <summary>A file holding a bearer token sent as <c>authorization: Bearer</c> on every engine call; needs https.</summary>
    public string? BearerTokenPath { get; set; }

    public TimeSpan CallTimeout => TimeSpan.FromMilliseconds(CallTimeoutMs);

    public TimeSpan InitialBackoff => TimeSpan.FromMilliseconds(InitialBackoffMs);

    public TimeSpan MaxBackoff => TimeSpan.FromMilliseconds(MaxBackoffMs);

    public TimeSpan SimulatedLatency => TimeSpan.FromMilliseconds(SimulatedLatencyMs);

    /// <summary>Whether a real engine is configured (otherwise the embedded simulated engine runs).</summary>
    public bool UsesRemoteEngine => !string.IsNullOrWhiteSpace(Address);

    /// <summary>Rules across properties; runs once every property is in range.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesRemoteEngine
            && (!Uri.TryCreate(Address!.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult(
                "WorkflowRuntime:Engine:Address must be an absolute http:// or https:// URL, or empty for the embedded simulated engine.",
                [nameof(Address)]);
        }

        foreach (var error in ValidateCredentials())
        {
            yield return error;
        }

        if (InitialBackoffMs > MaxBackoffMs)
        {
            yield return new ValidationResult(
                "WorkflowRuntime:Engine:InitialBackoffMs must not exceed WorkflowRuntime:Engine:MaxBackoffMs.",
                [nameof(InitialBackoffMs), nameof(MaxBackoffMs)]);
        }
    }

    private IEnumerable<ValidationResult> ValidateCredentials()
    {
        var configured = new[] { Tls.CaPath, Tls.ClientCertificatePath, Tls.ClientKeyPath, BearerTokenPath }.Any(p => !string.IsNullOrWhiteSpace(p));
        if (!configured)
        {
            yield break;
        }

        if (!UsesRemoteEngine || !Address!.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                "WorkflowRuntime:Engine:Tls:* and WorkflowRuntime:Engine:BearerTokenPath need an https:// WorkflowRuntime:Engine:Address (a token must not travel in cleartext).",
                [nameof(Address)]);
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Tls.ClientCertificatePath) != string.IsNullOrWhiteSpace(Tls.ClientKeyPath))
        {
            yield return new ValidationResult(
                "WorkflowRuntime:Engine:Tls:ClientCertificatePath and WorkflowRuntime:Engine:Tls:ClientKeyPath go together: set both or neither.",
                [nameof(Tls)]);
            yield break;
        }

        string? problem = null;
        try
        {
            EngineCredentials.Load(this, TimeProvider.System, logger: null);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(Tls)]);
        }
    }
}
