using Ardalis.Result;

namespace WorkflowRuntime.Application.Common;

/// <summary>
/// The expected failures of a use case, as <see cref="Result{T}"/>s. Ardalis.Result has one status for every
/// kind of conflict, so the first error of a <see cref="ResultStatus.Conflict"/> result is a <see cref="FailureCode"/>
/// that the presentation layer's single status mapper reads; the second is the message for the caller.
/// </summary>
public static class Failure
{
    public static Result<T> NotFound<T>(string message) => Result<T>.NotFound(message);

    public static Result<T> Invalid<T>(string field, string message) => Result<T>.Invalid(Violation(field, message));

    /// <summary>Every violation at once, so a caller fixes its request in one go.</summary>
    public static Result<T> Invalid<T>(IEnumerable<ValidationError> violations) => Result<T>.Invalid(violations.ToList());

    public static ValidationError Violation(string field, string message) =>
        new(field, message, FailureCode.InvalidArgument, ValidationSeverity.Error);

    public static ValidationError OverLimit(string field, string message) =>
        new(field, message, FailureCode.ResourceExhausted, ValidationSeverity.Error);

    /// <summary>Well-formed input over a configured size limit.</summary>
    public static Result<T> TooLarge<T>(string field, string message) => Result<T>.Invalid(OverLimit(field, message));

    public static Result<T> AlreadyExists<T>(string message) => Result<T>.Conflict(FailureCode.AlreadyExists, message);

    /// <summary>The operation is not allowed in the resource's current lifecycle state.</summary>
    public static Result<T> FailedPrecondition<T>(string message) => Result<T>.Conflict(FailureCode.FailedPrecondition, message);

    /// <summary>The caller's expected version is stale (optimistic concurrency).</summary>
    public static Result<T> VersionConflict<T>(string message) => Result<T>.Conflict(FailureCode.VersionConflict, message);

    public static Result<T> Unavailable<T>(string message) => Result<T>.Unavailable(message);

    /// <summary>The caller's deadline passed (or left no time) before the use case could act; nothing was written.</summary>
    public static Result<T> DeadlineExceeded<T>(string message) => Result<T>.Conflict(FailureCode.DeadlineExceeded, message);
}

/// <summary>The codes <see cref="Failure"/> writes; read back only by the presentation layer's status mapper.</summary>
public static class FailureCode
{
    public const string InvalidArgument = "invalid_argument";
    public const string ResourceExhausted = "resource_exhausted";
    public const string AlreadyExists = "already_exists";
    public const string FailedPrecondition = "failed_precondition";
    public const string VersionConflict = "version_conflict";
    public const string DeadlineExceeded = "deadline_exceeded";
}
