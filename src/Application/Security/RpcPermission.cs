namespace WorkflowRuntime.Application.Security;

/// <summary>One entry of an API key's <c>allow</c> list: <c>Service/Method</c> or <c>Service/*</c> (every method of it).</summary>
public sealed record RpcPermission(string Service, string Method)
{
    public const string AnyMethod = "*";

    public bool Allows(RpcOperation operation) =>
        string.Equals(Service, operation.Service, StringComparison.Ordinal)
        && (Method == AnyMethod || string.Equals(Method, operation.Method, StringComparison.Ordinal));

    /// <summary>Parses one entry; null with <paramref name="error"/> set when it is not of either form.</summary>
    public static RpcPermission? TryParse(string? text, out string error)
    {
        error = string.Empty;
        var parts = (text ?? string.Empty).Split('/');
        if (parts.Length != 2 || !IsName(parts[0]) || !(parts[1] == AnyMethod || IsName(parts[1])))
        {
            error = $"'{text}' is not 'Service/Method' or 'Service/*' (e.g. 'WorkflowRuntimeService/TriggerWorkflow', 'MonitoringService/*', 'Http/metrics')";
            return null;
        }

        return new RpcPermission(parts[0], parts[1]);
    }

    public override string ToString() => $"{Service}/{Method}";

    private static bool IsName(string part) =>
        part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');
}
