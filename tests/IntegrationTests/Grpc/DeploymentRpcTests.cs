using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Domain.Jitter;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Grpc;

/// <summary>The deployment RPCs over a real gRPC channel to the running host, against the real PostgreSQL.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeploymentRpcTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task DeployWorkflow_makes_an_id_deploys_and_reports_triggers_with_jitter_and_next_fire()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await _client.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *"), Webhook("orders/created"), Manual()));

        var deployment = response.Deployment;
        Assert.True(Guid.TryParse(deployment.WorkflowId, out _));
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
        Assert.Equal(2, deployment.Version);
        Assert.Equal(3, deployment.Triggers.Count);
        var cron = deployment.Triggers.Single(t => t.Spec.KindCase == TriggerSpec.KindOneofCase.Cron);
        Assert.Equal(JitterPolicy.CalculateJitter(deployment.WorkflowId), cron.JitterSeconds);
        Assert.NotNull(cron.NextFireTime);
        var next = cron.NextFireTime.ToDateTimeOffset();
        Assert.True(next > before);
        Assert.Equal(cron.JitterSeconds, (int)next.UtcDateTime.TimeOfDay.TotalSeconds - (9 * 3600));
        Assert.Equal("UTC", cron.Spec.Cron.Timezone);
        Assert.Equal(["POST"], deployment.Triggers.Single(t => t.Spec.KindCase == TriggerSpec.KindOneofCase.Webhook).Spec.Webhook.Methods);
        Assert.Equal(OverlapPolicy.Skip, deployment.Config.OverlapPolicy);
        Assert.Equal(600, deployment.Config.ExecutionTimeoutSeconds);
        Assert.Equal("DEPLOYED", await PostgresDatabase.ScalarAsync<string>(
            $"SELECT deployment_status FROM workflows WHERE id = '{deployment.WorkflowId}'"));
    }

    [Fact]
    public async Task DeployWorkflow_deploys_an_existing_draft()
    {
        var id = Guid.NewGuid();
        await PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflows (id, user_id, name, workflow_data, version, created_at, updated_at)
            VALUES ('{id}', 'user-1', 'drafted elsewhere', '{Samples.DefinitionJson}', 1, now(), now())
            """);
        var request = Deploy("user-1", Manual());
        request.WorkflowId = id.ToString();
        request.Name = string.Empty;

        var deployment = (await _client.DeployWorkflowAsync(request)).Deployment;

        Assert.Equal(id.ToString(), deployment.WorkflowId);
        Assert.Equal("drafted elsewhere", deployment.Name);
        Assert.Equal(DeploymentStatus.Deployed, deployment.Status);
    }

    [Theory]
    [InlineData("61 * * * *", "", "triggers[0].cron.cron_expression")]
    [InlineData("* * *", "", "triggers[0].cron.cron_expression")]
    [InlineData("0 9 * * *", "Mars/Olympus", "triggers[0].cron.timezone")]
    public async Task DeployWorkflow_with_a_bad_cron_trigger_is_invalid_names_the_field_and_writes_nothing(
        string expression, string timezone, string field)
    {
        var before = await PostgresDatabase.SnapshotAsync();

        var error = await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(Deploy("user-1", Cron(expression, timezone))));

        Assert.Contains(field, ViolatedFields(error));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Theory]
    [InlineData("", "workflow_definition")]
    [InlineData("[1,2]", "workflow_definition")]
    [InlineData("""{"nodes":[]}""", "workflow_definition.nodes")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"},{"id":"a","type":"t"}]}""", "workflow_definition.nodes[1].id")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":[{"source":"a","target":"ghost"}]}""", "workflow_definition.connections[0].target")]
    public async Task DeployWorkflow_with_a_bad_definition_is_invalid_and_writes_nothing(string definition, string field)
    {
        var before = await PostgresDatabase.SnapshotAsync();
        var request = Deploy("user-1", Manual());
        request.WorkflowDefinition = definition;

        var error = await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(request));

        Assert.Contains(field, ViolatedFields(error));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task DeployWorkflow_with_missing_fields_or_a_bad_id_names_each_field()
    {
        var noUser = Deploy("", Manual());
        var badId = Deploy("user-1", Manual());
        badId.WorkflowId = "not-a-uuid";
        var noKind = Deploy("user-1", new TriggerSpec());
        var badWebhook = Deploy("user-1", Webhook("Bad Path"));

        Assert.Contains("user_id", ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(noUser))));
        Assert.Contains("workflow_id", ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(badId))));
        Assert.Contains("triggers[0]", ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(noKind))));
        Assert.Contains("triggers[0].webhook.path", ViolatedFields(await FailsWith(StatusCode.InvalidArgument, _client.DeployWorkflowAsync(badWebhook))));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM workflows"));
    }

    [Fact]
    public async Task DeployWorkflow_over_the_definition_size_limit_is_resource_exhausted_and_writes_nothing()
    {
        var before = await PostgresDatabase.SnapshotAsync();
        var request = Deploy("user-1", Manual());
        request.WorkflowDefinition = $$"""{"nodes":[{"id":"a","type":"t","blob":"{{new string('x', 1024 * 1024)}}"}]}""";

        await FailsWith(StatusCode.ResourceExhausted, _client.DeployWorkflowAsync(request));

        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task DeployWorkflow_with_a_webhook_path_another_deployment_holds_already_exists_and_writes_nothing()
    {
        await _client.DeployWorkflowAsync(Deploy("user-1", Webhook("orders/created")));
        var before = await PostgresDatabase.SnapshotAsync();

        var error = await FailsWith(StatusCode.AlreadyExists, _client.DeployWorkflowAsync(Deploy("user-2", Webhook("orders/created"))));

        Assert.Contains("orders/created", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task DeployWorkflow_of_an_already_deployed_workflow_is_a_failed_precondition()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment;
        var again = Deploy("user-1", Manual());
        again.WorkflowId = deployed.WorkflowId;
        var before = await PostgresDatabase.SnapshotAsync();

        await FailsWith(StatusCode.FailedPrecondition, _client.DeployWorkflowAsync(again));

        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task UpdateDeployment_changes_name_definition_config_and_triggers_and_bumps_the_version()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *")))).Deployment;
        var update = new UpdateDeploymentRequest
        {
            WorkflowId = deployed.WorkflowId,
            ExpectedVersion = deployed.Version,
            Name = "renamed",
            WorkflowDefinition = """{"nodes":[{"id":"only","type":"noop"}]}""",
            ReplaceTriggers = true,
            Triggers = { Cron("*/1 * * * *"), Webhook("renamed/hook", "get") },
            Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.AllowAll, ExecutionTimeoutSeconds = 0 },
        };

        var updated = (await _client.UpdateDeploymentAsync(update)).Deployment;

        Assert.Equal("renamed", updated.Name);
        Assert.True(updated.Version > deployed.Version);
        Assert.Contains("only", updated.WorkflowDefinition, StringComparison.Ordinal);
        Assert.Equal(OverlapPolicy.AllowAll, updated.Config.OverlapPolicy);
        Assert.Equal(3600, updated.Config.ExecutionTimeoutSeconds);
        var cron = updated.Triggers.Single(t => t.Spec.KindCase == TriggerSpec.KindOneofCase.Cron);
        Assert.Equal(JitterPolicy.CalculateJitter(updated.WorkflowId, 60), cron.JitterSeconds);
        Assert.Equal(2, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_triggers WHERE workflow_id = '{updated.WorkflowId}'"));
    }

    [Fact]
    public async Task UpdateDeployment_with_a_stale_expected_version_is_aborted_and_writes_nothing()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment;
        await _client.UpdateDeploymentAsync(new UpdateDeploymentRequest { WorkflowId = deployed.WorkflowId, Name = "first writer" });
        var before = await PostgresDatabase.SnapshotAsync();

        var error = await FailsWith(StatusCode.Aborted, _client.UpdateDeploymentAsync(new UpdateDeploymentRequest
        {
            WorkflowId = deployed.WorkflowId,
            ExpectedVersion = deployed.Version,
            Name = "second writer",
        }));

        Assert.Contains("expected_version", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task UpdateDeployment_with_a_bad_trigger_writes_nothing_not_even_the_valid_fields()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment;
        var before = await PostgresDatabase.SnapshotAsync();

        var error = await FailsWith(StatusCode.InvalidArgument, _client.UpdateDeploymentAsync(new UpdateDeploymentRequest
        {
            WorkflowId = deployed.WorkflowId,
            Name = "would be renamed",
            ReplaceTriggers = true,
            Triggers = { Manual(), Cron("not a cron") },
        }));

        Assert.Contains("triggers[1].cron.cron_expression", ViolatedFields(error));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task Pause_and_resume_move_the_deployment_and_keep_the_note_while_paused()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Cron("0 9 * * *")))).Deployment;

        var paused = (await _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = deployed.WorkflowId, Note = "vendor outage" })).Deployment;
        var resumed = (await _client.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = deployed.WorkflowId })).Deployment;

        Assert.Equal(DeploymentStatus.Paused, paused.Status);
        Assert.Equal("vendor outage", paused.PauseNote);
        Assert.Null(paused.Triggers.Single().NextFireTime);
        Assert.Equal(DeploymentStatus.Deployed, resumed.Status);
        Assert.Equal(string.Empty, resumed.PauseNote);
        Assert.NotNull(resumed.Triggers.Single().NextFireTime);
    }

    [Fact]
    public async Task Illegal_lifecycle_moves_are_failed_preconditions_and_write_nothing()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment;
        var id = deployed.WorkflowId;

        var before = await PostgresDatabase.SnapshotAsync();
        await FailsWith(StatusCode.FailedPrecondition, _client.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = id }));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());

        await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = id });
        before = await PostgresDatabase.SnapshotAsync();
        await FailsWith(StatusCode.FailedPrecondition, _client.ResumeDeploymentAsync(new ResumeDeploymentRequest { WorkflowId = id }));
        await FailsWith(StatusCode.FailedPrecondition, _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = id }));
        await FailsWith(StatusCode.FailedPrecondition, _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = id }));
        await FailsWith(StatusCode.FailedPrecondition, _client.UpdateDeploymentAsync(new UpdateDeploymentRequest { WorkflowId = id, Name = "x" }));
        Assert.Equal(before, await PostgresDatabase.SnapshotAsync());
    }

    [Fact]
    public async Task DeleteDeployment_archives_deactivates_triggers_and_frees_the_webhook_path()
    {
        var first = (await _client.DeployWorkflowAsync(Deploy("user-1", Webhook("shared/hook"), Cron("0 9 * * *")))).Deployment;

        var archived = (await _client.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = first.WorkflowId })).Deployment;
        var second = (await _client.DeployWorkflowAsync(Deploy("user-2", Webhook("shared/hook")))).Deployment;
        var resolved = await _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "shared/hook", Method = "POST" });

        Assert.Equal(DeploymentStatus.Archived, archived.Status);
        Assert.All(archived.Triggers, t => Assert.False(t.Active));
        Assert.Equal(second.WorkflowId, resolved.WorkflowId);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_triggers WHERE workflow_id = '{first.WorkflowId}' AND is_active"));
    }

    [Fact]
    public async Task Unknown_and_malformed_workflow_ids_are_not_found_and_invalid()
    {
        var unknown = Guid.NewGuid().ToString();

        await FailsWith(StatusCode.NotFound, _client.GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = unknown }));
        await FailsWith(StatusCode.NotFound, _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = unknown }));
        await FailsWith(StatusCode.NotFound, _client.UpdateDeploymentAsync(new UpdateDeploymentRequest { WorkflowId = unknown }));
        var error = await FailsWith(StatusCode.InvalidArgument, _client.GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = "wf-001" }));
        Assert.Contains("workflow_id", ViolatedFields(error));
    }

    [Fact]
    public async Task GetDeploymentStatus_reports_the_deployment_its_last_execution_and_the_count()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment;
        var executionId = Guid.NewGuid();
        await PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflow_executions (id, workflow_id, status, mode, is_exclusive, trigger_data, created_at, finished_at, error_message, revision)
            VALUES ('{executionId}', '{deployed.WorkflowId}', 'ERROR', 'MANUAL', false, '{"{}"}', now(), now(), 'engine said no', 0)
            """);

        var status = await _client.GetDeploymentStatusAsync(new GetDeploymentStatusRequest { WorkflowId = deployed.WorkflowId });

        Assert.Equal(deployed.WorkflowId, status.Deployment.WorkflowId);
        Assert.Equal(1, status.ExecutionCount);
        Assert.Equal(executionId.ToString(), status.LastExecution.ExecutionId);
        Assert.Equal(ExecutionStatus.Error, status.LastExecution.Status);
        Assert.Equal("engine said no", status.LastExecution.ErrorMessage);
    }

    [Fact]
    public async Task ResolveWebhook_finds_the_workflow_by_path_and_method_only()
    {
        var deployed = (await _client.DeployWorkflowAsync(Deploy("user-1", Webhook("github/push", "POST", "PUT")))).Deployment;

        var resolved = await _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "/github/push", Method = "put" });

        Assert.Equal(deployed.WorkflowId, resolved.WorkflowId);
        Assert.Equal(deployed.Triggers.Single().TriggerId, resolved.TriggerId);
        await FailsWith(StatusCode.NotFound, _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "github/push", Method = "GET" }));
        await FailsWith(StatusCode.NotFound, _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "nobody/home", Method = "POST" }));
        await FailsWith(StatusCode.InvalidArgument, _client.ResolveWebhookAsync(new ResolveWebhookRequest { Path = "", Method = "POST" }));
    }

    [Fact]
    public async Task ListDeployments_filters_by_user_and_status()
    {
        var a1 = (await _client.DeployWorkflowAsync(Deploy("alice", Manual()))).Deployment;
        var a2 = (await _client.DeployWorkflowAsync(Deploy("alice", Manual()))).Deployment;
        await _client.DeployWorkflowAsync(Deploy("bob", Manual()));
        await _client.PauseDeploymentAsync(new PauseDeploymentRequest { WorkflowId = a2.WorkflowId });

        var alice = await _client.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "alice" });
        var alicePaused = await _client.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "alice", Statuses = { DeploymentStatus.Paused } });
        var deployed = await _client.ListDeploymentsAsync(new ListDeploymentsRequest { Statuses = { DeploymentStatus.Deployed } });

        Assert.Equal([a1.WorkflowId, a2.WorkflowId], alice.Deployments.Select(d => d.WorkflowId));
        Assert.Equal(2, alice.TotalCount);
        Assert.Equal([a2.WorkflowId], alicePaused.Deployments.Select(d => d.WorkflowId));
        Assert.Equal(2, deployed.TotalCount);
        Assert.Equal(string.Empty, alice.NextPageToken);
    }

    [Fact]
    public async Task ListDeployments_rejects_a_bad_page_token_and_a_negative_page_size()
    {
        var badToken = await FailsWith(StatusCode.InvalidArgument, _client.ListDeploymentsAsync(new ListDeploymentsRequest { PageToken = "garbage" }));
        var badSize = await FailsWith(StatusCode.InvalidArgument, _client.ListDeploymentsAsync(new ListDeploymentsRequest { PageSize = -1 }));

        Assert.Contains("page_token", ViolatedFields(badToken));
        Assert.Contains("page_size", ViolatedFields(badSize));
    }

    [Fact]
    public async Task ListDeployments_pages_return_every_deployment_exactly_once_while_others_are_added()
    {
        var initial = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            initial.Add((await _client.DeployWorkflowAsync(Deploy("pager", Manual()))).Deployment.WorkflowId);
        }

        using var stop = new CancellationTokenSource();
        var added = new List<string>();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && added.Count < 40)
            {
                added.Add((await _client.DeployWorkflowAsync(Deploy("pager", Manual()))).Deployment.WorkflowId);
            }
        });

        var seen = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await _client.ListDeploymentsAsync(new ListDeploymentsRequest { UserId = "pager", PageSize = 4, PageToken = token });
            seen.AddRange(page.Deployments.Select(d => d.WorkflowId));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        await stop.CancelAsync();
        await writer;

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(initial, id => Assert.Contains(id, seen));
        Assert.All(seen, id => Assert.True(initial.Contains(id) || added.Contains(id)));
    }
}
