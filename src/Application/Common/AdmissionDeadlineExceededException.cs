namespace WorkflowRuntime.Application.Common;

/// <summary>The caller's deadline does not leave time to admit the request; nothing was written.</summary>
public sealed class AdmissionDeadlineExceededException(string message) : Exception(message);
