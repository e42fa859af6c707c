using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Engine;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>
/// The engine client against a simulator served over TLS (real handshakes): one that requires a client certificate
/// from the test CA, one that requires a bearer token. The client trusts only the configured CA.
/// </summary>
public sealed class EngineClientCredentialsTests : IAsyncLifetime
{
    private const string Token = "engine-token-1b2f0c";

    private readonly TestCertificates _pki = TestCertificates.Create();
    private WebApplication _mtlsEngine = null!;
    private WebApplication _tokenEngine = null!;
    private int _mtlsPort;
    private int _tokenPort;

    public async Task InitializeAsync()
    {
        _mtlsPort = FreePort.Next();
        _tokenPort = FreePort.Next();
        _mtlsEngine = await StartEngineAsync(_mtlsPort, requireClientCertificate: true, token: null);
        _tokenEngine = await StartEngineAsync(_tokenPort, requireClientCertificate: false, token: Token);
    }

    public async Task DisposeAsync()
    {
        await _mtlsEngine.DisposeAsync();
        await _tokenEngine.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task With_the_ca_and_a_client_certificate_the_engine_runs_the_workflow()
    {
        var (certificate, key) = _pki.WriteClient("CN=workflow-runtime");
        var options = Options($"https://localhost:{_mtlsPort}");
        options.Tls = new EngineTlsOptions { CaPath = _pki.CaPath, ClientCertificatePath = certificate, ClientKeyPath = key };
        using var engine = EngineTestClients.Create(options);

        var started = await engine.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid()));
        var finished = await engine.PollUntilFinishedAsync(started.EngineExecutionId, TimeSpan.FromSeconds(20));

        Assert.Equal(EngineStatus.Success, finished.Status);
        Assert.True((await engine.CheckAsync()).Healthy);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_mtls_engine_is_unreachable()
    {
        var options = Options($"https://localhost:{_mtlsPort}");
        options.Tls = new EngineTlsOptions { CaPath = _pki.CaPath };
        using var engine = EngineTestClients.Create(options);

        await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid())));
    }

    [Fact]
    public async Task With_a_bearer_token_file_the_engine_accepts_the_calls_and_without_it_refuses_them()
    {
        var tokenPath = Path.Combine(_pki.Directory, "engine-token");
        await File.WriteAllTextAsync(tokenPath, Token + "\n");
        var options = Options($"https://localhost:{_tokenPort}");
        options.Tls = new EngineTlsOptions { CaPath = _pki.CaPath };
        options.BearerTokenPath = tokenPath;
        using var engine = EngineTestClients.Create(options);
        var bare = Options($"https://localhost:{_tokenPort}");
        bare.Tls = new EngineTlsOptions { CaPath = _pki.CaPath };
        using var withoutToken = EngineTestClients.Create(bare);

        var started = await engine.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid()));
        var refused = await Assert.ThrowsAsync<EngineRejectedException>(() => withoutToken.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid())));

        Assert.False(string.IsNullOrEmpty(started.EngineExecutionId));
        Assert.Contains("Unauthenticated", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_the_configured_ca_did_not_sign_is_not_trusted()
    {
        using var other = TestCertificates.Create();
        var options = Options($"https://localhost:{_tokenPort}");
        options.Tls = new EngineTlsOptions { CaPath = other.CaPath };
        using var engine = EngineTestClients.Create(options);

        await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.ExecuteAsync(EngineTestClients.Request(Guid.NewGuid())));
    }

    [Fact]
    public void Missing_credential_files_are_refused_at_start_with_the_key_named()
    {
        var options = Options($"https://localhost:{_tokenPort}");
        options.BearerTokenPath = Path.Combine(_pki.Directory, "no-such-token");
        var context = new System.ComponentModel.DataAnnotations.ValidationContext(options);

        var errors = options.Validate(context).Select(e => e.ErrorMessage).ToList();

        Assert.Contains(errors, e => e!.Contains("WorkflowRuntime:Engine:BearerTokenPath", StringComparison.Ordinal));
    }

    private static EngineOptions Options(string address)
    {
        var options = EngineTestClients.OptionsFor(address, callTimeoutMs: 5000, maxAttempts: 1);
        return options;
    }

    private async Task<WebApplication> StartEngineAsync(int port, bool requireClientCertificate, string? token)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        var serverCertificate = X509Certificate2.CreateFromPemFile(_pki.ServerCertificatePath, _pki.ServerKeyPath);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                ClientCertificateValidation = (presented, _, _) => ChainsTo(presented, _pki.Ca),
            });
        }));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(options =>
        {
            if (token is not null)
            {
                options.Interceptors.Add<RequireBearer>(token);
            }
        });
        builder.Services.AddSingleton(new EngineSimulation(TimeProvider.System, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(50))));
        var app = builder.Build();
        app.MapGrpcService<EngineSimulatorService>();
        await app.StartAsync();
        return app;
    }

    private static bool ChainsTo(X509Certificate2 presented, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        return chain.Build(presented);
    }

    /// <summary>The engine side of the token: refuses a call without it, as a real engine would.</summary>
    private sealed class RequireBearer(string token) : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation) =>
            context.RequestHeaders.GetValue("authorization") == $"Bearer {token}"
                ? continuation(request, context)
                : throw new RpcException(new Status(StatusCode.Unauthenticated, "engine: bearer token required"));
    }
}
