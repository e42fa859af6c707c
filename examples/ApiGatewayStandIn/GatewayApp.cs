using System.Text.Json;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;

namespace ApiGatewayStandIn;

/// <summary>
/// Builds the stand-in gateway: one route, <c>/webhook/{**path}</c>, that turns an HTTP call into a workflow run on the
/// WorkflowRuntime service (see <see cref="WebhookEndpoint"/>). Tests start it in-process with <see cref="Build(string, int)"/>.
/// </summary>
public static class GatewayApp
{
    public const string DefaultRuntimeAddress = "http://127.0.0.1:50051";
    public const string DefaultListenUrl = "http://127.0.0.1:8088";

    /// <summary>
    /// Reads <c>Gateway:RuntimeAddress</c> and <c>Gateway:ListenUrl</c> from the command line
    /// (<c>--Gateway:RuntimeAddress=...</c>) or the environment (<c>Gateway__RuntimeAddress</c>); both have defaults.
    /// </summary>
    public static WebApplication Build(string[] args) => Build(args, overrides: null);

    /// <summary>Listens on <c>127.0.0.1:<paramref name="port"/></c> and calls the runtime at <paramref name="runtimeAddress"/>.</summary>
    public static WebApplication Build(string runtimeAddress, int port) => Build([], new Dictionary<string, string?>
    {
        ["Gateway:RuntimeAddress"] = runtimeAddress,
        ["Gateway:ListenUrl"] = $"http://127.0.0.1:{port}",
    });

    private static WebApplication Build(string[] args, Dictionary<string, string?>? overrides)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var runtimeAddress = builder.Configuration["Gateway:RuntimeAddress"] ?? DefaultRuntimeAddress;
        if (!Uri.TryCreate(runtimeAddress, UriKind.Absolute, out var runtimeUri))
        {
            // Fail at start with the key's name rather than on the first webhook call.
            throw new InvalidOperationException($"Gateway:RuntimeAddress '{runtimeAddress}' is not an absolute URL such as {DefaultRuntimeAddress}.");
        }

        builder.WebHost.UseUrls(builder.Configuration["Gateway:ListenUrl"] ?? DefaultListenUrl);

        // One channel for the process: it multiplexes every call over HTTP/2 (plain text: the runtime sits on an internal
        // network). The container disposes it when the app stops.
        builder.Services.AddSingleton(_ => GrpcChannel.ForAddress(runtimeUri));
        builder.Services.AddSingleton(services =>
            new WorkflowRuntimeService.WorkflowRuntimeServiceClient(services.GetRequiredService<GrpcChannel>()));
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        var app = builder.Build();
        app.MapMethods("/webhook/{**path}", WebhookEndpoint.Methods, WebhookEndpoint.HandleAsync);
        return app;
    }
}
