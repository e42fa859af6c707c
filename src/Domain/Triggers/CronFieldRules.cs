using System.Globalization;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Domain.Triggers;

/// <summary>
/// Checks Cronos leaves to chance: Cronos parses a backwards range such as <c>1-0</c> and a <c>?</c> in any field,
/// and quietly gives them a meaning the caller did not write. Here a range must run forwards and <c>?</c> (no
/// specific value) is allowed only in the day-of-month and day-of-week fields.
/// </summary>
internal static class CronFieldRules
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private enum Field
    {
        Second,
        Minute,
        Hour,
        DayOfMonth,
        Month,
        DayOfWeek,
    }

    public static void Check(IReadOnlyList<string> fields)
    {
        var kinds = fields.Count == 6
            ? new[] { Field.Second, Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek }
            : [Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek];
        for (var i = 0; i < fields.Count; i++)
        {
            foreach (var part in fields[i].Split(','))
            {
                CheckPart(part, kinds[i]);
            }
        }
    }

    private static void CheckPart(string part, Field field)
    {
        var slash = part.IndexOf('/', StringComparison.Ordinal);
        var range = slash < 0 ? part : part[..slash];
        if (range == "?" && field is not (Field.DayOfMonth or Field.DayOfWeek))
        {
            throw new DomainValidationException("cron_expression",
                $"cron_expression uses '?' in the {Name(field)} field; '?' is allowed only in the day-of-month and day-of-week fields (use '*').");
        }

        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !TryValue(range[..dash], field, out var start) || !TryValue(range[(dash + 1)..], field, out var end))
        {
            return;
        }

        if (start > end)
        {
            throw new DomainValidationException("cron_expression",
                $"cron_expression has the range '{InputText.Quote(range)}' in the {Name(field)} field, which runs backwards; a range is start-end with start <= end (split a wrap-around into two ranges).");
        }
    }

    private static bool TryValue(string text, Field field, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var names = field switch
        {
            Field.Month => MonthNames,
            Field.DayOfWeek => DayNames,
            _ => [],
        };
        var index = Array.FindIndex(names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        value = field == Field.Month ? index + 1 : index;
        return index >= 0;
    }

    private static string Name(Field field) => field switch
    {
        Field.Second => "seconds",
        Field.Minute => "minute",
        Field.Hour => "hour",
        Field.DayOfMonth => "day-of-month",
        Field.Month => "month",
        _ => "day-of-week",
    };
}
