using Ardalis.Result;

namespace WorkflowRuntime.Application.Security;

/// <summary>
/// Decides whether a call may proceed, before any handler runs (ADR 0012). With API keys configured the bearer key
/// names the caller and its allow list decides; with only mTLS the verified client certificate names the caller and
/// may call everything (the certificate allow-list is the authorization); with neither, every caller is anonymous.
/// Failures are <c>Unauthorized</c> (no or unknown credentials) and <c>Forbidden</c> (known, not allowed) results,
/// mapped to status in the one place that maps results.
/// </summary>
public sealed class CallerAuthorizer(IApiKeySource? keys, bool clientCertificatesRequired)
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>Whether any authentication is configured; false means every caller is anonymous.</summary>
    public bool Enabled => keys is not null || clientCertificatesRequired;

    /// <param name="authorization">The <c>authorization</c> header or metadata, if any.</param>
    /// <param name="certificateName">The common name of the client certificate the TLS handshake verified, if any.</param>
    public Result<Caller> Authorize(RpcOperation operation, string? authorization, string? certificateName)
    {
        if (keys is null)
        {
            return AuthorizeByCertificate(operation, certificateName);
        }

        if (string.IsNullOrWhiteSpace(authorization))
        {
            return Result<Caller>.Unauthorized(
                $"{operation} needs an API key: send the header/metadata 'authorization: Bearer <key>'.");
        }

        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || authorization.Length == BearerPrefix.Length)
        {
            return Result<Caller>.Unauthorized("The 'authorization' value must be 'Bearer <key>' (the scheme, one space, the key).");
        }

        var key = Find(authorization[BearerPrefix.Length..].Trim());
        if (key is null)
        {
            return Result<Caller>.Unauthorized(
                "The API key is not known: it was mistyped, revoked or never added to the API key file. Ask the operator for a valid key.");
        }

        return key.Allows(operation)
            ? Result<Caller>.Success(new Caller(key.Name, CallerKind.ApiKey))
            : Result<Caller>.Forbidden(
                $"Caller '{key.Name}' may not call {operation}; an operator can add \"{operation}\" (or \"{operation.Service}/*\") to its \"allow\" list in the API key file.");
    }

    private Result<Caller> AuthorizeByCertificate(RpcOperation operation, string? certificateName)
    {
        if (!clientCertificatesRequired)
        {
            return Result<Caller>.Success(Caller.Anonymous);
        }

        if (!string.IsNullOrWhiteSpace(certificateName))
        {
            return Result<Caller>.Success(new Caller(certificateName, CallerKind.ClientCertificate));
        }

        return Result<Caller>.Unauthorized(operation.Service == RpcOperation.HttpService
            ? $"{operation} needs credentials, and the HTTP port cannot carry a client certificate: configure API keys (WorkflowRuntime:Security:ApiKeysPath) to read it; /health/live and /health/ready are open."
            : $"{operation} needs a client certificate signed by the configured CA.");
    }

    private ApiKey? Find(string presented)
    {
        var hash = ApiKeyHash.Compute(presented);
        ApiKey? match = null;
        // Every stored hash is compared, so the time taken does not say which one (or whether one) matched.
        foreach (var key in keys!.Keys)
        {
            if (ApiKeyHash.FixedTimeEquals(hash, key.Sha256.Span))
            {
                match = key;
            }
        }

        return match;
    }
}
