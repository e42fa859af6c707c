using System.Security.Cryptography.X509Certificates;
using WorkflowRuntime.Infrastructure.Security;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>
/// Checks a client certificate during the TLS handshake: it must chain to the configured CA alone (a custom trust
/// store: the system roots are not trusted for callers), be valid now, allow client authentication, and carry an
/// allowed subject. A rejected certificate fails the handshake, so an unknown peer never reaches HTTP/2 at all.
/// </summary>
internal sealed partial class ClientCertificateValidator
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    private readonly FileBackedValue<X509Certificate2Collection> _ca;
    private readonly HashSet<string> _allowedSubjects;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public ClientCertificateValidator(SecuritySetup setup, TimeProvider clock, ILogger<ClientCertificateValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(setup);
        _clock = clock;
        _logger = logger;
        var tls = setup.Options.Tls;
        _allowedSubjects = new HashSet<string>(tls.AllowedClientSubjects.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()),
            StringComparer.Ordinal);
        _ca = new FileBackedValue<X509Certificate2Collection>([tls.ClientCaPath!], setup.LoadClientCa,
            TimeSpan.FromSeconds(tls.ReloadSeconds), clock,
            reloadFailed: ex => SecurityLog.CertificateReloadFailed(logger, tls.ClientCaPath!, ex.Message),
            reloaded: _ => SecurityLog.CertificateReloaded(logger, tls.ClientCaPath!));
    }

    /// <summary>The name a verified certificate gives its caller: its common name, or the whole subject without one.</summary>
    public static string CallerName(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrWhiteSpace(commonName) ? certificate.Subject : commonName;
    }

    public bool Validate(X509Certificate2? certificate)
    {
        var reason = Check(certificate);
        if (reason is null)
        {
            return true;
        }

        SecurityLog.ClientCertificateRejected(_logger, certificate?.Subject ?? "(none)", certificate?.Issuer ?? "(none)", reason);
        return false;
    }

    /// <summary>Null when the certificate is acceptable, otherwise why not.</summary>
    internal string? Check(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return "no client certificate was presented";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_ca.Current);
        // Revocation is the CA's rotation plus the subject allow-list here: no CRL/OCSP endpoint is reachable from the pod.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthenticationOid));
        if (!chain.Build(certificate))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return $"it does not chain to the configured client CA ({status})";
        }

        if (!_allowedSubjects.Contains(certificate.Subject) && !_allowedSubjects.Contains(CallerName(certificate)))
        {
            return "its subject is not in WorkflowRuntime:Security:Tls:AllowedClientSubjects";
        }

        return null;
    }
}
