using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class InputTextTests
{
    [Fact]
    public void Quote_keeps_a_short_value_as_it_is() => Assert.Equal("wf-1", InputText.Quote("wf-1"));

    [Fact]
    public void Quote_cuts_a_long_value_to_a_short_prefix_with_an_ellipsis()
    {
        var quoted = InputText.Quote(new string('x', 30_000));

        Assert.Equal(new string('x', InputText.QuotedPrefixLength) + "…", quoted);
    }

    [Fact]
    public void Quote_replaces_control_characters_and_lone_surrogates_but_keeps_pairs()
    {
        Assert.Equal("a\uFFFDb\uFFFDc😀", InputText.Quote("a\0b\ud800c😀"));
    }

    [Fact]
    public void Quote_counts_a_surrogate_pair_as_one_character_and_never_splits_it()
    {
        var quoted = InputText.Quote(string.Concat(Enumerable.Repeat("😀", 40)));

        Assert.Equal(string.Concat(Enumerable.Repeat("😀", InputText.QuotedPrefixLength)) + "…", quoted);
        Assert.Null(InputText.FindUnstorable(quoted));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("plain text ü 😀", null)]
    [InlineData("a\0b", "contains a NUL character at position 1")]
    public void FindUnstorable_names_NUL_and_unpaired_surrogates(string? value, string? expected) =>
        Assert.Equal(expected, InputText.FindUnstorable(value));

    // Built at run time: attribute strings are stored as UTF-8, which has no form for a lone surrogate.
    [Fact]
    public void FindUnstorable_names_lone_high_and_low_surrogates()
    {
        Assert.Equal("contains an unpaired UTF-16 surrogate at position 2", InputText.FindUnstorable("ab" + (char)0xD800));
        Assert.Equal("contains an unpaired UTF-16 surrogate at position 0", InputText.FindUnstorable((char)0xDC00 + "x"));
        Assert.Equal("contains an unpaired UTF-16 surrogate at position 1", InputText.FindUnstorable("a" + (char)0xD800 + "b"));
    }
}
