using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace WorkflowRuntime.Application.Common;

/// <summary>
/// Opaque keyset cursors: the (creation time, id) of the last item of a page, tagged with the list they belong to
/// so a deployments token is refused by the execution history and vice versa.
/// </summary>
internal static class KeysetToken
{
    public static string Encode(string list, DateTimeOffset createdAt, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $"{list}:{createdAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{id:N}"));

    public static bool TryDecode(string list, string token, out DateTimeOffset createdAt, out Guid id)
    {
        createdAt = default;
        id = default;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }

        var prefix = list + ":";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[prefix.Length..].Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(parts[1], "N", out id))
        {
            return false;
        }

        createdAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }
}
