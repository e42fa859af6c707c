namespace WorkflowRuntime.Application.Security;

/// <summary>Who made a call, once authenticated: the API key's name or the client certificate's common name.</summary>
public sealed record Caller(string Name, CallerKind Kind)
{
    /// <summary>No authentication is configured (embedded profile, or <c>AllowInsecure</c>): nobody to name.</summary>
    public static Caller Anonymous { get; } = new(string.Empty, CallerKind.Anonymous);

    public bool IsAnonymous => Kind == CallerKind.Anonymous;
}

public enum CallerKind
{
    Anonymous,
    ApiKey,
    ClientCertificate,
}
