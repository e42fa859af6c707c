using System.Collections.Frozen;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>
/// The time-zone ids a cron trigger may name: exactly the Zone and Link names of the tz database (ADR 0018), spelled
/// as the database spells them. The list is compiled in, so the answer never depends on the host's ICU, on what the
/// process looked up before, or on files such as <c>posixrules</c>, <c>localtime</c> or <c>right/UTC</c> that sit
/// in <c>/usr/share/zoneinfo</c> without being zones.
/// </summary>
public static class IanaTimeZones
{
    private static readonly FrozenSet<string> Canonical = IanaTimeZoneNames.All.ToFrozenSet(StringComparer.Ordinal);

    // No two tz names differ only in case, so a case-insensitive match names one canonical spelling.
    private static readonly FrozenDictionary<string, string> ByFoldedName =
        IanaTimeZoneNames.All.ToFrozenDictionary(name => name, name => name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The tz database release the list was generated from.</summary>
    public static string Version => IanaTimeZoneNames.TzdataVersion;

    public static IReadOnlyCollection<string> All => Canonical;

    public static bool IsCanonical(string? zoneId) => zoneId is not null && Canonical.Contains(zoneId);

    /// <summary>The canonical spelling of <paramref name="zoneId"/> when it differs only in case or surrounding blanks.</summary>
    public static string? CanonicalSpelling(string? zoneId) =>
        zoneId is not null && ByFoldedName.TryGetValue(zoneId.Trim(), out var canonical) ? canonical : null;

    /// <summary>The zone for a canonical id; refuses anything else with a message that gives the right spelling when there is one.</summary>
    /// <param name="field">The field to name in the violation.</param>
    public static TimeZoneInfo Resolve(string zoneId, string field = "timezone")
    {
        ArgumentNullException.ThrowIfNull(zoneId);
        if (!Canonical.Contains(zoneId))
        {
            var hint = CanonicalSpelling(zoneId);
            throw new DomainValidationException(field, hint is not null
                ? $"timezone '{InputText.Quote(zoneId)}' is not a canonical IANA id; did you mean '{hint}'?"
                : $"timezone '{InputText.Quote(zoneId)}' is not an IANA time zone id (e.g. 'Europe/Berlin' or 'UTC'; case matters).");
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new DomainValidationException(field,
                $"timezone '{zoneId}' is an IANA id, but this host's time-zone database (tzdata) does not have it; the operator must update tzdata.");
        }
    }
}
