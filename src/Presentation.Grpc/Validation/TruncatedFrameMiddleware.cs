namespace WorkflowRuntime.Presentation.Grpc.Validation;

/// <summary>
/// A gRPC frame cut short (its length prefix promises more bytes than the request delivers) is refused by
/// grpc-dotnet's transport before any decoder runs, as <c>INTERNAL</c> "Incomplete message.": the one undecodable
/// request the marshallers never see. It is the caller's fault, so the trailers-only answer is rewritten, just before
/// it is sent, to the same <c>INVALID_ARGUMENT</c> "the request could not be decoded", with the same warning line.
/// </summary>
internal static partial class TruncatedFrameMiddleware
{
    private const string TransportMessage = "Incomplete message.";

    public static IApplicationBuilder UseTruncatedFrameAnswer(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (headers["grpc-status"] == "13" && headers["grpc-message"] == TransportMessage)
                {
                    headers["grpc-status"] = "3";
                    headers["grpc-message"] = Uri.EscapeDataString(DecodingSafeServiceMethodProvider<object>.UndecodableMessage);
                    var logger = context.RequestServices.GetRequiredService<ILoggerFactory>()
                        .CreateLogger("WorkflowRuntime.Presentation.Grpc.RequestDecoding");
                    FrameTruncated(logger, context.Request.Path.Value ?? string.Empty);
                }

                return Task.CompletedTask;
            });
        }

        await next(context);
    });

    [LoggerMessage(EventId = 212, EventName = "request_undecodable", Level = LogLevel.Warning,
        Message = "A request to {RpcMethod} could not be decoded (its gRPC frame ends before the length it announces); answered INVALID_ARGUMENT")]
    private static partial void FrameTruncated(ILogger logger, string rpcMethod);
}
