using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WorkflowRuntime.Domain.Text;

/// <summary>
/// What a JSON payload must satisfy besides being syntactically valid, so that every store and every consumer takes
/// it: no <c>\u0000</c> escape (PostgreSQL text and jsonb refuse NUL), no lone-surrogate escape (no UTF-8 form), and
/// every number a finite IEEE double that does not underflow to zero, written in at most
/// <see cref="MaxNumberLength"/> characters. PostgreSQL jsonb keeps numbers as <c>numeric</c> (about 131,072 digits
/// before the point, 16,383 after), so anything this accepts jsonb stores, SQLite keeps as text, and the engine reads
/// as a double without loss of meaning.
/// </summary>
public static class JsonText
{
    public const int MaxNumberLength = 100;

    /// <summary>Why <paramref name="json"/> cannot be stored, or null when it can. Syntax errors are the caller's to report.</summary>
    public static string? FindUnstorable(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                var problem = reader.TokenType switch
                {
                    JsonTokenType.String or JsonTokenType.PropertyName => CheckString(ref reader),
                    JsonTokenType.Number => CheckNumber(reader.ValueSpan),
                    _ => null,
                };
                if (problem is not null)
                {
                    return $"{problem} (at byte {reader.TokenStartIndex})";
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: the caller's parser reports that, with its own position.
            return null;
        }

        return null;
    }

    private static string? CheckString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            // Unescaped text is valid UTF-8 and JSON forbids raw control characters, so nothing to find.
            return null;
        }

        string value;
        try
        {
            value = reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return "a string holds a lone UTF-16 surrogate escape such as \\ud800";
        }

        return value.Contains('\0', StringComparison.Ordinal) ? "a string holds the escape \\u0000 (NUL), which cannot be stored" : null;
    }

    private static string? CheckNumber(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > MaxNumberLength)
        {
            return $"a number is written with more than {MaxNumberLength} characters";
        }

        Span<char> text = stackalloc char[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            text[i] = (char)raw[i];
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return $"the number {text} is out of range (it must be a finite double, magnitude below 1.8e308)";
        }

        return value == 0 && HasNonZeroDigit(text)
            ? $"the number {text} is too small to be represented (it underflows to zero)"
            : null;
    }

    private static bool HasNonZeroDigit(ReadOnlySpan<char> number)
    {
        foreach (var c in number)
        {
            if (c is 'e' or 'E')
            {
                return false;
            }

            if (c is >= '1' and <= '9')
            {
                return true;
            }
        }

        return false;
    }
}
