using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ApiGatewayStandIn;
using Microsoft.AspNetCore.Builder;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Infrastructure.Engine.Simulation;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Gateway;

/// <summary>
/// The API gateway stand-in (examples/ApiGatewayStandIn), in this process on a real port, in front of the shared host:
/// HTTP in, ResolveWebhook + TriggerWorkflow over gRPC with the gateway's own copy of the protos, HTTP out.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class GatewayStandInTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private const string Path = "orders/created";

    // One client for every test (a field per instance would make the class own a disposable); each test has its own gateway.
    private static readonly HttpClient Http = new();
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _runtime = fixture.Host.Runtime;
    private readonly EngineSimulation _engine = fixture.Engine;
    private WebApplication _gateway = null!;
    private string _gatewayUrl = null!;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _engine.Reset();
        var port = FreePort.Next();
        _gateway = GatewayApp.Build($"http://127.0.0.1:{fixture.Host.GrpcPort}", port);
        await _gateway.StartAsync();
        _gatewayUrl = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task A_waited_webhook_call_runs_the_workflow_once_and_answers_200_with_its_outcome()
    {
        var deployment = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Webhook(Path)))).Deployment;
        _engine.SetBehaviour(deployment.WorkflowId, SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(200), """{"rows":42}"""));
        const string sent = """{"order": 7, "items": ["a", "b"], "customer": {"name": "acme"}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_gatewayUrl}/webhook/{Path}?wait=true&timeout=10")
        {
            Content = new StringContent(sent, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.ParseAdd("acme-shop/1.0");

        using var response = await Http.SendAsync(request);

        var body = await JsonBody(response, HttpStatusCode.OK);
        Assert.Equal("SUCCESS", body["status"]!.GetValue<string>());
        Assert.Equal(deployment.WorkflowId, body["workflow_id"]!.GetValue<string>());
        Assert.False(body["deduplicated"]!.GetValue<bool>());
        Assert.Equal(42, body["result_data"]!["rows"]!.GetValue<int>());

        var history = (await _runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = deployment.WorkflowId })).Executions;
        var execution = Assert.Single(history);
        Assert.Equal(body["execution_id"]!.GetValue<string>(), execution.ExecutionId);
        Assert.Equal(ExecutionMode.Webhook, execution.Mode);
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal(deployment.Triggers.Single().TriggerId, execution.TriggerId);
        Assert.Equal("gateway", execution.TriggeredBy);
        AssertSameJson(sent, execution.TriggerData);

        Assert.Equal(1, _engine.ExecuteCalls(deployment.WorkflowId));
        var seen = Assert.Single(_engine.Executions(deployment.WorkflowId));
        Assert.Equal("POST", seen.Metadata["http_method"]);
        Assert.Equal("acme-shop/1.0", seen.Metadata["user-agent"]);
        Assert.Equal("127.0.0.1", seen.Metadata["remote_ip"]);
    }

    [Fact]
    public async Task A_body_that_is_not_a_json_object_reaches_the_workflow_wrapped_as_body()
    {
        var workflowId = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Webhook(Path)))).Deployment.WorkflowId;

        using var response = await Http.PostAsync($"{_gatewayUrl}/webhook/{Path}", new StringContent("[1, 2] is not an object"));

        var body = await JsonBody(response, HttpStatusCode.Accepted);
        var execution = (await _runtime.GetExecutionAsync(new GetExecutionRequest { ExecutionId = body["execution_id"]!.GetValue<string>() })).Execution;
        Assert.Equal(workflowId, execution.WorkflowId);
        AssertSameJson("""{"body": "[1, 2] is not an object"}""", execution.TriggerData);
    }

    [Fact]
    public async Task An_unknown_path_is_404_with_the_runtime_message_and_runs_nothing()
    {
        using var response = await Http.PostAsync($"{_gatewayUrl}/webhook/nobody/home", JsonContent("""{"x":1}"""));

        var problem = await JsonBody(response, HttpStatusCode.NotFound);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nobody/home", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("NotFound", problem["grpc_status"]!.GetValue<string>());
        Assert.Equal(0L, await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflow_executions"));
    }

    [Fact]
    public async Task A_method_the_path_does_not_accept_is_404_and_runs_nothing()
    {
        var workflowId = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Webhook(Path, "POST")))).Deployment.WorkflowId;

        using var response = await Http.PutAsync($"{_gatewayUrl}/webhook/{Path}", JsonContent("""{"x":1}"""));

        var problem = await JsonBody(response, HttpStatusCode.NotFound);
        Assert.Contains("PUT", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await _runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = workflowId })).Executions);
        Assert.Equal(0, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task A_paused_deployment_is_409_and_runs_nothing()
    {
        var workflowId = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Webhook(Path)))).Deployment.WorkflowId;
        await _runtime.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = workflowId, Note = "maintenance" });

        using var response = await Http.PostAsync($"{_gatewayUrl}/webhook/{Path}", JsonContent("""{"x":1}"""));

        var problem = await JsonBody(response, HttpStatusCode.Conflict);
        Assert.Equal("FailedPrecondition", problem["grpc_status"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), "the problem must carry the runtime's message");
        Assert.Empty((await _runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = workflowId })).Executions);
        Assert.Equal(0, _engine.ExecuteCalls(workflowId));
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_returns_the_same_execution_marked_deduplicated()
    {
        var workflowId = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Webhook(Path)))).Deployment.WorkflowId;

        using var firstResponse = await PostWithKeyAsync("order-42");
        using var secondResponse = await PostWithKeyAsync("order-42");

        var first = await JsonBody(firstResponse, HttpStatusCode.Accepted);
        var second = await JsonBody(secondResponse, HttpStatusCode.Accepted);

        Assert.False(first["deduplicated"]!.GetValue<bool>());
        Assert.True(second["deduplicated"]!.GetValue<bool>());
        Assert.Equal(first["execution_id"]!.GetValue<string>(), second["execution_id"]!.GetValue<string>());
        var execution = Assert.Single((await _runtime.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = workflowId })).Executions);
        Assert.Equal("order-42", execution.IdempotencyKey);
        Assert.Equal(1, _engine.ExecuteCalls(workflowId));
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_gatewayUrl}/webhook/{Path}") { Content = JsonContent("""{"order":42}""") };
        request.Headers.Add("Idempotency-Key", key);
        return await Http.SendAsync(request);
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts the status (showing the body when it differs) and returns the body as a JSON object.</summary>
    private static async Task<JsonObject> JsonBody(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Equal as JSON: the database stores trigger data as jsonb, which need not keep the sender's spacing or key order.</summary>
    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");
}
