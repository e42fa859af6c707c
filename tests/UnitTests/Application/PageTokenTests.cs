using System.Buffers.Text;
using System.Text;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Deployments;

namespace WorkflowRuntime.UnitTests.Application;

public sealed class PageTokenTests
{
    public static TheoryData<DateTimeOffset, Guid> Cursors => new()
    {
        { new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero), Guid.Parse("8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11") },
        { new DateTimeOffset(2025, 6, 1, 14, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567), Guid.NewGuid() },
        { DateTimeOffset.MinValue, Guid.Empty },
        { DateTimeOffset.MaxValue, Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff") },
    };

    [Theory]
    [MemberData(nameof(Cursors))]
    public void Encode_then_decode_gives_back_the_cursor(DateTimeOffset createdAt, Guid id)
    {
        var token = PageToken.Encode(new DeploymentCursor(createdAt, id));

        Assert.True(PageToken.TryDecode(token, out var cursor));
        Assert.NotNull(cursor);
        Assert.Equal(createdAt.UtcTicks, cursor.CreatedAt.UtcTicks);
        Assert.Equal(TimeSpan.Zero, cursor.CreatedAt.Offset);
        Assert.Equal(id, cursor.Id);
    }

    [Fact]
    public void Token_is_url_safe_and_opaque()
    {
        var token = PageToken.Encode(new DeploymentCursor(DateTimeOffset.MaxValue, Guid.NewGuid()));

        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
        Assert.DoesNotContain('=', token);
        Assert.DoesNotContain(':', token);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage!!")]
    [InlineData("%%%")]
    [InlineData("a")]                          // not a whole base64 quantum
    public void TryDecode_refuses_text_that_is_not_base64url(string token) => AssertRefused(token);

    [Theory]
    [InlineData("x1:638000000000000000:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]   // wrong prefix
    [InlineData("638000000000000000:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]      // no prefix
    [InlineData("d1:638000000000000000")]                                     // no id
    [InlineData("d1:638000000000000000:not-a-guid")]                          // bad guid
    [InlineData("d1:638000000000000000:8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11")] // guid not in N format
    [InlineData("d1:abc:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]                   // ticks not a number
    [InlineData("d1:-5:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]                    // negative ticks
    [InlineData("d1:3155378976000000000:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]   // past DateTimeOffset.MaxValue
    [InlineData("d1:1:2:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11")]                   // extra part
    public void TryDecode_refuses_a_well_encoded_but_foreign_payload(string payload) =>
        AssertRefused(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)));

    [Fact]
    public void The_hand_built_payload_format_is_accepted_so_the_refusals_above_are_meaningful()
    {
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("d1:638000000000000000:8d3c5a8e1b7f4f0e9a515b8f4f2f0c11"));

        Assert.True(PageToken.TryDecode(token, out var cursor));
        Assert.Equal(new DeploymentCursor(new DateTimeOffset(638000000000000000, TimeSpan.Zero), Guid.Parse("8d3c5a8e-1b7f-4f0e-9a51-5b8f4f2f0c11")), cursor);
    }

    private static void AssertRefused(string token)
    {
        Assert.False(PageToken.TryDecode(token, out var cursor));
        Assert.Null(cursor);
    }
}
