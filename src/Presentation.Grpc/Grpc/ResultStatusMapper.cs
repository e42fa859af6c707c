using Ardalis.Result;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Logging;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

/// <summary>
/// The single mapping from use-case results to gRPC status. Invalid input carries <c>google.rpc.BadRequest</c>
/// field violations; every failure carries a message a caller can act on.
/// </summary>
internal static class ResultStatusMapper
{
    /// <summary>At most this many field violations travel in the <c>google.rpc.BadRequest</c> trailer.</summary>
    public const int MaxFieldViolations = 10;

    /// <summary>Budget of the serialised BadRequest (before base64): the trailers stay a few KiB whatever the input.</summary>
    public const int MaxDetailBytes = 3 * 1024;

    /// <summary>Longest status message, and longest single violation description, in characters.</summary>
    public const int MaxMessageLength = 512;
    public const int MaxDescriptionLength = 256;
    public const int MaxFieldPathLength = 128;

    /// <summary>The mapped success value, or an <see cref="RpcException"/> with the failure's status.</summary>
    public static TResponse ToResponse<TValue, TResponse>(this Result<TValue> result, Func<TValue, TResponse> map)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(map);
        return result.IsSuccess ? map(result.Value) : throw ToRpcException(result);
    }

    public static RpcException ToRpcException(Ardalis.Result.IResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Status switch
        {
            ResultStatus.Invalid => Invalid(result.ValidationErrors.ToList()),
            ResultStatus.NotFound => Build(Code.NotFound, Message(result.Errors, "not found")),
            ResultStatus.Conflict => Conflict(result.Errors.ToList()),
            ResultStatus.Unavailable => Build(Code.Unavailable, Message(result.Errors, "a dependency is unavailable; retry later")),
            ResultStatus.Forbidden => Build(Code.PermissionDenied, Message(result.Errors, "permission denied")),
            ResultStatus.Unauthorized => Build(Code.Unauthenticated, Message(result.Errors, "unauthenticated")),
            _ => Build(Code.Internal, Message(result.Errors, "internal error")),
        };
    }

    private static RpcException Invalid(List<ValidationError> errors)
    {
        var code = errors.Any(e => e.ErrorCode == FailureCode.ResourceExhausted) ? Code.ResourceExhausted : Code.InvalidArgument;
        var badRequest = new BadRequest();
        foreach (var error in errors.Take(MaxFieldViolations))
        {
            var violation = new BadRequest.Types.FieldViolation
            {
                Field = Cap(error.Identifier ?? string.Empty, MaxFieldPathLength),
                Description = Cap(error.ErrorMessage ?? string.Empty, MaxDescriptionLength),
            };
            if (badRequest.CalculateSize() + violation.CalculateSize() + 8 > MaxDetailBytes)
            {
                break;
            }

            badRequest.FieldViolations.Add(violation);
        }

        var shown = badRequest.FieldViolations.Select(v => v.Description).ToList();
        var message = shown.Count == 0 ? "invalid argument" : string.Join("; ", shown);
        if (errors.Count > shown.Count)
        {
            message += $"; and {errors.Count - shown.Count} more violations";
        }

        return Build(code, message, badRequest);
    }

    private static string Cap(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");

    private static RpcException Conflict(List<string> errors)
    {
        var (code, rest) = errors.FirstOrDefault() switch
        {
            FailureCode.AlreadyExists => (Code.AlreadyExists, errors.Skip(1)),
            FailureCode.VersionConflict => (Code.Aborted, errors.Skip(1)),
            FailureCode.FailedPrecondition => (Code.FailedPrecondition, errors.Skip(1)),
            FailureCode.DeadlineExceeded => (Code.DeadlineExceeded, errors.Skip(1)),
            _ => (Code.FailedPrecondition, errors.AsEnumerable()),
        };
        return Build(code, Message(rest, "conflict"));
    }

    private static string Message(IEnumerable<string> errors, string fallback)
    {
        var text = string.Join("; ", errors.Where(e => !string.IsNullOrWhiteSpace(e)));
        return text.Length == 0 ? fallback : text;
    }

    private static RpcException Build(Code code, string message, BadRequest? detail = null)
    {
        // The last gate before the wire: a message that quotes a secret-looking pair never leaves the process, and a
        // long one is cut so the trailers stay small.
        var status = new Google.Rpc.Status { Code = (int)code, Message = Cap(LogRedactor.Default.Redact(message) ?? string.Empty, MaxMessageLength) };
        if (detail is not null)
        {
            status.Details.Add(Any.Pack(detail));
        }

        return status.ToRpcException();
    }
}
