using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>The authenticated caller of the current request, kept on the request's features for the handlers.</summary>
internal static class CallerContext
{
    public static void Set(HttpContext http, Caller caller) => http.Features.Set(caller);

    /// <summary>The caller's name, or null when nobody is authenticated (embedded profile, <c>AllowInsecure</c>).</summary>
    public static string? NameOf(HttpContext? http) =>
        http?.Features.Get<Caller>() is { IsAnonymous: false } caller ? caller.Name : null;
}

internal static class TriggerCommandCallerExtensions
{
    /// <summary>An empty <c>triggered_by</c> becomes the authenticated caller's name, so every run says who started it.</summary>
    public static WorkflowRuntime.Application.Executions.TriggerCommand TriggeredByCallerWhenEmpty(
        this WorkflowRuntime.Application.Executions.TriggerCommand command, global::Grpc.Core.ServerCallContext context) =>
        string.IsNullOrWhiteSpace(command.TriggeredBy) && CallerContext.NameOf(global::Grpc.Core.ServerCallContextExtensions.GetHttpContext(context)) is { } caller
            ? command with { TriggeredBy = caller }
            : command;
}
