using Google.Protobuf.WellKnownTypes;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Presentation.Grpc.Validation;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.UnitTests.Presentation;

public sealed class RequestValidatorTests
{
    private readonly RequestValidator _validator = new(new FieldLimits(new DeploymentOptions(), new ExecutionOptions()));

    [Fact]
    public void A_well_formed_request_has_no_violations()
    {
        var request = new Wire.DeployWorkflowRequest
        {
            UserId = "user-1",
            Name = "Daily report",
            WorkflowDefinition = "{\"nodes\":[{\"id\":\"a\",\"type\":\"t\"}]}",
            Triggers =
            {
                new Wire.TriggerSpec { Cron = new Wire.CronTriggerSpec { CronExpression = "0 9 * * *", Timezone = "Europe/Berlin" } },
                new Wire.TriggerSpec { Webhook = new Wire.WebhookTriggerSpec { Path = "orders", Methods = { "post" } } },
            },
            Config = new Wire.DeploymentConfig { OverlapPolicy = Wire.OverlapPolicy.AllowAll },
        };

        Assert.Empty(_validator.Validate(request));
    }

    [Fact]
    public void An_over_long_id_is_refused_first_with_a_short_quote()
    {
        var violation = Assert.Single(_validator.Validate(new Wire.GetExecutionRequest { ExecutionId = new string('x', 30_000) }));

        Assert.Equal("execution_id", violation.Identifier);
        Assert.Equal(FailureCode.InvalidArgument, violation.ErrorCode);
        Assert.Contains("30000 characters long; at most 64", violation.ErrorMessage, StringComparison.Ordinal);
        Assert.True(violation.ErrorMessage.Length < 200, violation.ErrorMessage);
    }

    [Fact]
    public void Every_violation_of_a_request_is_reported_with_its_path()
    {
        var request = new Wire.TriggerWorkflowRequest
        {
            WorkflowId = "a\0b",
            TriggeredBy = "me\0",
            IdempotencyKey = new string('k', 256),
            TriggerData = "{\"x\":1e999999}",
            Mode = (Wire.ExecutionMode)42,
            Metadata = { ["k\0"] = "v", ["ok"] = "v\0" },
        };

        var fields = _validator.Validate(request).Select(v => v.Identifier).ToList();

        Assert.Equal(["workflow_id", "mode", "trigger_data", "idempotency_key", "triggered_by", "metadata", "metadata"], fields);
    }

    [Fact]
    public void Nested_fields_carry_their_place_in_the_request()
    {
        var request = new Wire.UpdateDeploymentRequest
        {
            WorkflowId = Guid.NewGuid().ToString(),
            Triggers =
            {
                new Wire.TriggerSpec { Manual = new Wire.ManualTriggerSpec() },
                new Wire.TriggerSpec { Cron = new Wire.CronTriggerSpec { CronExpression = "0 9 * * *", Timezone = "Europe/berlin" } },
            },
            Config = new Wire.DeploymentConfig { OverlapPolicy = (Wire.OverlapPolicy)7 },
        };

        var violations = _validator.Validate(request);

        Assert.Collection(violations,
            v =>
            {
                Assert.Equal("triggers[1].cron.timezone", v.Identifier);
                Assert.Contains("did you mean 'Europe/Berlin'?", v.ErrorMessage, StringComparison.Ordinal);
            },
            v => Assert.Equal("config.overlap_policy", v.Identifier));
    }

    [Theory]
    [InlineData(-62_135_596_801L, 0)]
    [InlineData(253_402_300_800L, 0)]
    [InlineData(0L, -1)]
    [InlineData(0L, 1_000_000_000)]
    public void Timestamps_outside_the_years_1_to_9999_or_with_bad_nanos_are_refused(long seconds, int nanos)
    {
        var request = new Wire.GetExecutionHistoryRequest { From = new Timestamp { Seconds = seconds, Nanos = nanos } };

        Assert.Equal("from", Assert.Single(_validator.Validate(request)).Identifier);
    }

    [Fact]
    public void The_extreme_legal_timestamps_pass()
    {
        var request = new Wire.GetExecutionHistoryRequest
        {
            From = new Timestamp { Seconds = -62_135_596_800L },
            To = new Timestamp { Seconds = 253_402_300_799L, Nanos = 999_999_999 },
        };

        Assert.Empty(_validator.Validate(request));
    }

    [Fact]
    public void A_json_payload_over_its_byte_limit_is_resource_exhausted()
    {
        var validator = new RequestValidator(new FieldLimits(new DeploymentOptions { MaxDefinitionBytes = 1024 }, new ExecutionOptions()));

        var violation = Assert.Single(validator.Validate(new Wire.DeployWorkflowRequest { WorkflowDefinition = new string('ü', 600) }));

        Assert.Equal(FailureCode.ResourceExhausted, violation.ErrorCode);
    }

    [Theory]
    [InlineData("{\"a\":\"\\u0000\"}")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"a\":\"\0\"}")]
    public void Json_payloads_that_cannot_be_stored_are_refused(string json) =>
        Assert.Equal("workflow_definition", Assert.Single(_validator.Validate(new Wire.DeployWorkflowRequest { WorkflowDefinition = json })).Identifier);

    [Fact]
    public void Undefined_enum_numbers_in_lists_are_refused_and_unspecified_passes()
    {
        var request = new Wire.ListDeploymentsRequest { Statuses = { Wire.DeploymentStatus.Unspecified, (Wire.DeploymentStatus)9 } };

        Assert.Equal("statuses[1]", Assert.Single(_validator.Validate(request)).Identifier);
    }

    [Fact]
    public void Lists_and_maps_are_bounded()
    {
        var request = new Wire.TriggerWorkflowRequest();
        for (var i = 0; i < FieldLimits.MetadataEntries + 1; i++)
        {
            request.Metadata[$"k{i}"] = "v";
        }

        Assert.Equal("metadata", Assert.Single(_validator.Validate(request)).Identifier);
        var deploy = new Wire.DeployWorkflowRequest();
        deploy.Triggers.AddRange(Enumerable.Range(0, 21).Select(_ => new Wire.TriggerSpec { Manual = new Wire.ManualTriggerSpec() }));
        Assert.Equal("triggers", Assert.Single(_validator.Validate(deploy)).Identifier);
    }

    [Fact]
    public void The_number_of_violations_is_capped()
    {
        var request = new Wire.ListDeploymentsRequest();
        request.Statuses.AddRange(Enumerable.Repeat((Wire.DeploymentStatus)99, 16));

        Assert.Equal(RequestValidator.MaxViolations, _validator.Validate(request).Count);
    }

    [Fact]
    public void The_receive_limit_is_the_largest_payload_plus_headroom() =>
        Assert.Equal(1024 * 1024 + FieldLimits.MessageHeadroomBytes,
            new FieldLimits(new DeploymentOptions(), new ExecutionOptions()).MaxReceiveMessageSize);
}
