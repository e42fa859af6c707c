using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>An HTTP path (relative to the gateway's webhook root) and the methods that start the workflow.</summary>
public sealed record WebhookTriggerSpec : TriggerSpec
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
        var normalizedPath = WebhookPath.Validate(path);
        var given = methods?.ToList() ?? [];
        if (given.Count > AllowedMethods.Count)
        {
            throw new DomainValidationException("methods", $"methods lists {given.Count} entries; there are only {AllowedMethods.Count} methods.");
        }

        var normalizedMethods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in given)
        {
            var upper = string.IsNullOrWhiteSpace(method) ? DefaultMethod : method.Trim().ToUpperInvariant();
            if (!AllowedMethods.Contains(upper))
            {
                throw new DomainValidationException("methods",
                    $"method '{InputText.Quote(method)}' is not supported; use one of {string.Join(", ", AllowedMethods)}.");
            }

            normalizedMethods.Add(upper);
        }

        if (normalizedMethods.Count == 0)
        {
            normalizedMethods.Add(DefaultMethod);
        }

        return new WebhookTriggerSpec(normalizedPath, [.. normalizedMethods]);
    }

    /// <summary>Rebuilds a stored spec as it was stored: the path is the database's unique key and is not re-checked.</summary>
    public static WebhookTriggerSpec FromStorage(string? path, IEnumerable<string?>? methods)
    {
        var stored = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in methods ?? [])
        {
            if (!string.IsNullOrWhiteSpace(method))
            {
                stored.Add(method.Trim().ToUpperInvariant());
            }
        }

        if (stored.Count == 0)
        {
            stored.Add(DefaultMethod);
        }

        return new WebhookTriggerSpec(path ?? string.Empty, [.. stored]);
    }

    public bool Accepts(string? method) =>
        Methods.Contains(string.IsNullOrWhiteSpace(method) ? DefaultMethod : method.Trim().ToUpperInvariant());

    public bool Equals(WebhookTriggerSpec? other) =>
        other is not null && Path == other.Path && Methods.SequenceEqual(other.Methods);

    public override int GetHashCode() => HashCode.Combine(Path, string.Join(',', Methods));
}
