using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using Xunit.Abstractions;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Validation;

/// <summary>
/// The input findings of issue 11, each with the exact inputs the tester sent, over real gRPC against a
/// production-profile host: bad input is INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) naming the field, bounded in size,
/// never INTERNAL/UNKNOWN, and writes nothing.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed partial class HostileInputTests(HostileInputHost fixture, ITestOutputHelper output) : IClassFixture<HostileInputHost>, IAsyncLifetime
{
    private const string RuntimeService = "workflow_runtime.v1.WorkflowRuntimeService";
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        fixture.Logs.Clear();
    }

    public async Task DisposeAsync()
    {
        foreach (var id in await PostgresDatabase.QueryAsync("SELECT id FROM workflows WHERE deployment_status <> 'ARCHIVED'", r => r.GetGuid(0)))
        {
            await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = id.ToString() });
        }
    }

    // Finding 1: an over-long id is not echoed, the trailers stay small, and the channel keeps working.
    [Fact]
    public async Task A_30000_character_execution_id_is_refused_briefly_and_the_channel_keeps_working()
    {
        var error = await FailsWith(StatusCode.InvalidArgument,
            _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = new string('x', 30_000) }));

        Assert.Equal(["execution_id"], ViolatedFields(error));
        Assert.True(error.Status.Detail.Length < 300, error.Status.Detail);
        Assert.True(TrailerBytes(error) < 8 * 1024, $"{TrailerBytes(error)} bytes of trailers");

        var deployed = await _client.DeployWorkflowAsync(Deploy("user-1", Manual()));
        Assert.Equal(DeploymentStatus.Deployed, deployed.Deployment.Status);
    }

    [Fact]
    public async Task A_long_webhook_path_from_the_gateway_is_refused_without_being_echoed()
    {
        var error = await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = new string('a', 30_000) }));

        Assert.Equal(["webhook_path"], ViolatedFields(error));
        Assert.True(error.Status.Detail.Length < 300, error.Status.Detail);
        var resolve = await FailsWith(StatusCode.InvalidArgument,
            _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = new string('/', 30_000) }));
        Assert.True(resolve.Status.Detail.Length < 300, resolve.Status.Detail);
    }

    [Fact]
    public async Task Fifteen_megabyte_ids_are_refused_as_too_large_before_they_are_read()
    {
        var id = new string('x', 15 * 1024 * 1024);

        var errors = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            await Assert.ThrowsAsync<RpcException>(async () => await _client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }))));

        Assert.All(errors, e => Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode));
        Assert.Equal(DeploymentStatus.Deployed, (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.Status);
    }

    // Finding 2: every string that reaches PostgreSQL, with a NUL in it.
    public static TheoryData<string> NulCases => [.. NulCalls.Keys];

    private static readonly Dictionary<string, (string Field, Func<WorkflowRuntimeService.WorkflowRuntimeServiceClient, Task> Call)> NulCalls = new()
    {
        ["deploy.user_id"] = ("user_id", c => c.DeployWorkflowAsync(WithNul(d => d.UserId = "user\0one")).ResponseAsync),
        ["deploy.name"] = ("name", c => c.DeployWorkflowAsync(WithNul(d => d.Name = "na\0me")).ResponseAsync),
        ["deploy.description"] = ("description", c => c.DeployWorkflowAsync(WithNul(d => d.Description = "\0")).ResponseAsync),
        ["deploy.webhook_path"] = ("triggers[0].webhook.path", c => c.DeployWorkflowAsync(Deploy("user-1", Webhook("hook\0"))).ResponseAsync),
        ["pause.note"] = ("note", c => c.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = Guid.NewGuid().ToString(), Note = "n\0" }).ResponseAsync),
        ["trigger.triggered_by"] = ("triggered_by", c => c.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = Guid.NewGuid().ToString(), TriggeredBy = "\0" }).ResponseAsync),
        ["trigger.idempotency_key"] = ("idempotency_key", c => c.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = Guid.NewGuid().ToString(), IdempotencyKey = "k\0" }).ResponseAsync),
        ["trigger.webhook_path"] = ("webhook_path", c => c.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "a\0" }).ResponseAsync),
        ["history.user_id"] = ("user_id", c => c.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { UserId = "u\0" }).ResponseAsync),
        ["list.user_id"] = ("user_id", c => c.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "u\0" }).ResponseAsync),
        ["cancel.reason"] = ("reason", c => c.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = Guid.NewGuid().ToString(), Reason = "\0" }).ResponseAsync),
    };

    [Theory]
    [MemberData(nameof(NulCases))]
    public async Task A_NUL_character_in_any_stored_string_is_invalid_argument_and_writes_nothing(string name)
    {
        var (field, call) = NulCalls[name];
        var before = await RowCountsAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call(_client));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, ViolatedFields(error));
        Assert.Equal(before, await RowCountsAsync());
    }

    [Theory]
    [InlineData("{\"nodes\":[{\"id\":\"a\",\"type\":\"t\",\"x\":\"\\u0000\"}]}")]
    [InlineData("{\"nodes\":[{\"id\":\"a\",\"type\":\"t\",\"x\":\"\\ud800\"}]}")]
    [InlineData("{\"nodes\":[{\"id\":\"a\",\"type\":\"t\",\"x\":1e999999}]}")]
    public async Task Json_that_PostgreSQL_would_refuse_is_invalid_argument_in_both_payloads(string json)
    {
        var before = await RowCountsAsync();
        var deploy = Deploy("user-1", Manual());
        deploy.WorkflowDefinition = json;

        var error = await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(deploy));
        Assert.Equal(["workflow_definition"], ViolatedFields(error));

        var workflowId = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;
        var afterDeploy = await RowCountsAsync();
        var trigger = await FailsWith(StatusCode.InvalidArgument,
            _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, TriggerData = json }));
        Assert.Equal(["trigger_data"], ViolatedFields(trigger));
        Assert.Equal(afterDeploy, await RowCountsAsync());
        Assert.Equal(before.Workflows + 1, afterDeploy.Workflows);
    }

    [Theory]
    [InlineData(-62_135_596_801L, 0, "from")]
    [InlineData(253_402_300_800L, 0, "from")]
    [InlineData(0L, -1, "from")]
    [InlineData(0L, 1_000_000_000, "from")]
    public async Task History_filter_timestamps_outside_the_years_1_to_9999_are_invalid_argument(long seconds, int nanos, string field)
    {
        var error = await FailsWith(StatusCode.InvalidArgument, _client.GetExecutionHistoryAsync(
            new GetExecutionHistoryRequest { From = new Timestamp { Seconds = seconds, Nanos = nanos } }));

        Assert.Equal([field], ViolatedFields(error));
    }

    // Findings 2 and 3: time zones.
    [Theory]
    [InlineData("America", null)]
    [InlineData("Europe", null)]
    [InlineData("posixrules", null)]
    [InlineData("right/UTC", null)]
    [InlineData("localtime", null)]
    [InlineData("Europe/berlin", "Europe/Berlin")]
    [InlineData("utc", "UTC")]
    public async Task Time_zones_that_are_not_canonical_IANA_ids_are_refused_with_the_right_hint(string zone, string? hint)
    {
        var before = await RowCountsAsync();

        var error = await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *", zone))));

        Assert.Equal(["triggers[0].cron.timezone"], ViolatedFields(error));
        if (hint is null)
        {
            Assert.DoesNotContain("did you mean", error.Status.Detail, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains($"did you mean '{hint}'?", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task A_stored_zone_that_is_not_canonical_never_fails_a_page_a_status_or_the_reconcile_pass()
    {
        var repaired = (await _client.DeployWorkflowAsync(Deploy("zones", Cron("0 9 * * *", "Europe/Berlin")))).Deployment;
        var unusable = (await _client.DeployWorkflowAsync(Deploy("zones", Cron("0 9 * * *", "Europe/Paris")))).Deployment;
        var fine = (await _client.DeployWorkflowAsync(Deploy("zones", Cron("0 9 * * *", "UTC")))).Deployment;
        // What rows written before ids were matched exactly can hold.
        await SetStoredZoneAsync(repaired.Triggers[0].TriggerId, "europe/berlin");
        await SetStoredZoneAsync(unusable.Triggers[0].TriggerId, "Europe");

        var page = await _client.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "zones" });
        var status = await _client.GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = unusable.WorkflowId });
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<CronScheduleReconciler>().ReconcileAsync();

        Assert.Equal(3, page.Deployments.Count);
        Assert.Equal("Europe/Berlin", page.Deployments.Single(d => d.WorkflowId == repaired.WorkflowId).Triggers[0].Spec.Cron.Timezone);
        var shown = status.Deployment.Triggers.Single();
        Assert.Equal("Europe", shown.Spec.Cron.Timezone);
        Assert.Null(shown.NextFireTime);
        Assert.NotNull(page.Deployments.Single(d => d.WorkflowId == fine.WorkflowId).Triggers[0].NextFireTime);
        Assert.True(report.Deployments >= 3);
        Assert.Contains(fixture.Logs.Entries, e => e.EventName == "stored_trigger_unusable" && e.Level == LogLevel.Warning
            && e.Message.Contains(unusable.Triggers[0].TriggerId, StringComparison.Ordinal));
    }

    // Finding 4: bytes no client would encode.
    public static TheoryData<string, byte[]> Undecodable => new()
    {
        { "invalid UTF-8 in a string field", [0x0a, 0x02, 0xff, 0xfe] },
        { "a wire type that does not exist", [0x0f, 0x01] },
        { "a length past the end of the message", [0x0a, 0x10, 0x61] },
        { "a string field sent as a varint of ten 0xff bytes", [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
    };

    [Theory]
    [MemberData(nameof(Undecodable))]
    public async Task An_undecodable_request_is_invalid_argument_with_one_warning_and_no_stack_trace(string what, byte[] payload)
    {
        var reply = await RawGrpc.CallAsync(fixture.RawHttp2, fixture.Host.GrpcPort, $"{RuntimeService}/GetExecution", payload);

        Assert.True(reply.GrpcStatus == (int)StatusCode.InvalidArgument, $"{what}: HTTP {reply.HttpStatus}, grpc-status {reply.GrpcStatus} '{reply.GrpcMessage}'");
        Assert.Equal("the request could not be decoded", reply.GrpcMessage);
        var warning = Assert.Single(fixture.Logs.Entries, e => e.EventName == "request_undecodable");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Null(warning.Exception);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_grpc_frame_cut_short_is_invalid_argument_too()
    {
        // The length prefix announces 100 bytes; three follow.
        var reply = await RawGrpc.SendAsync(fixture.RawHttp2, fixture.Host.GrpcPort, $"{RuntimeService}/GetExecution", [0, 0, 0, 0, 100, 0x0a, 0x01, 0x61]);

        Assert.Equal((int)StatusCode.InvalidArgument, reply.GrpcStatus);
        Assert.Equal("the request could not be decoded", reply.GrpcMessage);
        Assert.Contains(fixture.Logs.Entries, e => e.EventName == "request_undecodable" && e.Level == LogLevel.Warning && e.Exception is null);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    // Finding 5: lax validation.
    [Theory]
    [InlineData("1-0 * * * *", "runs backwards")]
    [InlineData("? ? ? ? ?", "'?' in the minute field")]
    public async Task Cron_ranges_that_run_backwards_and_misplaced_question_marks_are_refused(string expression, string why)
    {
        var error = await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(Deploy("user-1", Cron(expression))));

        Assert.Equal(["triggers[0].cron.cron_expression"], ViolatedFields(error));
        Assert.Contains(why, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Twenty_every_second_cron_triggers_are_refused_by_the_minimum_interval()
    {
        var before = await RowCountsAsync();

        var error = await FailsWith(StatusCode.InvalidArgument,
            _client.DeployWorkflowAsync(Deploy("user-1", [.. Enumerable.Range(0, 20).Select(_ => Cron("* * * * * *"))])));

        Assert.Contains("triggers[0].cron.cron_expression", ViolatedFields(error));
        Assert.Contains("minimum interval between fires is 10 s", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task Webhook_paths_are_normalised_once_so_registration_resolution_and_triggering_agree()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Webhook("a/"), Webhook("a//b")))).Deployment;

        Assert.Equal(["a", "a/b"], deployed.Triggers.Select(t => t.Spec.Webhook.Path).Order(StringComparer.Ordinal));
        var resolved = await _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "/a/", Method = "POST" });
        Assert.Equal(deployed.WorkflowId, resolved.WorkflowId);
        var triggered = await _client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WebhookPath = "a//b/" });
        Assert.Equal(deployed.WorkflowId, triggered.Execution.WorkflowId);
        await FailsWith(StatusCode.AlreadyExists, _client.DeployWorkflowAsync(Deploy("user-2", Webhook("/a"))));
    }

    private static DeployWorkflowRequest WithNul(Action<DeployWorkflowRequest> change)
    {
        var request = Deploy("user-1", Manual());
        change(request);
        return request;
    }

    private static Task<int> SetStoredZoneAsync(string triggerId, string zone) => PostgresDatabase.ExecuteAsync(
        $"UPDATE workflow_triggers SET trigger_config = jsonb_set(trigger_config, '{{timezone}}', to_jsonb('{zone}'::text)) WHERE id = '{triggerId}'");

    internal static async Task<(long Workflows, long Triggers, long Executions)> RowCountsAsync() =>
        (await PostgresDatabase.QueryAsync(
            "SELECT (SELECT count(*) FROM workflows), (SELECT count(*) FROM workflow_triggers), (SELECT count(*) FROM workflow_executions)",
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)))).Single();

    /// <summary>What the trailers of a refused call weigh on the wire (binary values travel base64-encoded).</summary>
    internal static int TrailerBytes(RpcException error) =>
        error.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? (t.ValueBytes.Length + 2) / 3 * 4 : t.Value.Length))
        + (3 * System.Text.Encoding.UTF8.GetByteCount(error.Status.Detail));
}
