using System.Text;

namespace WorkflowRuntime.Domain.Text;

/// <summary>
/// Rules every caller-supplied string obeys, and the one way an offending value is quoted back in an error message:
/// a short, printable prefix, so a 30,000-character id can never grow an error (and the trailers carrying it) past
/// what a client's header limit takes.
/// </summary>
public static class InputText
{
    /// <summary>How many characters of an offending value an error message may quote.</summary>
    public const int QuotedPrefixLength = 32;

    private const char Replacement = '\uFFFD';

    /// <summary>
    /// The value for an error message: at most <see cref="QuotedPrefixLength"/> characters followed by "…" when cut,
    /// with control characters and unpaired surrogates replaced so the message is valid, printable UTF-8.
    /// </summary>
    public static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(value.Length, QuotedPrefixLength) + 1);
        var taken = 0;
        for (var i = 0; i < value.Length && taken < QuotedPrefixLength; i++, taken++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) || char.IsControl(c) ? Replacement : c);
            }
        }

        return taken < CountCharacters(value) ? builder.Append('…').ToString() : builder.ToString();
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot be stored, or null when it can: PostgreSQL text refuses NUL, and an
    /// unpaired UTF-16 surrogate has no UTF-8 form.
    /// </summary>
    public static string? FindUnstorable(string? value)
    {
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return $"contains a NUL character at position {i}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains an unpaired UTF-16 surrogate at position {i}";
            }
        }

        return null;
    }

    // Surrogate pairs count once, like the quoting loop above.
    private static int CountCharacters(string value)
    {
        var count = 0;
        for (var i = 0; i < value.Length; i++, count++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
        }

        return count;
    }
}
