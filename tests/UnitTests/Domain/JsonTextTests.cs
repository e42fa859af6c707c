using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\":\"ü\\u00fc\\ud83d\\ude00\",\"n\":[1,-2.5,1e308,-1.7976931348623157e308,5e-324,0,0.0,0e5]}")]
    [InlineData("{\"escaped\\\"key\":\"tab\\tnew\\nline\"}")]
    public void Storable_json_passes(string json) => Assert.Null(JsonText.FindUnstorable(json));

    [Theory]
    [InlineData("{\"a\":\"\\u0000\"}", "\\u0000")]
    [InlineData("{\"\\u0000\":1}", "\\u0000")]
    [InlineData("{\"a\":\"\\ud800\"}", "lone UTF-16 surrogate")]
    [InlineData("{\"a\":\"\\udc00\\ud800\"}", "lone UTF-16 surrogate")]
    [InlineData("{\"\\ud800\":1}", "lone UTF-16 surrogate")]
    [InlineData("{\"a\":1e999999}", "out of range")]
    [InlineData("{\"a\":-1e309}", "out of range")]
    [InlineData("{\"a\":1e-999999}", "underflows")]
    public void Unstorable_json_is_named(string json, string expected)
    {
        var problem = JsonText.FindUnstorable(json);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_written_with_too_many_digits_is_refused()
    {
        var json = "{\"a\":0." + new string('1', JsonText.MaxNumberLength) + "}";

        Assert.Contains("more than", JsonText.FindUnstorable(json), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_left_to_the_callers_parser() => Assert.Null(JsonText.FindUnstorable("{not json"));
}
