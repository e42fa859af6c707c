using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Logging;

namespace WorkflowRuntime.Presentation.Grpc.Logging;

/// <summary>
/// <c>WorkflowRuntime:Logging:MaskedKeys</c>: names added to the built-in secret names
/// (<see cref="SecretKeyList.DefaultKeys"/>). Read and validated before the host is built, because the first log
/// lines are written before the container exists; a bad entry stops start-up with the entry named.
/// </summary>
internal static partial class LogMasking
{
    public const string SectionName = "WorkflowRuntime:Logging:MaskedKeys";
    private const int MaxKeys = 100;
    private const int MaxKeyLength = 64;

    public static SecretKeyList Configure(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        // Both an array (MaskedKeys:0, MaskedKeys:1 …) and one comma-separated value (an environment variable) work.
        var extra = section.GetChildren().Select(c => c.Value ?? string.Empty)
            .Concat(section.Value is { } single ? single.Split(',', StringSplitOptions.TrimEntries) : [])
            .ToList();
        var errors = Validate(extra);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(SectionName, typeof(SecretKeyList), errors);
        }

        var list = SecretKeyList.WithDefaults(extra);
        SecretKeyList.Configure(list);
        return list;
    }

    internal static List<string> Validate(IReadOnlyList<string> keys)
    {
        var errors = new List<string>();
        if (keys.Count > MaxKeys)
        {
            errors.Add($"{SectionName} lists {keys.Count} names; at most {MaxKeys} are allowed.");
        }

        for (var i = 0; i < keys.Count && errors.Count < 5; i++)
        {
            var key = keys[i];
            if (key.Length is 0 or > MaxKeyLength || !KeyPattern().IsMatch(key))
            {
                var shown = key.Length > 32 ? key[..32] + "…" : key;
                errors.Add($"{SectionName}[{i}] '{shown}' must be 1-{MaxKeyLength} letters, digits, '_', '-' or '.'.");
            }
        }

        return errors;
    }

    /// <summary>A log field's value: masked whole when the field's own name is secret, otherwise redacted.</summary>
    public static string? MaskField(string name, string? value) =>
        LogRedactor.Default.IsSecretKey(name) ? LogRedactor.Mask : LogRedactor.Default.Redact(value);

    [GeneratedRegex("^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
