using Grpc.Core;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class DeadlineStatusTests
{
    [Fact]
    public void A_refused_admission_maps_to_deadline_exceeded_with_the_use_case_message()
    {
        var ex = ResultStatusMapper.ToRpcException(Failure.DeadlineExceeded<int>("nothing was recorded"));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("nothing was recorded", ex.Status.Detail);
    }

    [Fact]
    public void A_message_that_quotes_a_secret_pair_is_redacted_before_the_wire()
    {
        var ex = ResultStatusMapper.ToRpcException(Failure.Unavailable<int>("retry later: Password=pw-1;"));

        Assert.DoesNotContain("pw-1", ex.Status.Detail, StringComparison.Ordinal);
    }
}
