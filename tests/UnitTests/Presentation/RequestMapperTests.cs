using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Presentation.Grpc.Mapping;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class RequestMapperTests
{
    [Fact]
    public void Deploy_request_maps_every_trigger_kind_and_the_config()
    {
        var request = new Wire.DeployWorkflowRequest
        {
            WorkflowId = "id-1",
            UserId = "user-1",
            Name = "name",
            Description = "desc",
            WorkflowDefinition = "{}",
            Triggers =
            {
                new Wire.TriggerSpec { Cron = new Wire.CronTriggerSpec { CronExpression = "0 9 * * *", Timezone = "Europe/Berlin", DisableJitter = true, JitterWindowSeconds = 60 } },
                new Wire.TriggerSpec { Webhook = new Wire.WebhookTriggerSpec { Path = "orders", Methods = { "GET", "POST" } } },
                new Wire.TriggerSpec { Manual = new Wire.ManualTriggerSpec() },
                new Wire.TriggerSpec(),
            },
            Config = new Wire.DeploymentConfig { OverlapPolicy = Wire.OverlapPolicy.AllowAll, ExecutionTimeoutSeconds = 90 },
        };

        var command = request.ToCommand();

        Assert.Equal("id-1", command.WorkflowId);
        Assert.Equal("user-1", command.UserId);
        Assert.Equal("name", command.Name);
        Assert.Equal("desc", command.Description);
        Assert.Equal("{}", command.WorkflowDefinition);
        Assert.Equal(4, command.Triggers.Count);

        var cron = command.Triggers[0];
        Assert.Equal(TriggerType.Cron, cron.Type);
        Assert.Equal("0 9 * * *", cron.CronExpression);
        Assert.Equal("Europe/Berlin", cron.TimeZone);
        Assert.True(cron.DisableJitter);
        Assert.Equal(60, cron.JitterWindowSeconds);

        var webhook = command.Triggers[1];
        Assert.Equal(TriggerType.Webhook, webhook.Type);
        Assert.Equal("orders", webhook.WebhookPath);
        Assert.Equal(["GET", "POST"], webhook.Methods);

        Assert.Equal(new TriggerInput(TriggerType.Manual), command.Triggers[2]);

        // A TriggerSpec with no oneof kind set reaches the use case as "no type" so it can name the field.
        Assert.Null(command.Triggers[3].Type);

        Assert.Equal(new ConfigInput(OverlapPolicy.AllowAll, 90), command.Config);
    }

    [Theory]
    [InlineData(Wire.OverlapPolicy.Unspecified, OverlapPolicy.Skip)]
    [InlineData(Wire.OverlapPolicy.Skip, OverlapPolicy.Skip)]
    [InlineData(Wire.OverlapPolicy.AllowAll, OverlapPolicy.AllowAll)]
    public void Overlap_policy_unspecified_is_skip(Wire.OverlapPolicy wire, OverlapPolicy expected) =>
        Assert.Equal(expected, new Wire.DeployWorkflowRequest { Config = new Wire.DeploymentConfig { OverlapPolicy = wire } }.ToCommand().Config!.OverlapPolicy);

    [Fact]
    public void Deploy_request_without_config_has_none()
    {
        var command = new Wire.DeployWorkflowRequest().ToCommand();

        Assert.Null(command.Config);
        Assert.Empty(command.Triggers);
        Assert.Equal(string.Empty, command.WorkflowId);
    }

    [Fact]
    public void Update_request_without_optional_fields_maps_them_to_null()
    {
        var request = new Wire.UpdateDeploymentRequest { WorkflowId = "id-1", ExpectedVersion = 3 };
        Assert.False(request.HasName);
        Assert.False(request.HasWorkflowDefinition);

        var command = request.ToCommand();

        Assert.Equal("id-1", command.WorkflowId);
        Assert.Equal(3, command.ExpectedVersion);
        Assert.Null(command.Name);
        Assert.Null(command.WorkflowDefinition);
        Assert.Null(command.Config);
        Assert.False(command.ReplaceTriggers);
        Assert.Empty(command.Triggers);
    }

    [Fact]
    public void Update_request_with_optional_fields_set_keeps_them_even_when_empty()
    {
        var request = new Wire.UpdateDeploymentRequest
        {
            WorkflowId = "id-1",
            Name = string.Empty,
            WorkflowDefinition = """{"nodes":[]}""",
            ReplaceTriggers = true,
            Config = new Wire.DeploymentConfig { ExecutionTimeoutSeconds = 5 },
        };

        var command = request.ToCommand();

        Assert.Equal(string.Empty, command.Name);   // present-but-empty is sent on, to be refused by the domain
        Assert.Equal("""{"nodes":[]}""", command.WorkflowDefinition);
        Assert.True(command.ReplaceTriggers);
        Assert.Empty(command.Triggers);             // replace with nothing
        Assert.Equal(new ConfigInput(OverlapPolicy.Skip, 5), command.Config);
    }

    [Fact]
    public void List_request_maps_statuses_through_the_wire_table_and_drops_unspecified_and_unknown_numbers()
    {
        var request = new Wire.ListDeploymentsRequest
        {
            UserId = "user-1",
            PageSize = 20,
            PageToken = "token",
            Statuses = { Wire.DeploymentStatus.Unspecified, Wire.DeploymentStatus.Draft, Wire.DeploymentStatus.Archived, (Wire.DeploymentStatus)9 },
        };

        var query = request.ToQuery();

        Assert.Equal("user-1", query.UserId);
        Assert.Equal(20, query.PageSize);
        Assert.Equal("token", query.PageToken);
        // Numbers outside the contract never get here: the request validator refuses them first.
        Assert.Equal([DeploymentStatus.Draft, DeploymentStatus.Archived], query.Statuses);
    }
}
