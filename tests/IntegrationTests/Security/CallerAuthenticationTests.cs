using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>
/// Who may call, against a real host over real TLS handshakes (mTLS + API keys): every RPC of both services without a
/// key, with an unknown key, with a key not allowed for it and with a valid one; certificates from an unknown issuer
/// or with a subject not allowed; nothing written by a refused call; the caller named in <c>triggered_by</c>.
/// </summary>
[Collection(SecuredHostCollection.Name)]
public sealed class CallerAuthenticationTests(SecuredHostFixture fixture)
{
    private static readonly StatusCode[] AuthFailures = [StatusCode.Unauthenticated, StatusCode.PermissionDenied];

    /// <summary>Every RPC of both services, each with a request the handler may reject but the auth layer must judge first.</summary>
    public static TheoryData<string> Rpcs() => [.. Calls.Keys];

    private static readonly Dictionary<string, Func<GrpcChannel, Metadata, Task>> Calls = new()
    {
        ["WorkflowRuntimeService/DeployWorkflow"] = (c, m) => Runtime(c).DeployWorkflowAsync(new DeployWorkflowRequest(), m).ResponseAsync,
        ["WorkflowRuntimeService/UpdateDeployment"] = (c, m) => Runtime(c).UpdateDeploymentAsync(new UpdateDeploymentRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/PauseDeployment"] = (c, m) => Runtime(c).PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/ResumeDeployment"] = (c, m) => Runtime(c).ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/DeleteDeployment"] = (c, m) => Runtime(c).DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/GetDeploymentStatus"] = (c, m) => Runtime(c).GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/ListDeployments"] = (c, m) => Runtime(c).ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "user-1" }, m).ResponseAsync,
        ["WorkflowRuntimeService/ResolveWebhook"] = (c, m) => Runtime(c).ResolveWebhookAsync(new ResolveWebhookRequest { Path = "nothing/here", Method = "POST" }, m).ResponseAsync,
        ["WorkflowRuntimeService/TriggerWorkflow"] = (c, m) => Runtime(c).TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/GetExecution"] = (c, m) => Runtime(c).GetExecutionAsync(new GetExecutionRequest { ExecutionId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/CancelExecution"] = (c, m) => Runtime(c).CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = Guid.NewGuid().ToString() }, m).ResponseAsync,
        ["WorkflowRuntimeService/GetExecutionHistory"] = (c, m) => Runtime(c).GetExecutionHistoryAsync(new GetExecutionHistoryRequest { UserId = "user-1" }, m).ResponseAsync,
        ["MonitoringService/GetDeploymentStats"] = (c, m) => Monitoring(c).GetDeploymentStatsAsync(new GetDeploymentStatsRequest(), m).ResponseAsync,
        ["MonitoringService/GetSystemHealth"] = (c, m) => Monitoring(c).GetSystemHealthAsync(new GetSystemHealthRequest(), m).ResponseAsync,
        ["MonitoringService/GetSchedulingMetrics"] = (c, m) => Monitoring(c).GetSchedulingMetricsAsync(new GetSchedulingMetricsRequest(), m).ResponseAsync,
        ["MonitoringService/GetJitterDistribution"] = (c, m) => Monitoring(c).GetJitterDistributionAsync(new GetJitterDistributionRequest(), m).ResponseAsync,
        ["MonitoringService/GetLoadDistribution"] = (c, m) => Monitoring(c).GetLoadDistributionAsync(new GetLoadDistributionRequest(), m).ResponseAsync,
    };

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Every_rpc_wants_a_known_key_allowed_for_it(string rpc)
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);
        var call = Calls[rpc];
        var monitoring = rpc.StartsWith("MonitoringService/", StringComparison.Ordinal);
        // The gateway key may trigger and resolve webhooks only; for those two the monitoring key is the wrong one.
        var notAllowed = rpc is "WorkflowRuntimeService/TriggerWorkflow" or "WorkflowRuntimeService/ResolveWebhook"
            ? fixture.MonitoringKey
            : fixture.GatewayKey;
        var allowed = monitoring ? fixture.MonitoringKey : fixture.OperatorKey;

        var none = await Refused(call(channel, []));
        var unknown = await Refused(call(channel, SecuredHostFixture.Bearer("not-a-key-anybody-has")));
        var malformed = await Refused(call(channel, new Metadata { { "authorization", $"Basic {fixture.OperatorKey}" } }));
        var denied = await Refused(call(channel, SecuredHostFixture.Bearer(notAllowed)));
        var admitted = await Outcome(call(channel, SecuredHostFixture.Bearer(allowed)));

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("authorization: Bearer", none.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Contains("not known", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, malformed.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains(rpc, denied.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(admitted, AuthFailures);
    }

    [Fact]
    public async Task A_refused_DeployWorkflow_writes_nothing_and_an_allowed_one_does()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);
        var client = Runtime(channel);
        var user = $"auth-{Guid.NewGuid():N}";
        var request = Deploy(user, Manual(), Webhook($"auth/{Guid.NewGuid():N}"));
        var before = await fixture.RowCountsAsync();

        await FailsWith(StatusCode.Unauthenticated, client.DeployWorkflowAsync(request));
        await FailsWith(StatusCode.PermissionDenied, client.DeployWorkflowAsync(request, SecuredHostFixture.Bearer(fixture.GatewayKey)));

        Assert.Equal(before, await fixture.RowCountsAsync());
        var ofUser = $"SELECT count(*) FROM workflows WHERE user_id = '{user}'";
        Assert.Equal(0L, await PostgresDatabase.ScalarAsync<long>(ofUser, fixture.DatabaseConnectionString));

        await client.DeployWorkflowAsync(request, SecuredHostFixture.Bearer(fixture.OperatorKey));
        Assert.Equal(1L, await PostgresDatabase.ScalarAsync<long>(ofUser, fixture.DatabaseConnectionString));
    }

    [Fact]
    public async Task An_empty_triggered_by_becomes_the_callers_name_and_a_given_one_is_kept()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);
        var client = Runtime(channel);
        var deployed = await client.DeployWorkflowAsync(Deploy("user-1", Manual()), SecuredHostFixture.Bearer(fixture.OperatorKey));
        var id = deployed.Deployment.WorkflowId;

        var anonymous = await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = id, IdempotencyKey = "a" },
            SecuredHostFixture.Bearer(fixture.GatewayKey));
        var named = await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = id, IdempotencyKey = "b", TriggeredBy = "alice" },
            SecuredHostFixture.Bearer(fixture.GatewayKey));

        Assert.Equal("gateway", anonymous.Execution.TriggeredBy);
        Assert.Equal("gateway", await PostgresDatabase.ScalarAsync<string>(
            $"SELECT triggered_by FROM workflow_executions WHERE id = '{anonymous.Execution.ExecutionId}'", fixture.DatabaseConnectionString));
        Assert.Equal("alice", named.Execution.TriggeredBy);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_tls_handshake_fails_before_any_rpc()
    {
        using var channel = fixture.Channel(certificate: null);

        var error = await Refused(Calls["WorkflowRuntimeService/ListDeployments"](channel, SecuredHostFixture.Bearer(fixture.OperatorKey)));

        AssertHandshakeRefused(error);
    }

    [Fact]
    public async Task A_client_certificate_from_an_unknown_issuer_is_refused_in_the_handshake()
    {
        using var stranger = fixture.Pki.Client($"CN={SecuredHostFixture.AllowedSubject}", issuer: fixture.Pki.UntrustedCa);
        using var channel = fixture.Channel(stranger);

        var error = await Refused(Calls["WorkflowRuntimeService/ListDeployments"](channel, SecuredHostFixture.Bearer(fixture.OperatorKey)));

        AssertHandshakeRefused(error);
    }

    [Fact]
    public async Task A_client_certificate_with_a_subject_not_allowed_is_refused_in_the_handshake()
    {
        using var intruder = fixture.Pki.Client("CN=somebody-else, O=Example");
        using var channel = fixture.Channel(intruder);

        var error = await Refused(Calls["WorkflowRuntimeService/ListDeployments"](channel, SecuredHostFixture.Bearer(fixture.OperatorKey)));

        AssertHandshakeRefused(error);
    }

    [Fact]
    public async Task A_full_distinguished_name_in_the_allow_list_admits_its_certificate()
    {
        using var console = fixture.Pki.Client("CN=operator-console, O=Example");
        using var channel = fixture.Channel(console);

        var response = await Runtime(channel).ListDeploymentsAsync(new ListDeploymentsRequest { UserId = $"nobody-{Guid.NewGuid():N}" },
            SecuredHostFixture.Bearer(fixture.OperatorKey));

        Assert.Equal(0, response.TotalCount);
    }

    [Fact]
    public async Task The_grpc_health_service_stays_open_like_the_readiness_probe()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);

        var response = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_a_streaming_rpc_wants_a_key_allowed_ServerReflection()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);

        var none = await ListServicesAsync(channel, []);
        var denied = await ListServicesAsync(channel, SecuredHostFixture.Bearer(fixture.GatewayKey));
        var listed = await ListServicesAsync(channel, SecuredHostFixture.Bearer(fixture.OperatorKey));

        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(none.Error).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, Assert.IsType<RpcException>(denied.Error).StatusCode);
        Assert.Null(listed.Error);
        Assert.Contains("workflow_runtime.v1.WorkflowRuntimeService", listed.Services);
    }

    [Fact]
    public async Task The_grpc_health_watch_stream_stays_open_too()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = new global::Grpc.Health.V1.Health.HealthClient(channel).Watch(new global::Grpc.Health.V1.HealthCheckRequest(), cancellationToken: cts.Token);

        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task On_the_http_port_probes_stay_open_and_details_and_metrics_want_an_allowed_key()
    {
        var http = fixture.Host.Http;

        using var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var anonymous = await http.GetAsync(new Uri("/health", UriKind.Relative));
        using var gatewayHealth = await Get(http, "/health", fixture.GatewayKey);
        using var operatorHealth = await Get(http, "/health", fixture.OperatorKey);
        using var anonymousMetrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var operatorMetrics = await Get(http, "/metrics", fixture.OperatorKey);
        using var monitoringMetrics = await Get(http, "/metrics", fixture.MonitoringKey);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("authorization: Bearer", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, gatewayHealth.StatusCode);
        Assert.Contains("Http/health", await gatewayHealth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, operatorHealth.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, operatorMetrics.StatusCode);
        // Past the rule: whatever the endpoint answers (it is another branch's), it is not a refusal.
        Assert.NotEqual(HttpStatusCode.Unauthorized, monitoringMetrics.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, monitoringMetrics.StatusCode);
    }

    /// <summary>
    /// The connection failed, not the call: with TLS 1.3 the server's alert arrives after the client's handshake ends,
    /// so grpc-dotnet reports it as UNAVAILABLE or INTERNAL, always with the transport error underneath. The request
    /// carried a valid key, so any answer from a handler would have been OK.
    /// </summary>
    private static void AssertHandshakeRefused(RpcException error)
    {
        Assert.Contains(error.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.True(error.Status.DebugException is HttpRequestException or IOException,
            $"expected a transport failure, got {error.Status.DebugException?.GetType().Name}: {error.Status.Detail}");
    }

    private static async Task<(Exception? Error, IReadOnlyList<string> Services)> ListServicesAsync(GrpcChannel channel, Metadata headers)
    {
        try
        {
            using var call = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(headers);
            await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = string.Empty });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            return (null, [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)]);
        }
        catch (RpcException ex)
        {
            return (ex, []);
        }
    }

    private static async Task<HttpResponseMessage> Get(HttpClient http, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request);
    }

    private static WorkflowRuntimeService.WorkflowRuntimeServiceClient Runtime(GrpcChannel channel) => new(channel);

    private static MonitoringService.MonitoringServiceClient Monitoring(GrpcChannel channel) => new(channel);

    private static async Task<RpcException> Refused(Task call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), "a refusal must say why");
        return error;
    }

    /// <summary>The status the call ended with, success included.</summary>
    private static async Task<StatusCode> Outcome(Task call)
    {
        try
        {
            await call;
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
