using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class WebhookPathTests
{
    [Theory]
    [InlineData("a/", "a")]
    [InlineData("/a", "a")]
    [InlineData("a//b", "a/b")]
    [InlineData("//a///b//", "a/b")]
    [InlineData("  /orders/created/  ", "orders/created")]
    [InlineData("", "")]
    [InlineData("///", "")]
    public void Normalize_drops_end_slashes_and_collapses_runs(string path, string expected) =>
        Assert.Equal(expected, WebhookPath.Normalize(path));

    [Theory]
    [InlineData("Orders")]
    [InlineData("a/.")]
    [InlineData("a/../b")]
    public void Validate_keeps_case_and_the_character_rules(string path)
    {
        var ex = Assert.Throws<DomainValidationException>(() => WebhookPath.Validate(path));
        Assert.Equal("path", ex.Field);
    }

    [Fact]
    public void Registering_and_resolving_agree_on_one_form()
    {
        var registered = WebhookTriggerSpec.Create("orders//created/").Path;

        Assert.Equal("orders/created", registered);
        Assert.Equal(registered, WebhookPath.Normalize("/orders/created"));
    }

    [Fact]
    public void A_long_invalid_path_is_quoted_by_a_short_prefix_only()
    {
        var ex = Assert.Throws<DomainValidationException>(() => WebhookPath.Validate(new string('Z', 5000)));

        Assert.True(ex.Message.Length < 300, ex.Message);
    }

    [Fact]
    public void FromStorage_keeps_a_stored_path_that_todays_rules_would_refuse()
    {
        var spec = WebhookTriggerSpec.FromStorage("legacy/", ["get", null, "post"]);

        Assert.Equal("legacy/", spec.Path);
        Assert.Equal(["GET", "POST"], spec.Methods);
        Assert.Equal(["POST"], WebhookTriggerSpec.FromStorage("x", null).Methods);
    }
}
