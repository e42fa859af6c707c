using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace WorkflowRuntime.Application.Logging;

/// <summary>
/// The names whose values are secrets, shared by the trigger-data masker and the log redactor. A name matches
/// case-insensitively after normalising camelCase, <c>-</c>, <c>.</c> and spaces to <c>_</c>
/// (<c>X-Api-Key</c>, <c>apiKey</c> and <c>API_KEY</c> are one name). Long fragments match anywhere in the name
/// (<c>db_password</c>, <c>access_token</c>); short ones (<c>pass</c>, <c>pwd</c>, <c>auth</c>) only as a whole
/// segment, so <c>passenger</c> and <c>author</c> stay readable.
/// </summary>
public sealed class SecretKeyList
{
    /// <summary>Shorter fragments are matched as whole segments only.</summary>
    private const int SubstringMinLength = 5;

    // Null until start-up configures it (static initialisers run in text order, so no default here).
    private static volatile SecretKeyList? _configured;

    private readonly string[] _substrings;
    private readonly HashSet<string> _segments;

    // Every spelling a name can take in free text (api_key, apikey, api-key; privateKey is apikey's case), and "://"
    // for URLs, in one vectorised multi-string search: the logger asks this of every message and field value.
    private readonly SearchValues<string> _mentions;

    // The logger asks about the same few field names on every line. Bounded: names taken from arbitrary text (JSON
    // members the redactor meets) must not grow it without end; past the bound an answer is computed, not kept.
    private const int MaxRememberedNames = 4096;
    private readonly ConcurrentDictionary<string, bool> _answers = new(StringComparer.Ordinal);

    public SecretKeyList(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = [.. keys.Select(Normalise).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal)];
        _substrings = [.. Keys.Where(k => k.Length >= SubstringMinLength).SelectMany(k => new[] { k, k.Replace("_", string.Empty, StringComparison.Ordinal) }).Distinct(StringComparer.Ordinal)];
        _segments = new HashSet<string>(Keys.Where(k => k.Length < SubstringMinLength), StringComparer.Ordinal);
        _mentions = SearchValues.Create(
            [.. Keys.SelectMany(k => new[] { k, k.Replace("_", string.Empty, StringComparison.Ordinal), k.Replace('_', '-') })
                .Append("://").Distinct(StringComparer.OrdinalIgnoreCase)],
            StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The built-in names; configuration can add to them, never remove one.</summary>
    public static IReadOnlyList<string> DefaultKeys { get; } =
    [
        "password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "authorization", "auth", "api_key", "apikey",
        "private_key", "credentials", "credential", "cookie", "session", "connection_string",
    ];

    public static SecretKeyList Default { get; } = new(DefaultKeys);

    /// <summary>The process's list: the defaults plus <c>WorkflowRuntime:Logging:MaskedKeys</c>, set once at start-up.</summary>
    public static SecretKeyList Configured => _configured ?? Default;

    /// <summary>The normalised names, in order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Makes <paramref name="list"/> the process's list (host start-up only).</summary>
    public static void Configure(SecretKeyList list) => _configured = list ?? throw new ArgumentNullException(nameof(list));

    public static SecretKeyList WithDefaults(IEnumerable<string>? extra) => new(DefaultKeys.Concat(extra ?? []));

    public bool IsSecretKey(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        if (_answers.TryGetValue(name, out var known))
        {
            return known;
        }

        var answer = Matches(name);
        if (_answers.Count < MaxRememberedNames)
        {
            _answers.TryAdd(name, answer);
        }

        return answer;
    }

    private bool Matches(string name)
    {
        var key = Normalise(name);
        var compact = key.Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var fragment in _substrings)
        {
            if (key.Contains(fragment, StringComparison.Ordinal) || compact.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return _segments.Count > 0 && key.Split('_', StringSplitOptions.RemoveEmptyEntries).Any(_segments.Contains);
    }

    /// <summary>True when <paramref name="text"/> mentions any name at all: the cheap test before a text is scanned.</summary>
    public bool MayContainSecrets(string text) => !string.IsNullOrEmpty(text) && text.AsSpan().ContainsAny(_mentions);

    internal static string Normalise(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && char.IsLower(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(c is '-' or '.' or ' ' ? '_' : char.ToLowerInvariant(c));
        }

        return builder.ToString().Trim('_');
    }
}
