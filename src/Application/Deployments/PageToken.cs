using System.Buffers.Text;
using System.Globalization;
using System.Text;
using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>
/// The opaque list cursor: the (creation time, id) of the last item of a page. Keyset paging in that stable order
/// returns each deployment exactly once even while others are being added.
/// </summary>
internal static class PageToken
{
    private const string Prefix = "d1:";

    public static string Encode(DeploymentCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $"{Prefix}{cursor.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{cursor.Id:N}"));

    public static bool TryDecode(string token, out DeploymentCursor? cursor)
    {
        cursor = null;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }

        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Prefix.Length..].Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }

        cursor = new DeploymentCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }
}
