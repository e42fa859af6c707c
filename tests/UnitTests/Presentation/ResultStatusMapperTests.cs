using Ardalis.Result;
using Google.Rpc;
using Grpc.Core;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Presentation.Grpc.Grpc;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class ResultStatusMapperTests
{
    public static TheoryData<string, StatusCode, string> Failures => new()
    {
        { "not-found", StatusCode.NotFound, "workflow 1 has no deployment." },
        { "already-exists", StatusCode.AlreadyExists, "webhook path 'x' is already used" },
        { "version-conflict", StatusCode.Aborted, "expected_version 1 does not match" },
        { "failed-precondition", StatusCode.FailedPrecondition, "workflow is ARCHIVED" },
        { "unavailable", StatusCode.Unavailable, "the database is unavailable" },
        { "error", StatusCode.Internal, "something broke" },
        { "critical", StatusCode.Internal, "something broke badly" },
        { "forbidden", StatusCode.PermissionDenied, "not yours" },
        { "unauthorized", StatusCode.Unauthenticated, "who are you" },
        { "uncoded-conflict", StatusCode.FailedPrecondition, "some conflict" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failure_maps_to_the_status_code_with_the_use_case_message(string kind, StatusCode code, string message)
    {
        var result = Make(kind, message);

        var ex = ResultStatusMapper.ToRpcException(result);

        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
        foreach (var token in new[] { FailureCode.AlreadyExists, FailureCode.VersionConflict, FailureCode.FailedPrecondition })
        {
            Assert.DoesNotContain(token, ex.Status.Detail, StringComparison.Ordinal);
        }

        var status = ex.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)code, status.Code);
        Assert.Equal(message, status.Message);
    }

    [Fact]
    public void Invalid_maps_to_invalid_argument_with_field_violations()
    {
        var result = Result<int>.Invalid(
            new ValidationError("workflow_id", "workflow_id 'x' is not a UUID.", FailureCode.InvalidArgument, ValidationSeverity.Error),
            new ValidationError("triggers[0].cron.cron_expression", "cron_expression '61 * * * *' is invalid", FailureCode.InvalidArgument, ValidationSeverity.Error));

        var ex = ResultStatusMapper.ToRpcException(result);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("workflow_id 'x' is not a UUID.; cron_expression '61 * * * *' is invalid", ex.Status.Detail);
        var badRequest = ex.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal(["workflow_id", "triggers[0].cron.cron_expression"], badRequest.FieldViolations.Select(v => v.Field));
        Assert.Equal("workflow_id 'x' is not a UUID.", badRequest.FieldViolations[0].Description);
    }

    [Fact]
    public void Invalid_over_a_size_limit_maps_to_resource_exhausted()
    {
        var result = Failure.TooLarge<int>("workflow_definition", "workflow_definition is larger than the limit of 1024 bytes.");

        var ex = ResultStatusMapper.ToRpcException(result);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("workflow_definition is larger than the limit of 1024 bytes.", ex.Status.Detail);
        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("workflow_definition", violation.Field);
    }

    [Fact]
    public void Invalid_without_errors_still_has_a_message()
    {
        var ex = ResultStatusMapper.ToRpcException(Result<int>.Invalid(new List<ValidationError>()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("invalid argument", ex.Status.Detail);
    }

    [Theory]
    [InlineData("not-found", StatusCode.NotFound, "not found")]
    [InlineData("unavailable", StatusCode.Unavailable, "a dependency is unavailable; retry later")]
    [InlineData("error", StatusCode.Internal, "internal error")]
    public void A_failure_without_text_gets_a_fallback_message(string kind, StatusCode code, string fallback)
    {
        var ex = ResultStatusMapper.ToRpcException(Make(kind, null));

        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(fallback, ex.Status.Detail);
    }

    [Fact]
    public void A_coded_conflict_without_text_falls_back_without_leaking_the_code()
    {
        var ex = ResultStatusMapper.ToRpcException(Result<int>.Conflict(FailureCode.VersionConflict));

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("conflict", ex.Status.Detail);
    }

    [Fact]
    public void ToResponse_maps_success_and_throws_on_failure()
    {
        Assert.Equal("value 7", Result<int>.Success(7).ToResponse(v => $"value {v}"));

        var ex = Assert.Throws<RpcException>(() => Failure.NotFound<int>("gone").ToResponse(v => v));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("gone", ex.Status.Detail);
    }

    private static Result<int> Make(string kind, string? message)
    {
        string[] text = message is null ? [] : [message];
        return kind switch
        {
            "not-found" => Result<int>.NotFound(text),
            "already-exists" => Failure.AlreadyExists<int>(message!),
            "version-conflict" => Failure.VersionConflict<int>(message!),
            "failed-precondition" => Failure.FailedPrecondition<int>(message!),
            "unavailable" => Result<int>.Unavailable(text),
            "error" => message is null ? Result<int>.Error() : Result<int>.Error(message),
            "critical" => Result<int>.CriticalError(text),
            "forbidden" => Result<int>.Forbidden(text),
            "unauthorized" => Result<int>.Unauthorized(text),
            "uncoded-conflict" => Result<int>.Conflict(text),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
