namespace WorkflowRuntime.Application.Security;

/// <summary>A caller that authenticates with a bearer key: its name, the SHA-256 of the key (never the key), what it may call.</summary>
public sealed class ApiKey
{
    public ApiKey(string name, ReadOnlySpan<byte> sha256, IReadOnlyList<RpcPermission> allow)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(allow);
        if (sha256.Length != ApiKeyHash.Length)
        {
            throw new ArgumentException($"a SHA-256 hash has {ApiKeyHash.Length} bytes", nameof(sha256));
        }

        Name = name;
        Sha256 = sha256.ToArray();
        Allow = allow;
    }

    public string Name { get; }

    public ReadOnlyMemory<byte> Sha256 { get; }

    public IReadOnlyList<RpcPermission> Allow { get; }

    public bool Allows(RpcOperation operation) => Allow.Any(permission => permission.Allows(operation));
}
