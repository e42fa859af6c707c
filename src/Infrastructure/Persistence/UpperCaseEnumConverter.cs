using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Stores a single-word enum as its upper-case name ('DRAFT', 'RUNNING'), the values the CHECK constraints name.</summary>
internal sealed class UpperCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => value.ToString().ToUpperInvariant(),
    text => Enum.Parse<TEnum>(text, true))
    where TEnum : struct, Enum
{
    /// <summary>The SQL list of every stored value, for CHECK constraints: <c>'A','B'</c>.</summary>
    public static string SqlValueList() =>
        string.Join(',', Enum.GetNames<TEnum>().Select(name => $"'{name.ToUpperInvariant()}'"));
}
