using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Mapster;
using MapsterMapper;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Presentation.Grpc.Mapping;
using WorkflowRuntime.UnitTests.Support;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class ContractMappingTests
{
    private static readonly Lazy<TypeAdapterConfig> Config = new(ContractMapping.Create);
    private static readonly DateTimeOffset Now = Samples.Now;

    private static Mapper Mapper => new(Config.Value);

    [Fact]
    public void Create_compiles_every_mapping()
    {
        var config = ContractMapping.Create();

        Assert.NotNull(config);
        config.Compile(); // throws if any configured mapping cannot be built
    }

    [Fact]
    public void Deployment_view_maps_to_the_contract()
    {
        var deployment = Deployment.CreateDraft(Guid.NewGuid(), "user-1", "Daily report", null, Samples.Definition, Now.AddDays(-1));
        deployment.Deploy(
            [
                CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin", jitterWindowSeconds: 120),
                WebhookTriggerSpec.Create("orders/created", ["put", "post"]),
                ManualTriggerSpec.Instance,
            ],
            DeploymentConfig.Create(OverlapPolicy.AllowAll, 600), Now);
        var nextFire = deployment.Triggers[0].NextFireAfter(Now);
        var view = new DeploymentView(deployment, [.. deployment.Triggers.Select(t => new TriggerView(t, t.NextFireAfter(Now)))]);

        var wire = Mapper.Map<Wire.Deployment>(view);

        Assert.Equal(deployment.Id.ToString(), wire.WorkflowId);
        Assert.Equal("user-1", wire.UserId);
        Assert.Equal("Daily report", wire.Name);
        Assert.Equal(string.Empty, wire.Description);
        Assert.Equal(Wire.DeploymentStatus.Deployed, wire.Status);
        Assert.Equal(2, wire.Version);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now), wire.DeployedAt);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now), wire.UpdatedAt);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddDays(-1)), wire.CreatedAt);
        Assert.Equal(string.Empty, wire.PauseNote);
        Assert.Equal(Samples.DefinitionJson, wire.WorkflowDefinition);
        Assert.Equal(Wire.OverlapPolicy.AllowAll, wire.Config.OverlapPolicy);
        Assert.Equal(600, wire.Config.ExecutionTimeoutSeconds);

        Assert.Equal(3, wire.Triggers.Count);
        Assert.Equal(deployment.Triggers.Select(t => t.Id.ToString()), wire.Triggers.Select(t => t.TriggerId));
        Assert.All(wire.Triggers, t => Assert.True(t.Active));

        var cron = wire.Triggers[0];
        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Cron, cron.Spec.KindCase);
        Assert.Equal("0 9 * * *", cron.Spec.Cron.CronExpression);
        Assert.Equal("Europe/Berlin", cron.Spec.Cron.Timezone);
        Assert.Equal(120, cron.Spec.Cron.JitterWindowSeconds);
        Assert.False(cron.Spec.Cron.DisableJitter);
        Assert.Equal(deployment.Triggers[0].JitterSeconds, cron.JitterSeconds);
        Assert.Equal(CronTriggerSpec.Create("0 9 * * *", "Europe/Berlin", jitterWindowSeconds: 120).JitterFor(deployment.Id.ToString()), cron.JitterSeconds);
        Assert.NotNull(nextFire);
        Assert.Equal(Timestamp.FromDateTimeOffset(nextFire.Value), cron.NextFireTime);

        var webhook = wire.Triggers[1];
        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Webhook, webhook.Spec.KindCase);
        Assert.Equal("orders/created", webhook.Spec.Webhook.Path);
        Assert.Equal(["POST", "PUT"], webhook.Spec.Webhook.Methods);
        Assert.Equal(0, webhook.JitterSeconds);
        Assert.Null(webhook.NextFireTime);

        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Manual, wire.Triggers[2].Spec.KindCase);
        Assert.Null(wire.Triggers[2].NextFireTime);
    }

    [Fact]
    public void Draft_and_paused_deployments_map_status_and_optional_fields()
    {
        var draft = Samples.Draft();
        var wireDraft = Mapper.Map<Wire.Deployment>(new DeploymentView(draft, []));
        Assert.Equal(Wire.DeploymentStatus.Draft, wireDraft.Status);
        Assert.Null(wireDraft.DeployedAt);
        Assert.Equal("sends the report", wireDraft.Description);
        Assert.Empty(wireDraft.Triggers);
        Assert.Equal(Wire.OverlapPolicy.Skip, wireDraft.Config.OverlapPolicy);
        Assert.Equal(3600, wireDraft.Config.ExecutionTimeoutSeconds);

        var paused = Samples.Paused();
        var wirePaused = Mapper.Map<Wire.Deployment>(new DeploymentView(paused, [.. paused.Triggers.Select(t => new TriggerView(t, null))]));
        Assert.Equal(Wire.DeploymentStatus.Paused, wirePaused.Status);
        Assert.Equal("maintenance", wirePaused.PauseNote);
        Assert.Null(Assert.Single(wirePaused.Triggers).NextFireTime);
    }

    [Theory]
    [InlineData(DeploymentStatus.Draft, Wire.DeploymentStatus.Draft)]
    [InlineData(DeploymentStatus.Deployed, Wire.DeploymentStatus.Deployed)]
    [InlineData(DeploymentStatus.Paused, Wire.DeploymentStatus.Paused)]
    [InlineData(DeploymentStatus.Archived, Wire.DeploymentStatus.Archived)]
    public void Deployment_status_maps_to_the_same_named_contract_value(DeploymentStatus status, Wire.DeploymentStatus expected) =>
        Assert.Equal(expected, ContractMapping.ToContract(status));

    [Fact]
    public void A_deployment_status_missing_from_the_wire_table_fails_loudly_rather_than_sending_unspecified() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ContractMapping.ToContract((DeploymentStatus)42));

    [Fact]
    public void Every_deployment_status_has_a_same_named_contract_value()
    {
        foreach (var status in Enum.GetValues<DeploymentStatus>())
        {
            Assert.Equal(status.ToString(), ContractMapping.ToContract(status).ToString());
        }
    }

    [Fact]
    public void Every_execution_status_maps_to_the_same_named_contract_value()
    {
        foreach (var status in Enum.GetValues<ExecutionStatus>())
        {
            var wire = Mapper.Map<Wire.Execution>(ExecutionIn(status));

            Assert.Equal(status.ToString(), wire.Status.ToString());
        }
    }

    [Fact]
    public void Every_execution_mode_maps_to_the_same_named_contract_value()
    {
        foreach (var mode in Enum.GetValues<ExecutionMode>())
        {
            var request = new ExecutionRequest("{}", ScheduledFor: mode == ExecutionMode.Scheduled ? Now : null);
            var execution = Execution.Start(Guid.NewGuid(), mode, request, OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);

            var wire = Mapper.Map<Wire.Execution>(execution);

            Assert.Equal(mode.ToString(), wire.Mode.ToString());
        }
    }

    [Fact]
    public void Contract_enums_have_no_value_the_domain_lacks()
    {
        // Guards the "+1" offset in the mapping: the contract adds only UNSPECIFIED.
        Assert.Equal(Enum.GetValues<ExecutionStatus>().Length + 1, Enum.GetValues<Wire.ExecutionStatus>().Length);
        Assert.Equal(Enum.GetValues<ExecutionMode>().Length + 1, Enum.GetValues<Wire.ExecutionMode>().Length);
        Assert.Equal(Enum.GetValues<DeploymentStatus>().Length + 1, Enum.GetValues<Wire.DeploymentStatus>().Length);
    }

    [Fact]
    public void New_execution_maps_nulls_to_empty_strings_and_absent_timestamps()
    {
        var execution = Execution.Start(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);

        var wire = Mapper.Map<Wire.Execution>(execution);

        Assert.Equal(execution.Id.ToString(), wire.ExecutionId);
        Assert.Equal(execution.WorkflowId.ToString(), wire.WorkflowId);
        Assert.Equal(Wire.ExecutionStatus.New, wire.Status);
        Assert.Equal(string.Empty, wire.TriggerId);
        Assert.Equal(string.Empty, wire.TriggeredBy);
        Assert.Equal(string.Empty, wire.IdempotencyKey);
        Assert.Equal(string.Empty, wire.EngineExecutionId);
        Assert.Equal(string.Empty, wire.ResultData);
        Assert.Equal(string.Empty, wire.ErrorMessage);
        Assert.Equal(string.Empty, wire.SkipReason);
        Assert.Equal("{}", wire.TriggerData);
        Assert.Null(wire.ScheduledFor);
        Assert.Null(wire.StartedAt);
        Assert.Null(wire.FinishedAt);
        Assert.Equal(0, wire.DurationMs);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now), wire.CreatedAt);
    }

    [Fact]
    public void Finished_execution_maps_every_value()
    {
        var triggerId = Guid.NewGuid();
        var request = new ExecutionRequest("""{"x":1}""", triggerId, "cron", "key-1", Now.AddSeconds(-1));
        var execution = Execution.Start(Guid.NewGuid(), ExecutionMode.Scheduled, request, OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);
        execution.MarkRunning("engine-7", Now.AddSeconds(1));
        execution.Fail("boom", Now.AddSeconds(3.5));

        var wire = Mapper.Map<Wire.Execution>(execution);

        Assert.Equal(Wire.ExecutionStatus.Error, wire.Status);
        Assert.Equal(Wire.ExecutionMode.Scheduled, wire.Mode);
        Assert.Equal(triggerId.ToString(), wire.TriggerId);
        Assert.Equal("cron", wire.TriggeredBy);
        Assert.Equal("key-1", wire.IdempotencyKey);
        Assert.Equal("engine-7", wire.EngineExecutionId);
        Assert.Equal("boom", wire.ErrorMessage);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddSeconds(-1)), wire.ScheduledFor);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddSeconds(1)), wire.StartedAt);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddSeconds(3.5)), wire.FinishedAt);
        Assert.Equal(2500, wire.DurationMs);
    }

    [Fact]
    public void Skipped_execution_carries_its_reason()
    {
        var execution = Execution.Skipped(Guid.NewGuid(), ExecutionMode.Webhook, new ExecutionRequest("{}"), "already running", Now);

        var wire = Mapper.Map<Wire.Execution>(execution);

        Assert.Equal(Wire.ExecutionStatus.Skipped, wire.Status);
        Assert.Equal("already running", wire.SkipReason);
    }

    [Fact]
    public void Trigger_specs_map_to_their_oneof_kind()
    {
        var cron = ContractMapping.ToContract(CronTriggerSpec.Create("*/10 * * * * *", "UTC", disableJitter: true));
        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Cron, cron.KindCase);
        Assert.True(cron.Cron.DisableJitter);
        Assert.Equal("UTC", cron.Cron.Timezone);
        Assert.Equal(300, cron.Cron.JitterWindowSeconds);

        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Webhook, ContractMapping.ToContract(WebhookTriggerSpec.Create("a")).KindCase);
        Assert.Equal(Wire.TriggerSpec.KindOneofCase.Manual, ContractMapping.ToContract(ManualTriggerSpec.Instance).KindCase);
    }

    private static Execution ExecutionIn(ExecutionStatus status)
    {
        if (status == ExecutionStatus.Skipped)
        {
            return Execution.Skipped(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), "busy", Now);
        }

        if (status == ExecutionStatus.Pending)
        {
            return Execution.Queue(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), Now);
        }

        var execution = Execution.Start(Guid.NewGuid(), ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.Skip, TimeSpan.FromMinutes(1), Now);
        if (status != ExecutionStatus.New)
        {
            execution.MarkRunning("engine", Now);
        }

        switch (status)
        {
            case ExecutionStatus.Success:
                execution.Succeed(null, Now);
                break;
            case ExecutionStatus.Error:
                execution.Fail("x", Now);
                break;
            case ExecutionStatus.Canceled:
                execution.Cancel(null, Now);
                break;
            case ExecutionStatus.Timeout:
                execution.TimeOut(Now);
                break;
            default:
                break;
        }

        Assert.Equal(status, execution.Status);
        return execution;
    }
}
