using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class WebhookTriggerSpecTests
{
    public static TheoryData<string> ValidPaths => new()
    {
        "orders/created",
        "a",
        "0",
        "hooks/v1/order_created-2",
        "a" + new string('b', 127), // 128 characters
    };

    public static TheoryData<string?> InvalidPaths => new()
    {
        null,
        "",
        "/",
        "Upper",
        "orders/Created",
        "-x",
        "_x",
        "a" + new string('b', 128), // 129 characters
        "with space",
        "orders created",
        "orders?x=1",
        "ünicode",
    };

    [Theory]
    [MemberData(nameof(ValidPaths))]
    public void Create_accepts_a_valid_path(string path)
    {
        var spec = WebhookTriggerSpec.Create(path);

        Assert.Equal(path, spec.Path);
        Assert.Equal(TriggerType.Webhook, spec.Type);
    }

    [Theory]
    [MemberData(nameof(InvalidPaths))]
    public void Create_refuses_an_invalid_path(string? path)
    {
        var ex = Assert.Throws<DomainValidationException>(() => WebhookTriggerSpec.Create(path));

        Assert.Equal("path", ex.Field);
    }

    [Theory]
    [InlineData("/orders/created", "orders/created")]
    [InlineData("///orders", "orders")]
    [InlineData("  /orders  ", "orders")]
    public void Create_trims_leading_slashes_and_whitespace(string path, string expected) =>
        Assert.Equal(expected, WebhookTriggerSpec.Create(path).Path);

    [Theory]
    [InlineData(new[] { "post" }, new[] { "POST" })]
    [InlineData(new[] { "put", "GET", "get", " Post " }, new[] { "GET", "POST", "PUT" })]
    [InlineData(new[] { "DELETE", "PATCH" }, new[] { "DELETE", "PATCH" })]
    [InlineData(new string[0], new[] { "POST" })]
    public void Create_normalises_methods_to_sorted_distinct_upper_case(string[] methods, string[] expected) =>
        Assert.Equal(expected, WebhookTriggerSpec.Create("orders", methods).Methods);

    [Fact]
    public void Create_without_methods_accepts_post_only()
    {
        var spec = WebhookTriggerSpec.Create("orders");

        Assert.Equal(["POST"], spec.Methods);
    }

    [Fact]
    public void Create_reads_a_blank_method_as_post() =>
        Assert.Equal(["GET", "POST"], WebhookTriggerSpec.Create("orders", ["GET", " ", null]).Methods);

    [Theory]
    [InlineData("TRACE")]
    [InlineData("CONNECT")]
    [InlineData("FETCH")]
    public void Create_refuses_an_unsupported_method(string method)
    {
        var ex = Assert.Throws<DomainValidationException>(() => WebhookTriggerSpec.Create("orders", ["POST", method]));

        Assert.Equal("methods", ex.Field);
        Assert.Contains(method, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("get", true)]
    [InlineData(" put ", true)]
    [InlineData("POST", false)]
    [InlineData("DELETE", false)]
    [InlineData(null, false)]   // no method means POST
    [InlineData("", false)]
    public void Accepts_only_the_configured_methods_case_insensitively(string? method, bool expected) =>
        Assert.Equal(expected, WebhookTriggerSpec.Create("orders", ["GET", "PUT"]).Accepts(method));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("post")]
    public void Accepts_a_missing_method_as_post_on_a_default_spec(string? method) =>
        Assert.True(WebhookTriggerSpec.Create("orders").Accepts(method));

    [Fact]
    public void Specs_with_the_same_path_and_methods_are_equal()
    {
        var a = WebhookTriggerSpec.Create("/orders", ["put", "GET"]);
        var b = WebhookTriggerSpec.Create("orders", ["GET", "PUT"]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, WebhookTriggerSpec.Create("orders", ["GET"]));
        Assert.NotEqual(a, WebhookTriggerSpec.Create("orders2", ["GET", "PUT"]));
    }
}
