using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class IanaTimeZonesTests
{
    [Theory]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Etc/GMT+5")]
    public void Canonical_ids_are_accepted(string zone)
    {
        Assert.True(IanaTimeZones.IsCanonical(zone));
        Assert.NotNull(IanaTimeZones.Resolve(zone));
    }

    [Theory]
    [InlineData("America")]
    [InlineData("Europe")]
    [InlineData("posixrules")]
    [InlineData("localtime")]
    [InlineData("right/UTC")]
    [InlineData("posix/Europe/Berlin")]
    [InlineData("Factory")]
    [InlineData("Europe/Atlantis")]
    [InlineData("../../etc/passwd")]
    public void Directories_files_and_unknown_names_are_refused_without_a_hint(string zone)
    {
        Assert.False(IanaTimeZones.IsCanonical(zone));
        Assert.Null(IanaTimeZones.CanonicalSpelling(zone));
        var ex = Assert.Throws<DomainValidationException>(() => IanaTimeZones.Resolve(zone));
        Assert.Equal("timezone", ex.Field);
        Assert.Contains("is not an IANA time zone id", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Europe/berlin", "Europe/Berlin")]
    [InlineData("utc", "UTC")]
    [InlineData("AMERICA/NEW_YORK", "America/New_York")]
    [InlineData(" europe/berlin ", "Europe/Berlin")]
    public void A_wrong_spelling_is_refused_with_the_canonical_one_as_the_hint(string zone, string canonical)
    {
        Assert.Equal(canonical, IanaTimeZones.CanonicalSpelling(zone));
        var ex = Assert.Throws<DomainValidationException>(() => IanaTimeZones.Resolve(zone));
        Assert.Contains($"did you mean '{canonical}'?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compiled_in_list_is_a_full_tz_database_without_case_twins()
    {
        Assert.True(IanaTimeZones.All.Count > 500);
        Assert.Equal(IanaTimeZones.All.Count, IanaTimeZones.All.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Matches("^20[0-9]{2}[a-z]$", IanaTimeZones.Version);
    }
}
