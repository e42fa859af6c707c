namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>Who may call (ADR 0012), bound from <c>WorkflowRuntime:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "WorkflowRuntime:Security";

    /// <summary>Lets the production profile start with no authentication at all (tests, local runs); logged at every start.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>The JSON file of hashed API keys, mounted from a secret (e.g. <c>/etc/workflow-runtime/api-keys/api-keys.json</c>).</summary>
    public string? ApiKeysPath { get; set; }

    /// <summary>How often the key file is looked at for changes; 0 reads it only at start.</summary>
    public int ApiKeysReloadSeconds { get; set; } = 10;

    public SecurityTlsOptions Tls { get; set; } = new();

    public bool ApiKeysConfigured => !string.IsNullOrWhiteSpace(ApiKeysPath);
}

/// <summary>TLS of the gRPC port, bound from <c>WorkflowRuntime:Security:Tls</c>.</summary>
public sealed class SecurityTlsOptions
{
    /// <summary>PEM server certificate (chain) of the gRPC port, e.g. <c>/etc/workflow-runtime/tls/tls.crt</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>, e.g. <c>/etc/workflow-runtime/tls/tls.key</c>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>PEM CA (one or more certificates) that client certificates must chain to; set: client certificates are required.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Client certificate subjects allowed to connect: a full distinguished name or just the common name.</summary>
    public List<string> AllowedClientSubjects { get; set; } = [];

    /// <summary>How often the certificate files are looked at for changes (rotation without restart); 0 reads them only at start.</summary>
    public int ReloadSeconds { get; set; } = 10;

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public bool ClientCertificatesRequired => !string.IsNullOrWhiteSpace(ClientCaPath);
}
