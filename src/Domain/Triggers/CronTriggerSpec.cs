using System.Collections.Concurrent;
using Cronos;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>
/// A cron schedule in an IANA time zone. Five fields (minute resolution) or six (leading seconds field).
/// Construct through <see cref="Create"/>, which refuses an expression or zone that cannot be used.
/// </summary>
public sealed record CronTriggerSpec : TriggerSpec
{
    public const string UtcZone = "UTC";
    public const int MaxJitterWindowSeconds = 3600;

    // The gap scan looks at a fixed, DST-bearing year so the effective window (and so the jitter) of a given
    // expression never depends on when it was computed.
    private static readonly DateTime GapScanStartUtc = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime GapScanEndUtc = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private const int GapScanMaxOccurrences = 20_000;

    private CronTriggerSpec(string expression, string timeZoneId, bool disableJitter, int jitterWindowSeconds,
        CronExpression parsed, TimeZoneInfo zone)
    {
        Expression = expression;
        TimeZoneId = timeZoneId;
        DisableJitter = disableJitter;
        JitterWindowSeconds = jitterWindowSeconds;
        Parsed = parsed;
        Zone = zone;
    }

    // The gap is a pure function of expression and zone, and scanning a year of occurrences is costly: compute it
    // once per distinct schedule (thousands of workflows tend to share a handful of expressions).
    private static readonly ConcurrentDictionary<(string Expression, string Zone), TimeSpan?> ShortestGaps = new();

    public override TriggerType Type => TriggerType.Cron;

    public string Expression { get; }

    public string TimeZoneId { get; }

    public bool DisableJitter { get; }

    /// <summary>The configured window; see <see cref="EffectiveJitterWindowSeconds"/> for the one in force.</summary>
    public int JitterWindowSeconds { get; }

    /// <summary>True for six-field expressions, whose first field is seconds.</summary>
    public bool HasSeconds => Expression.Split(' ').Length == 6;

    private CronExpression Parsed { get; }

    private TimeZoneInfo Zone { get; }

    /// <summary>The longest expression accepted; real ones are a few dozen characters.</summary>
    public const int MaxExpressionLength = 256;

    /// <param name="expression">Five or six space-separated fields.</param>
    /// <param name="timeZoneId">IANA id; empty means UTC.</param>
    /// <param name="disableJitter">Fire exactly on the occurrence.</param>
    /// <param name="jitterWindowSeconds">0 means the default window (300 s).</param>
    public static CronTriggerSpec Create(string? expression, string? timeZoneId = null, bool disableJitter = false,
        int jitterWindowSeconds = 0)
    {
        var trimmed = (expression ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            throw new DomainValidationException("cron_expression", "cron_expression is required.");
        }

        if (trimmed.Length > MaxExpressionLength || InputText.FindUnstorable(trimmed) is not null)
        {
            throw new DomainValidationException("cron_expression",
                $"cron_expression '{InputText.Quote(trimmed)}' is not a cron expression (at most {MaxExpressionLength} printable characters).");
        }

        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var format = fields.Length switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            _ => throw new DomainValidationException("cron_expression",
                $"cron_expression '{InputText.Quote(trimmed)}' has {fields.Length} fields; expected 5 (minute hour day month weekday) or 6 (with leading seconds)."),
        };

        CronFieldRules.Check(fields);
        var parsed = ParseExpression(fields, format);

        // Blanks around an id are dropped; the id itself is matched exactly, case included (ADR 0018).
        var zoneId = string.IsNullOrWhiteSpace(timeZoneId) ? UtcZone : timeZoneId.Trim();
        var zone = FindZone(zoneId);

        if (jitterWindowSeconds is < 0 or > MaxJitterWindowSeconds)
        {
            throw new DomainValidationException("jitter_window_seconds",
                $"jitter_window_seconds must be between 0 (default {JitterPolicy.DefaultWindowSeconds}) and {MaxJitterWindowSeconds}; got {jitterWindowSeconds}.");
        }

        var window = jitterWindowSeconds == 0 ? JitterPolicy.DefaultWindowSeconds : jitterWindowSeconds;
        if (parsed.GetNextOccurrence(GapScanStartUtc, zone) is null)
        {
            throw new DomainValidationException("cron_expression", $"cron_expression '{InputText.Quote(trimmed)}' never fires.");
        }

        return new CronTriggerSpec(string.Join(' ', fields), zoneId, disableJitter, window, parsed, zone);
    }

    /// <summary>
    /// Rebuilds a spec that was validated when it was stored, under the rules of that time: only what is needed to
    /// compute fires is checked, and a zone stored in another case (before ids were matched exactly) is read as its
    /// canonical spelling. Throws <see cref="DomainValidationException"/> when the row cannot be used at all; the
    /// persistence adapter turns that into an <see cref="UnusableTriggerSpec"/> rather than failing the read.
    /// </summary>
    public static CronTriggerSpec FromStorage(string? expression, string? timeZoneId, bool disableJitter, int jitterWindowSeconds)
    {
        var fields = (expression ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var format = fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        var parsed = ParseExpression(fields, format);
        var zoneId = string.IsNullOrWhiteSpace(timeZoneId) ? UtcZone : IanaTimeZones.CanonicalSpelling(timeZoneId) ?? timeZoneId;
        var zone = FindZone(zoneId);
        var window = jitterWindowSeconds is > 0 and <= MaxJitterWindowSeconds ? jitterWindowSeconds : JitterPolicy.DefaultWindowSeconds;
        return new CronTriggerSpec(string.Join(' ', fields), zoneId, disableJitter, window, parsed, zone);
    }

    private static CronExpression ParseExpression(string[] fields, CronFormat format)
    {
        try
        {
            return CronExpression.Parse(string.Join(' ', fields), format);
        }
        catch (CronFormatException ex)
        {
            throw new DomainValidationException("cron_expression",
                $"cron_expression '{InputText.Quote(string.Join(' ', fields))}' is invalid: {ex.Message}");
        }
    }

    /// <summary>The window in force: the configured one capped by the shortest gap between two fires.</summary>
    public int EffectiveJitterWindowSeconds => JitterPolicy.EffectiveWindow(JitterWindowSeconds, ShortestGap());

    /// <summary>The offset for this workflow; 0 when jitter is disabled.</summary>
    public int JitterFor(string workflowId) =>
        DisableJitter ? 0 : JitterPolicy.CalculateJitter(workflowId, EffectiveJitterWindowSeconds);

    /// <summary>The next occurrence strictly after <paramref name="after"/>, in UTC; null if the schedule has ended.</summary>
    public DateTimeOffset? NextOccurrenceAfter(DateTimeOffset after)
    {
        var next = Parsed.GetNextOccurrence(after.UtcDateTime, Zone, inclusive: false);
        return next is null ? null : new DateTimeOffset(next.Value, TimeSpan.Zero);
    }

    /// <summary>A UTC instant as the wall-clock time (with its offset) of this trigger's zone, DST included.</summary>
    public DateTimeOffset ToZoneTime(DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, Zone);

    /// <summary>The shortest gap between two consecutive fires over a reference year (null: fewer than two fires).</summary>
    public TimeSpan? ShortestGap() => ShortestGaps.GetOrAdd((Expression, TimeZoneId), _ => ScanShortestGap());

    private TimeSpan? ScanShortestGap()
    {
        TimeSpan? shortest = null;
        DateTime? previous = null;
        var count = 0;
        foreach (var occurrence in Parsed.GetOccurrences(GapScanStartUtc, GapScanEndUtc, Zone))
        {
            if (previous is not null)
            {
                var gap = occurrence - previous.Value;
                if (shortest is null || gap < shortest)
                {
                    shortest = gap;
                }

                // Nothing can be shorter than one second, nor matter once below the smallest window.
                if (shortest <= TimeSpan.FromSeconds(1))
                {
                    break;
                }
            }

            previous = occurrence;
            if (++count >= GapScanMaxOccurrences)
            {
                break;
            }
        }

        return shortest;
    }

    public bool Equals(CronTriggerSpec? other) =>
        other is not null && Expression == other.Expression && TimeZoneId == other.TimeZoneId &&
        DisableJitter == other.DisableJitter && JitterWindowSeconds == other.JitterWindowSeconds;

    public override int GetHashCode() => HashCode.Combine(Expression, TimeZoneId, DisableJitter, JitterWindowSeconds);

    private static TimeZoneInfo FindZone(string zoneId)
    {
        // .NET also resolves Windows ids ("W. Europe Standard Time"); the contract promises IANA ids only.
        if (!IanaTimeZones.IsCanonical(zoneId) && IanaTimeZones.CanonicalSpelling(zoneId) is null
            && TimeZoneInfo.TryConvertWindowsIdToIanaId(zoneId, out var ianaId))
        {
            throw new DomainValidationException("timezone", $"timezone '{InputText.Quote(zoneId)}' is a Windows id; use the IANA id '{ianaId}'.");
        }

        return IanaTimeZones.Resolve(zoneId);
    }
}
