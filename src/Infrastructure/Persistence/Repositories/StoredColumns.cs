namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <summary>Column values as EF stores them, for the statements written by hand (the batchers).</summary>
internal static class StoredColumns
{
    /// <summary>An enum as <see cref="UpperCaseEnumConverter{TEnum}"/> stores it ('RUNNING').</summary>
    public static string Spell<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToUpperInvariant();

    /// <summary>timestamptz takes UTC DateTimes; the stored value is the instant, as EF writes it from a DateTimeOffset.</summary>
    public static DateTime? Utc(DateTimeOffset? instant) => instant?.UtcDateTime;
}
