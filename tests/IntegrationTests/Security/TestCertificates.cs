using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>
/// A throw-away PKI made in the test with <see cref="CertificateRequest"/>: a CA, a server certificate for
/// 127.0.0.1/localhost, client certificates it signs, and a second CA nobody trusts. Written as PEM files into a
/// temp directory, the way the Kubernetes TLS secret mounts them (tls.crt, tls.key, ca.crt).
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private TestCertificates(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.crt");

    public string ServerCertificatePath => Path.Combine(Directory, "tls.crt");

    public string ServerKeyPath => Path.Combine(Directory, "tls.key");

    public X509Certificate2 Ca { get; private set; } = null!;

    public X509Certificate2 UntrustedCa { get; private set; } = null!;

    public static TestCertificates Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wr-pki-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var pki = new TestCertificates(directory) { Ca = CreateCa("WorkflowRuntime Test CA"), UntrustedCa = CreateCa("Somebody Else's CA") };
        File.WriteAllText(pki.CaPath, pki.Ca.ExportCertificatePem());
        using var server = pki.Issue("CN=localhost", ServerAuthOid, san: true);
        File.WriteAllText(pki.ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(pki.ServerKeyPath, server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return pki;
    }

    /// <summary>A client certificate signed by the trusted CA (or by <paramref name="issuer"/>).</summary>
    public X509Certificate2 Client(string subject, X509Certificate2? issuer = null) => Issue(subject, ClientAuthOid, san: false, issuer);

    /// <summary>Writes a client certificate and its key as PEM files; returns their paths.</summary>
    public (string Certificate, string Key) WriteClient(string subject)
    {
        using var certificate = Client(subject);
        var name = Guid.NewGuid().ToString("N");
        var certificatePath = Path.Combine(Directory, $"{name}.crt");
        var keyPath = Path.Combine(Directory, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        Ca.Dispose();
        UntrustedCa.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private X509Certificate2 Issue(string subject, string usage, bool san, X509Certificate2? issuer = null)
    {
        issuer ??= Ca;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return signed.CopyWithPrivateKey(key);
    }
}
