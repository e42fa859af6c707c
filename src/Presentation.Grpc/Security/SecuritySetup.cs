using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Infrastructure.Security;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>
/// The security configuration, read and checked before the host is built (Kestrel needs the certificates): every
/// configured file must exist and parse, the settings must go together, and the production profile refuses to start
/// with no authentication unless <c>AllowInsecure</c> says so explicitly.
/// </summary>
public sealed class SecuritySetup
{
    private SecuritySetup(SecurityOptions options, bool production, bool servesCalls)
    {
        Options = options;
        Production = production;
        ServesCalls = servesCalls;
    }

    public SecurityOptions Options { get; }

    public bool Production { get; }

    /// <summary>False for the <c>migrate</c> command, which opens no port and so needs no authentication.</summary>
    public bool ServesCalls { get; }

    public bool Authenticated => Options.ApiKeysConfigured || Options.Tls.ClientCertificatesRequired;

    /// <summary>Running the production profile with nobody authenticated, because <c>AllowInsecure</c> allows it.</summary>
    public bool Insecure => Production && !Authenticated;

    /// <summary>How callers authenticate, as the start-up log says it.</summary>
    public string Mode => (Options.Tls.ClientCertificatesRequired, Options.ApiKeysConfigured) switch
    {
        (true, true) => "mtls+api_keys",
        (true, false) => "mtls",
        (false, true) => Options.Tls.Enabled ? "tls+api_keys" : "api_keys",
        _ => Options.Tls.Enabled ? "tls" : "none",
    };

    /// <exception cref="OptionsValidationException">A setting is wrong or missing; the message names the key.</exception>
    public static SecuritySetup Load(IConfiguration configuration, bool servesCalls = true)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SecurityOptions();
        configuration.GetSection(SecurityOptions.SectionName).Bind(options);
        var production = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(PersistenceOptions.PostgresConnectionStringName));
        var setup = new SecuritySetup(options, production, servesCalls);
        var errors = setup.Validate().ToList();
        return errors.Count == 0
            ? setup
            : throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions), errors);
    }

    private IEnumerable<string> Validate()
    {
        var tls = Options.Tls;
        if (string.IsNullOrWhiteSpace(tls.CertificatePath) != string.IsNullOrWhiteSpace(tls.KeyPath))
        {
            yield return "WorkflowRuntime:Security:Tls:CertificatePath and WorkflowRuntime:Security:Tls:KeyPath go together: set both or neither.";
            yield break;
        }

        if (tls.ClientCertificatesRequired && !tls.Enabled)
        {
            yield return "WorkflowRuntime:Security:Tls:ClientCaPath needs WorkflowRuntime:Security:Tls:CertificatePath and KeyPath: client certificates are only asked for over TLS.";
        }

        if (tls.ClientCertificatesRequired && tls.AllowedClientSubjects.All(string.IsNullOrWhiteSpace))
        {
            yield return "WorkflowRuntime:Security:Tls:AllowedClientSubjects must name at least one client certificate subject (e.g. 'api-gateway' or 'CN=api-gateway, O=Example') when ClientCaPath is set.";
        }

        if (!tls.ClientCertificatesRequired && tls.AllowedClientSubjects.Any(s => !string.IsNullOrWhiteSpace(s)))
        {
            yield return "WorkflowRuntime:Security:Tls:AllowedClientSubjects needs WorkflowRuntime:Security:Tls:ClientCaPath (the CA that client certificates chain to).";
        }

        if (Options.ApiKeysReloadSeconds is < 0 or > 86400 || tls.ReloadSeconds is < 0 or > 86400)
        {
            yield return "WorkflowRuntime:Security:ApiKeysReloadSeconds and WorkflowRuntime:Security:Tls:ReloadSeconds must be between 0 and 86400.";
        }

        if (ServesCalls && Production && !Authenticated && !Options.AllowInsecure)
        {
            yield return "The production profile refuses to start without authentication: set WorkflowRuntime:Security:ApiKeysPath "
                         + "and/or WorkflowRuntime:Security:Tls (CertificatePath, KeyPath, ClientCaPath, AllowedClientSubjects), "
                         + "or set WorkflowRuntime:Security:AllowInsecure=true to accept any caller (never for real traffic).";
        }

        foreach (var problem in FileProblems().Where(p => p.Length > 0))
        {
            yield return problem;
        }
    }

    private IEnumerable<string> FileProblems()
    {
        var tls = Options.Tls;
        if (tls.Enabled)
        {
            yield return Try("WorkflowRuntime:Security:Tls:CertificatePath/KeyPath", () => LoadServerCertificate().Dispose());
        }

        if (tls.ClientCertificatesRequired)
        {
            yield return Try("WorkflowRuntime:Security:Tls:ClientCaPath", () => LoadClientCa());
        }

        if (Options.ApiKeysConfigured)
        {
            yield return Try("WorkflowRuntime:Security:ApiKeysPath", () => ApiKeyFileSource.Load(Options.ApiKeysPath!));
        }
    }

    private static string Try(string key, Action load)
    {
        try
        {
            load();
            return string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or ApiKeyLoadException)
        {
            return ex is ApiKeyLoadException ? ex.Message : $"{key}: {ex.Message}";
        }
    }

    internal X509Certificate2 LoadServerCertificate()
    {
        var certificate = X509Certificate2.CreateFromPemFile(Options.Tls.CertificatePath!, Options.Tls.KeyPath);
        return certificate.HasPrivateKey
            ? certificate
            : throw new CryptographicException($"{Options.Tls.KeyPath} holds no private key for {Options.Tls.CertificatePath}");
    }

    internal X509Certificate2Collection LoadClientCa()
    {
        var path = Options.Tls.ClientCaPath!;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist", path);
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection.Count > 0 ? collection : throw new CryptographicException($"{path} holds no PEM certificate");
    }
}
