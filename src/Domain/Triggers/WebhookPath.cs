using System.Text;
using System.Text.RegularExpressions;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>
/// The one normalisation of webhook paths, applied alike when a path is registered, resolved and triggered: blanks
/// around it and slashes at either end are dropped and runs of slashes collapse to one, so <c>/a/</c>, <c>a//b/</c>
/// and <c>a/b</c> name the paths <c>a</c> and <c>a/b</c>. Case is kept: paths are lower-case by rule, and an
/// upper-case path is refused (registering) or simply not found (resolving), as HTTP paths are case-sensitive.
/// </summary>
public static partial class WebhookPath
{
    public const int MaxLength = 128;

    /// <summary>How long a path a lookup accepts before it answers "no such path" without normalising it.</summary>
    public const int MaxLookupLength = 1024;

    public static string Normalize(string? path)
    {
        var text = (path ?? string.Empty).Trim();
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == '/' && (builder.Length == 0 || builder[^1] == '/'))
            {
                continue;
            }

            builder.Append(c);
        }

        if (builder.Length > 0 && builder[^1] == '/')
        {
            builder.Length--;
        }

        return builder.ToString();
    }

    /// <summary>The normalised path, or a violation naming <paramref name="field"/> when it can never be registered.</summary>
    public static string Validate(string? path, string field = "path")
    {
        var normalized = Normalize(path);
        if (normalized.Length == 0)
        {
            throw new DomainValidationException(field, $"{field} is required.");
        }

        if (normalized.Length > MaxLength || !Pattern().IsMatch(normalized))
        {
            throw new DomainValidationException(field,
                $"{field} '{InputText.Quote(path)}' must be segments of lower-case letters, digits, '_' and '-' separated by '/', starting with a letter or digit, at most {MaxLength} characters.");
        }

        return normalized;
    }

    public static bool IsValid(string normalized) => normalized.Length is > 0 and <= MaxLength && Pattern().IsMatch(normalized);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*(/[a-z0-9_-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
