using System.Text.RegularExpressions;

namespace WorkflowRuntime.Application.Logging;

/// <summary>
/// Hides secret values in free text before it reaches a log line or a caller: JSON members
/// (<c>"password": "…"</c>, also JSON escaped inside a string), <c>key=value</c> and <c>key: value</c> pairs
/// (connection strings, headers, <c>Authorization: Bearer …</c>), PostgreSQL's <c>Key (col)=(value)</c> details
/// and the password of a URL. Which names are secret is the <see cref="SecretKeyList"/>.
/// </summary>
public sealed partial class LogRedactor
{
    public const string Mask = "***";

    private readonly SecretKeyList? _keys;

    /// <param name="keys">Null: the process's configured list, read at each call.</param>
    public LogRedactor(SecretKeyList? keys = null)
    {
        _keys = keys;
    }

    /// <summary>Follows <see cref="SecretKeyList.Configured"/>.</summary>
    public static LogRedactor Default { get; } = new();

    public SecretKeyList Keys => _keys ?? SecretKeyList.Configured;

    public bool IsSecretKey(string? name) => Keys.IsSecretKey(name);

    public string? Redact(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var keys = Keys;
        if (!keys.MayContainSecrets(text))
        {
            return text;
        }

        try
        {
            return RedactChecked(text, keys);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological text must not stall the logger, and must not leak either.
            return "[text withheld: it could not be checked for secrets in time]";
        }
    }

    private static string RedactChecked(string text, SecretKeyList keys)
    {
        // A value under a harmless name can still hold secrets (a nested object, JSON in a string, "a: b=c"): it is
        // redacted on its own, so nothing is skipped because its parent matched first.
        var redacted = JsonMember().Replace(text, m =>
        {
            var prefix = $"{m.Groups["open"].Value}{m.Groups["key"].Value}{m.Groups["close"].Value}{m.Groups["sep"].Value}";
            var value = m.Groups["value"].Value;
            return keys.IsSecretKey(m.Groups["key"].Value) ? prefix + QuotedMask(value) : prefix + RedactInner(value, keys);
        });
        redacted = MaskPairs(redacted, keys);
        redacted = PostgresKeyDetail().Replace(redacted, m => m.Groups["columns"].Value.Split(',').Any(c => keys.IsSecretKey(c.Trim()))
            ? $"({m.Groups["columns"].Value})=({Mask})"
            : m.Value);
        return UrlPassword().Replace(redacted, m => $"{m.Groups["prefix"].Value}{Mask}@");
    }

    /// <summary>
    /// <c>key=value</c> pairs. A pair under a harmless name is not consumed: scanning resumes at its value, so in
    /// <c>error: Authorization: Bearer …</c> the second pair is still found.
    /// </summary>
    private static string MaskPairs(string text, SecretKeyList keys)
    {
        var regex = KeyValue();
        var output = new System.Text.StringBuilder(text.Length);
        var copied = 0;
        var match = regex.Match(text);
        while (match.Success)
        {
            if (keys.IsSecretKey(match.Groups["key"].Value) && !IsPlaceholder(match.Groups["value"].Value))
            {
                output.Append(text, copied, match.Index - copied)
                    .Append(match.Groups["key"].Value).Append(match.Groups["sep"].Value).Append(Mask);
                copied = match.Index + match.Length;
                match = regex.Match(text, copied);
            }
            else
            {
                match = regex.Match(text, match.Groups["value"].Index);
            }
        }

        return copied == 0 ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>
    /// A value that only names what belongs there (<c>Bearer &lt;key&gt;</c>, <c>&lt;token&gt;</c>) is an instruction,
    /// not a credential: error messages that tell a caller what to send keep it readable.
    /// </summary>
    private static bool IsPlaceholder(string value) => Placeholder().IsMatch(value);

    private static string RedactInner(string value, SecretKeyList keys)
    {
        if (value.Length < 3 || !keys.MayContainSecrets(value))
        {
            return value;
        }

        // Strip the outer delimiters so the inner text is scanned as text of its own, then put them back.
        var (head, body, tail) = value[0] is '"' or '{' or '[' or '\''
            ? (value[..1], value[1..^1], value[^1..])
            : (string.Empty, value, string.Empty);
        return head + RedactChecked(body, keys) + tail;
    }

    private static string QuotedMask(string value) => value.StartsWith("\\\"", StringComparison.Ordinal) ? $"\\\"{Mask}\\\"" : $"\"{Mask}\"";

    // "key": value, with the quotes of the key optionally JSON-escaped (\"key\":\"value\").
    [GeneratedRegex("""(?<open>\\?")(?<key>[^"\\\r\n]{1,128})(?<close>\\?")(?<sep>\s*:\s*)(?<value>\\"(?:(?!\\").)*?\\"|"(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^\[\]]*\]|[^,}\]\s"\\]+)""", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex JsonMember();

    // key=value or key: value in text; a Bearer/Basic credential keeps its scheme hidden too.
    [GeneratedRegex("""(?<![\w-])(?<key>[A-Za-z][\w.-]{0,63})(?<sep>\s*[=:]\s*)(?<value>(?:Bearer|Basic|Token|Digest)\s+[^\s,;&"'}\]]+|"[^"\r\n]*"|'[^'\r\n]*'|[^\s,;&"'}\]]+)""", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 200)]
    private static partial Regex KeyValue();

    [GeneratedRegex("""^(?:(?:Bearer|Basic|Token|Digest)\s+)?<[\w -]{1,32}>$""", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 200)]
    private static partial Regex Placeholder();

    // PostgreSQL: Key (email, password)=(a@b, hunter2) already exists.
    [GeneratedRegex("""\((?<columns>[\w, ]{1,256})\)=\((?<value>[^)\r\n]*)\)""", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex PostgresKeyDetail();

    [GeneratedRegex("""(?<prefix>[a-z][a-z0-9+.-]{1,16}://[^:/@\s]+:)(?<password>[^@/\s]+)@""", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 200)]
    private static partial Regex UrlPassword();
}
