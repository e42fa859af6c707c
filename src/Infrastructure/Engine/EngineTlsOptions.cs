namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>TLS towards the engine, bound from <c>WorkflowRuntime:Engine:Tls</c>; needs an <c>https://</c> address.</summary>
public sealed class EngineTlsOptions
{
    /// <summary>PEM CA that the engine's server certificate must chain to (instead of the system roots); empty: system roots.</summary>
    public string? CaPath { get; set; }

    /// <summary>PEM client certificate presented to the engine (mTLS); needs <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; set; }
}
