using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Stores instants as UTC ticks (SQLite only), which sort and compare like the instants themselves.</summary>
internal sealed class DateTimeOffsetToUtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
