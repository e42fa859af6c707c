using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using WorkflowRuntime.Application.Security;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>The tests that share one <see cref="SecuredHostFixture"/>; they run one at a time, in parallel with the rest.</summary>
[CollectionDefinition(Name)]
public sealed class SecuredHostCollection : ICollectionFixture<SecuredHostFixture>
{
    public const string Name = "secured-host";
}

/// <summary>
/// One production-profile host with both mechanisms on: TLS on the gRPC port with client certificates required
/// (CA + subject allow-list) and an API key file with a gateway, an operator and a monitoring key. It has a database
/// of its own, so its tests neither wait for nor disturb the shared one.
/// </summary>
public sealed class SecuredHostFixture : IAsyncLifetime
{
    public const string AllowedSubject = "api-gateway";

    internal TestCertificates Pki { get; } = TestCertificates.Create();

    internal string GatewayKey { get; } = $"gw_{Guid.NewGuid():N}";

    internal string OperatorKey { get; } = $"op_{Guid.NewGuid():N}";

    internal string MonitoringKey { get; } = $"mon_{Guid.NewGuid():N}";

    internal X509Certificate2 ClientCertificate { get; private set; } = null!;

    internal RunningEngineSimulator Engine { get; private set; } = null!;

    internal RuntimeHost Host { get; private set; } = null!;

    internal string ApiKeysPath => Path.Combine(Pki.Directory, "api-keys.json");

    /// <summary>The host's own database.</summary>
    internal string Database { get; private set; } = string.Empty;

    internal string DatabaseConnectionString => TestSettings.PostgresConnectionStringFor(Database);

    /// <summary>Rows in the runtime's three tables: equal before and after a refused call means it wrote nothing.</summary>
    internal async Task<(long Workflows, long Triggers, long Executions)> RowCountsAsync() => (
        await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflows", DatabaseConnectionString),
        await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflow_triggers", DatabaseConnectionString),
        await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflow_executions", DatabaseConnectionString));

    public async Task InitializeAsync()
    {
        ClientCertificate = Pki.Client($"CN={AllowedSubject}, O=Example");
        await WriteKeysAsync();
        Database = await PostgresDatabase.CreateScratchAsync();
        Engine = await EngineSimulatorServer.StartAsync(new EngineSimulation(TimeProvider.System), FreePort.Next());
        var settings = new Dictionary<string, string?>(SharedHostFixture.FastTracking)
        {
            ["ConnectionStrings:Postgres"] = DatabaseConnectionString,
            ["WorkflowRuntime:Engine:Address"] = Engine.Address,
            ["WorkflowRuntime:Security:AllowInsecure"] = "false",
            // A loaded CI machine can take seconds for the first database round trip; a dead server still fails at once.
            ["WorkflowRuntime:Server:StartupCheckTimeoutMs"] = "20000",
            ["WorkflowRuntime:Persistence:HealthCheckTimeoutMs"] = "15000",
            ["WorkflowRuntime:Security:ApiKeysPath"] = ApiKeysPath,
            ["WorkflowRuntime:Security:ApiKeysReloadSeconds"] = "1",
            ["WorkflowRuntime:Security:Tls:CertificatePath"] = Pki.ServerCertificatePath,
            ["WorkflowRuntime:Security:Tls:KeyPath"] = Pki.ServerKeyPath,
            ["WorkflowRuntime:Security:Tls:ClientCaPath"] = Pki.CaPath,
            ["WorkflowRuntime:Security:Tls:AllowedClientSubjects:0"] = AllowedSubject,
            ["WorkflowRuntime:Security:Tls:AllowedClientSubjects:1"] = "CN=operator-console, O=Example",
        };
        Host = await RuntimeHost.StartAsync(settings: settings);
    }

    /// <summary>Writes the key file: the three keys of the fixture plus <paramref name="extra"/> entries.</summary>
    internal Task WriteKeysAsync(params object[] extra) => File.WriteAllTextAsync(ApiKeysPath, JsonSerializer.Serialize<object[]>(
    [
        new { name = "gateway", sha256 = Hash(GatewayKey), allow = new[] { "WorkflowRuntimeService/TriggerWorkflow", "WorkflowRuntimeService/ResolveWebhook" } },
        new { name = "operator", sha256 = Hash(OperatorKey), allow = new[] { "WorkflowRuntimeService/*", "ServerReflection/*", "Http/health" } },
        new { name = "monitoring", sha256 = Hash(MonitoringKey), allow = new[] { "MonitoringService/*", "Http/health", "Http/metrics" } },
        .. extra,
    ]));

    /// <summary>A TLS channel to the host that trusts the test CA and presents <paramref name="certificate"/> (none: null).</summary>
    internal GrpcChannel Channel(X509Certificate2? certificate) => OpenChannel(Host.GrpcPort, Pki.Ca, certificate);

    internal static GrpcChannel OpenChannel(int port, X509Certificate2 ca, X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                RemoteCertificateValidationCallback = (_, presented, _, errors) => TrustedBy(ca, presented, errors),
            },
        };
        return GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    internal static Metadata Bearer(string key) => new() { { "authorization", $"Bearer {key}" } };

    internal static string Hash(string key) => ApiKeyHash.ToHex(ApiKeyHash.Compute(key));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Engine.DisposeAsync();
        await PostgresDatabase.DropAsync(Database);
        ClientCertificate.Dispose();
        Pki.Dispose();
    }

    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    }
}
