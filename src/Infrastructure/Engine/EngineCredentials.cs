using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Infrastructure.Security;

namespace WorkflowRuntime.Infrastructure.Engine;

/// <summary>
/// What the engine client presents and trusts: a CA for the engine's certificate, a client certificate, a bearer
/// token read from a file (re-read when the file changes, so a rotated token needs no restart). Loaded at start, so a
/// missing or broken file stops the service with the key named instead of failing every run later.
/// </summary>
internal sealed class EngineCredentials
{
    private static readonly TimeSpan TokenReloadInterval = TimeSpan.FromSeconds(10);

    private readonly X509Certificate2Collection? _ca;
    private readonly X509Certificate2? _clientCertificate;
    private readonly FileBackedValue<string>? _token;

    private EngineCredentials(X509Certificate2Collection? ca, X509Certificate2? clientCertificate, FileBackedValue<string>? token)
    {
        _ca = ca;
        _clientCertificate = clientCertificate;
        _token = token;
    }

    /// <summary>Reads every configured file; throws with a message naming the key when one is missing or invalid.</summary>
    public static EngineCredentials Load(EngineOptions options, TimeProvider clock, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tls = options.Tls;
        var ca = string.IsNullOrWhiteSpace(tls.CaPath) ? null : LoadCa(tls.CaPath);
        var certificate = string.IsNullOrWhiteSpace(tls.ClientCertificatePath)
            ? null
            : Read("WorkflowRuntime:Engine:Tls:ClientCertificatePath", tls.ClientCertificatePath,
                () => X509Certificate2.CreateFromPemFile(tls.ClientCertificatePath, tls.ClientKeyPath));
        var token = string.IsNullOrWhiteSpace(options.BearerTokenPath)
            ? null
            : new FileBackedValue<string>([options.BearerTokenPath], () => ReadToken(options.BearerTokenPath), TokenReloadInterval, clock,
                reloadFailed: ex => logger?.EngineTokenReloadFailed(options.BearerTokenPath, ex.Message));
        return new EngineCredentials(ca, certificate, token);
    }

    public bool HasToken => _token is not null;

    public void Apply(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_clientCertificate is null && _ca is null)
        {
            return;
        }

        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = _clientCertificate is null ? null : new X509CertificateCollection { _clientCertificate },
            RemoteCertificateValidationCallback = _ca is null ? null : (_, certificate, _, errors) => TrustedByCa(certificate, errors),
        };
    }

    /// <summary>Adds <c>authorization: Bearer &lt;token&gt;</c> to every call; only over TLS (the options insist on https).</summary>
    public CallCredentials? CallCredentials() => _token is null
        ? null
        : Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {_token.Current}");
            return Task.CompletedTask;
        });

    private bool TrustedByCa(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, SslPolicyErrors errors)
    {
        // The host name must still match; only the trust anchor is ours instead of the system's.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(_ca!);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection LoadCa(string path) => Read("WorkflowRuntime:Engine:Tls:CaPath", path, () =>
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection.Count > 0 ? collection : throw new CryptographicException("the file holds no PEM certificate");
    });

    private static string ReadToken(string path)
    {
        var token = Read("WorkflowRuntime:Engine:BearerTokenPath", path, () => File.ReadAllText(path).Trim());
        return token.Length > 0 && !token.Any(char.IsWhiteSpace) && !token.Any(char.IsControl)
            ? token
            : throw new FormatException($"WorkflowRuntime:Engine:BearerTokenPath {path} must hold one token (no spaces or line breaks inside).");
    }

    private static T Read<T>(string key, string path, Func<T> read)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{key} {path} does not exist.", path);
        }

        try
        {
            return read();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new FormatException($"{key} {path} cannot be used: {ex.Message}", ex);
        }
    }
}
