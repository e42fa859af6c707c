using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.UnitTests.Application.Security;

public sealed class ApiKeyHashTests
{
    [Fact]
    public void The_hash_is_the_sha256_of_the_utf8_key_in_lower_case_hex_as_sha256sum_prints_it() =>
        // printf %s 'abc' | sha256sum
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyHash.ToHex(ApiKeyHash.Compute("abc")));

    [Theory]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", true)]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", true)]
    [InlineData("ba7816bf", false)]
    [InlineData("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Hex_of_64_digits_in_either_case_parses_and_nothing_else(string? hex, bool parses)
    {
        var parsed = ApiKeyHash.FromHex(hex);

        Assert.Equal(parses, parsed is not null);
        if (parsed is not null)
        {
            Assert.Equal(ApiKeyHash.Compute("abc"), parsed);
        }
    }

    [Fact]
    public void Equal_hashes_compare_equal_and_different_ones_do_not()
    {
        Assert.True(ApiKeyHash.FixedTimeEquals(ApiKeyHash.Compute("k"), ApiKeyHash.Compute("k")));
        Assert.False(ApiKeyHash.FixedTimeEquals(ApiKeyHash.Compute("k"), ApiKeyHash.Compute("K")));
    }

    [Fact]
    public void A_key_entry_needs_a_whole_hash() =>
        Assert.Throws<ArgumentException>(() => new ApiKey("x", new byte[16], []));
}
