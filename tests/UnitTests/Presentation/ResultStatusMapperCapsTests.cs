using Ardalis.Result;
using Google.Rpc;
using Grpc.Core;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>Whatever the use case reports, the status a client receives stays a few KiB.</summary>
public sealed class ResultStatusMapperCapsTests
{
    [Fact]
    public void Many_long_violations_are_capped_in_number_size_and_message()
    {
        var errors = Enumerable.Range(0, 500)
            .Select(i => new ValidationError(new string('f', 5000) + i, new string('ü', 20_000), FailureCode.InvalidArgument, ValidationSeverity.Error))
            .ToArray();

        var ex = ResultStatusMapper.ToRpcException(Result.Invalid(errors));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.True(ex.Status.Detail.Length <= ResultStatusMapper.MaxMessageLength, $"{ex.Status.Detail.Length}");
        var badRequest = ex.GetRpcStatus()!.GetDetail<BadRequest>()!;
        Assert.InRange(badRequest.FieldViolations.Count, 1, ResultStatusMapper.MaxFieldViolations);
        Assert.True(badRequest.CalculateSize() <= ResultStatusMapper.MaxDetailBytes, $"{badRequest.CalculateSize()}");
        var trailerBytes = ex.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? (t.ValueBytes.Length + 2) / 3 * 4 : t.Value.Length));
        Assert.True(trailerBytes < 8 * 1024, $"{trailerBytes} bytes of trailers");
    }

    [Fact]
    public void A_capped_list_says_how_many_more_there_were()
    {
        var errors = Enumerable.Range(0, 12)
            .Select(i => new ValidationError($"f{i}", $"f{i} is wrong", FailureCode.InvalidArgument, ValidationSeverity.Error))
            .ToArray();

        var ex = ResultStatusMapper.ToRpcException(Result.Invalid(errors));

        Assert.EndsWith("and 2 more violations", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_not_found_message_is_capped()
    {
        var ex = ResultStatusMapper.ToRpcException(Result.NotFound(new string('x', 100_000)));

        Assert.True(ex.Status.Detail.Length <= ResultStatusMapper.MaxMessageLength);
    }
}
