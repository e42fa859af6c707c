using System.Text.RegularExpressions;
using WorkflowRuntime.Domain.Errors;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>An HTTP path (relative to the gateway's webhook root) and the methods that start the workflow.</summary>
public sealed partial record WebhookTriggerSpec : TriggerSpec
{
    public const string DefaultMethod = "POST";

    private static readonly HashSet<string> AllowedMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    private WebhookTriggerSpec(string path, IReadOnlyList<string> methods)
    {
        Path = path;
        Methods = methods;
    }

    public override TriggerType Type => TriggerType.Webhook;

    public string Path { get; }

    /// <summary>Upper-case, distinct, sorted.</summary>
    public IReadOnlyList<string> Methods { get; }

    public static WebhookTriggerSpec Create(string? path, IEnumerable<string?>? methods = null)
    {
        var normalizedPath = (path ?? string.Empty).Trim().TrimStart('/');
        if (!PathPattern().IsMatch(normalizedPath))
        {
            throw new DomainValidationException("path",
                $"path '{path}' must match [a-z0-9][a-z0-9/_-]{{0,127}} (lower-case letters, digits, '/', '_', '-'; at most 128 characters).");
        }

        var normalizedMethods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in methods ?? [])
        {
            var upper = string.IsNullOrWhiteSpace(method) ? DefaultMethod : method.Trim().ToUpperInvariant();
            if (!AllowedMethods.Contains(upper))
            {
                throw new DomainValidationException("methods",
                    $"method '{method}' is not supported; use one of {string.Join(", ", AllowedMethods)}.");
            }

            normalizedMethods.Add(upper);
        }

        if (normalizedMethods.Count == 0)
        {
            normalizedMethods.Add(DefaultMethod);
        }

        return new WebhookTriggerSpec(normalizedPath, [.. normalizedMethods]);
    }

    public bool Accepts(string? method) =>
        Methods.Contains(string.IsNullOrWhiteSpace(method) ? DefaultMethod : method.Trim().ToUpperInvariant());

    public bool Equals(WebhookTriggerSpec? other) =>
        other is not null && Path == other.Path && Methods.SequenceEqual(other.Methods);

    public override int GetHashCode() => HashCode.Combine(Path, string.Join(',', Methods));

    [GeneratedRegex("^[a-z0-9][a-z0-9/_-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}
