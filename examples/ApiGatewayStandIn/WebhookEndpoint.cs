using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using WorkflowRuntime.Contracts.V1;

namespace ApiGatewayStandIn;

/// <summary>
/// <c>/webhook/{**path}</c>: ResolveWebhook, then TriggerWorkflow by path, then the execution (or the gRPC error) as HTTP.
/// </summary>
internal static class WebhookEndpoint
{
    /// <summary>The methods a webhook trigger may accept; which ones a given path accepts is the runtime's business.</summary>
    public static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>Request headers passed on as execution metadata. Credentials (Authorization, cookies) never are.</summary>
    private static readonly string[] ForwardedHeaders = ["user-agent", "content-type", "x-request-id", "x-forwarded-for"];

    /// <summary>How long <c>?wait=true</c> waits when there is no <c>?timeout=</c> (the runtime caps it at its own maximum).</summary>
    private const int DefaultWaitSeconds = 30;

    /// <summary>Added to the wait for the call's deadline, so the runtime answers "still running" before the deadline hits.</summary>
    private static readonly TimeSpan CallSlack = TimeSpan.FromSeconds(10);

    public static async Task<IResult> HandleAsync(
        string? path, HttpContext context, [FromServices] WorkflowRuntimeService.WorkflowRuntimeServiceClient runtime)
    {
        var request = context.Request;
        var wait = bool.TryParse(request.Query["wait"], out var waitValue) && waitValue;
        var waitSeconds = DefaultWaitSeconds;
        if (request.Query.TryGetValue("timeout", out var timeoutText)
            && !int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out waitSeconds))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest,
                detail: $"timeout '{timeoutText}' must be a whole number of seconds.");
        }

        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);

        try
        {
            // TriggerWorkflow by path does not look at the HTTP method; ResolveWebhook does. Asking it first is what turns
            // a PUT to a POST-only path into a 404 instead of a run.
            await runtime.ResolveWebhookAsync(
                new ResolveWebhookRequest { Path = path ?? string.Empty, Method = request.Method },
                deadline: DateTime.UtcNow + CallSlack,
                cancellationToken: context.RequestAborted);

            var trigger = new TriggerWorkflowRequest
            {
                WebhookPath = path ?? string.Empty,
                Mode = ExecutionMode.Webhook,
                TriggerData = ToTriggerData(body),
                TriggeredBy = "gateway",
                IdempotencyKey = request.Headers["Idempotency-Key"].ToString(),
                WaitForCompletion = wait,
                WaitTimeoutSeconds = wait ? waitSeconds : 0,
            };
            trigger.Metadata.Add(Metadata(context));

            var deadline = DateTime.UtcNow + CallSlack + (wait ? TimeSpan.FromSeconds(waitSeconds) : TimeSpan.Zero);
            var response = await runtime.TriggerWorkflowAsync(trigger, deadline: deadline, cancellationToken: context.RequestAborted);
            return ToResult(response, wait);
        }
        catch (RpcException error)
        {
            return ToProblem(error);
        }
    }

    /// <summary>A JSON object body goes through as it is; anything else is wrapped, because the runtime takes only objects.</summary>
    private static string ToTriggerData(string body)
    {
        if (body.Length == 0)
        {
            return string.Empty; // the runtime reads "" as {}
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return body;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a form post, plain text): wrapped below.
        }

        return new JsonObject { ["body"] = body }.ToJsonString();
    }

    private static Dictionary<string, string> Metadata(HttpContext context)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["http_method"] = context.Request.Method,
            ["remote_ip"] = context.Connection.RemoteIpAddress?.ToString() ?? string.Empty,
        };
        foreach (var header in ForwardedHeaders)
        {
            var value = context.Request.Headers[header].ToString();
            if (value.Length > 0)
            {
                metadata[header] = value;
            }
        }

        return metadata;
    }

    /// <summary>202 while the run goes on (or when nobody waited); 200 with its outcome once a wait saw it finish.</summary>
    private static IResult ToResult(TriggerWorkflowResponse response, bool waited)
    {
        var execution = response.Execution;
        var status = execution.Status.ToString().ToUpperInvariant(); // Success -> SUCCESS, the contract's name without its prefix
        if (!waited || !IsFinished(execution.Status))
        {
            return Results.Accepted(uri: null, new Accepted(execution.ExecutionId, execution.WorkflowId, status, response.Deduplicated));
        }

        return Results.Ok(new Finished(execution.ExecutionId, execution.WorkflowId, status, response.Deduplicated,
            ParseResult(execution.ResultData), execution.ErrorMessage.Length > 0 ? execution.ErrorMessage : null));
    }

    private static bool IsFinished(ExecutionStatus status) => status
        is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Canceled
        or ExecutionStatus.Timeout or ExecutionStatus.Skipped;

    /// <summary>The engine's result is JSON text; returned as JSON, not as a string holding JSON.</summary>
    private static JsonNode? ParseResult(string resultData)
    {
        if (resultData.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(resultData);
        }
        catch (JsonException)
        {
            return JsonValue.Create(resultData);
        }
    }

    private static IResult ToProblem(RpcException error)
    {
        var httpStatus = error.StatusCode switch
        {
            StatusCode.NotFound => StatusCodes.Status404NotFound,
            StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
            StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,      // e.g. the deployment is paused
            StatusCode.ResourceExhausted => StatusCodes.Status413PayloadTooLarge, // trigger data over the runtime's limit
            StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,    // retry later
            _ => StatusCodes.Status502BadGateway,
        };
        return Results.Problem(statusCode: httpStatus, detail: error.Status.Detail,
            extensions: new Dictionary<string, object?> { ["grpc_status"] = error.StatusCode.ToString() });
    }

    private sealed record Accepted(string ExecutionId, string WorkflowId, string Status, bool Deduplicated);

    private sealed record Finished(
        string ExecutionId,
        string WorkflowId,
        string Status,
        bool Deduplicated,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? ResultData,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorMessage);
}
