using System.Data.Common;
using System.Net.Sockets;
using WorkflowRuntime.Application.Common;

namespace WorkflowRuntime.UnitTests.Application;

/// <summary>What a caller may learn of a failure: its kind and SQLSTATE, never the server's text.</summary>
public sealed class SafeErrorTextTests
{
    [Fact]
    public void A_database_error_is_described_by_its_sqlstate_only()
    {
        var error = new FakeDbException("22021", """invalid byte sequence: {"password":"hunter3-in-error"}""");

        var text = SafeErrorText.Describe(new InvalidOperationException("wrapper: " + error.Message, error));

        Assert.Equal("the database refused the operation (SQLSTATE 22021)", text);
    }

    [Fact]
    public void A_socket_failure_anywhere_in_the_chain_is_a_failed_connection()
    {
        Assert.Equal("the connection failed",
            SafeErrorText.Describe(new FakeDbException(null, "Failed to connect to 10.0.0.1", new SocketException((int)SocketError.ConnectionRefused))));
    }

    [Fact]
    public void A_timeout_is_no_answer_in_time()
    {
        Assert.Equal("no answer in time", SafeErrorText.Describe(new FakeDbException(null, "Timeout", new TimeoutException("slow"))));
    }

    [Fact]
    public void Anything_else_names_only_the_type()
    {
        Assert.Equal("the operation failed (FormatException)", SafeErrorText.Describe(new FormatException("row value 'x'")));
    }

    private sealed class FakeDbException(string? sqlState, string message, Exception? inner = null) : DbException(message, inner)
    {
        public override string? SqlState => sqlState;
    }
}
