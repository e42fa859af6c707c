using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class TriggerValidatorTests
{
    private readonly TriggerValidator _validator = new(Options.Create(new ExecutionOptions { MaxTriggerDataBytes = 64 }));

    [Fact]
    public void A_well_formed_trigger_has_no_violations()
    {
        Assert.Empty(_validator.Validate(Command() with { TriggerData = """{"order":7}""", IdempotencyKey = "k-1" }));
    }

    [Fact]
    public void Every_violation_of_a_request_is_reported_at_once_each_naming_its_field()
    {
        var command = Command(workflowId: "not-a-uuid") with
        {
            Mode = ExecutionMode.Scheduled,
            WaitTimeoutSeconds = -1,
            IdempotencyKey = new string('k', TriggerValidator.MaxKeyLength + 1),
            TriggeredBy = new string('t', TriggerValidator.MaxKeyLength + 1),
            TriggerData = "[1]",
        };

        var violations = _validator.Validate(command);

        Assert.Equal(
            ["workflow_id", "mode", "wait_timeout_seconds", "idempotency_key", "triggered_by", "trigger_data"],
            violations.Select(v => v.Identifier));
        Assert.All(violations, v => Assert.Equal(FailureCode.InvalidArgument, v.ErrorCode));
    }

    [Theory]
    [InlineData(null, null, "workflow_id")]
    [InlineData("11111111-2222-3333-4444-555555555555", "orders/new", "webhook_path")]
    public void Exactly_one_of_workflow_id_and_webhook_path_is_required(string? workflowId, string? webhookPath, string field)
    {
        var violation = Assert.Single(_validator.Validate(Command(workflowId, webhookPath)));

        Assert.Equal(field, violation.Identifier);
    }

    [Fact]
    public void Trigger_data_over_the_limit_is_a_resource_limit_not_a_malformed_request()
    {
        var violation = Assert.Single(_validator.Validate(Command() with { TriggerData = $$"""{"pad":"{{new string('x', 80)}}"}""" }));

        Assert.Equal("trigger_data", violation.Identifier);
        Assert.Equal(FailureCode.ResourceExhausted, violation.ErrorCode);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"a":"\u0000"}""", "cannot be stored")]
    public void Trigger_data_that_is_not_storable_json_is_refused_with_the_reason(string triggerData, string reason)
    {
        var violation = Assert.Single(_validator.Validate(Command() with { TriggerData = triggerData }));

        Assert.Contains(reason, violation.ErrorMessage, StringComparison.Ordinal);
    }

    private static TriggerCommand Command(string? workflowId = "11111111-2222-3333-4444-555555555555", string? webhookPath = null) =>
        new(workflowId, webhookPath, Mode: null, TriggerData: null, IdempotencyKey: null, TriggeredBy: null,
            Metadata: new Dictionary<string, string>(), WaitForCompletion: false, WaitTimeoutSeconds: 0);
}
