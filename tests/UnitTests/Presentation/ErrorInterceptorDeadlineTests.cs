using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>A cancellation at the call's deadline answers DEADLINE_EXCEEDED; one by the client answers CANCELLED.</summary>
public sealed class ErrorInterceptorDeadlineTests
{
    [Fact]
    public async Task A_cancellation_after_the_deadline_is_deadline_exceeded()
    {
        var status = await StatusOfCancelledCallAsync(DateTime.UtcNow.AddSeconds(-1));

        Assert.Equal(StatusCode.DeadlineExceeded, status);
    }

    [Fact]
    public async Task A_cancellation_before_the_deadline_is_the_clients()
    {
        var status = await StatusOfCancelledCallAsync(DateTime.UtcNow.AddMinutes(5));

        Assert.Equal(StatusCode.Cancelled, status);
    }

    [Fact]
    public void A_call_without_a_deadline_has_none()
    {
        using var cancelled = new CancellationTokenSource();
        var context = new FakeCallContext(DateTime.MaxValue, cancelled.Token);

        Assert.Null(context.CallDeadline());
        Assert.False(context.DeadlinePassed(DateTimeOffset.UtcNow));
    }

    private static async Task<StatusCode> StatusOfCancelledCallAsync(DateTime deadline)
    {
        using var activity = new Activity("test").Start();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var context = new FakeCallContext(deadline, cancelled.Token);
        var interceptor = new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>("request", context,
            (_, _) => Task.FromException<string>(new OperationCanceledException(cancelled.Token))));
        return error.StatusCode;
    }

    private sealed class FakeCallContext(DateTime deadline, CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => "/workflow_runtime.v1.WorkflowRuntimeService/TriggerWorkflow";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => deadline;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => token;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
