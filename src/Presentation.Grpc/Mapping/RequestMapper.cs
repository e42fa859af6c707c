using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Presentation.Grpc.Mapping;

/// <summary>
/// Requests to application commands. Written out rather than configured: protobuf's oneof and presence
/// (<c>optional</c>, message fields) decide meaning here, and that reads best as plain code.
/// </summary>
internal static class RequestMapper
{
    public static DeployWorkflowCommand ToCommand(this Wire.DeployWorkflowRequest request) => new(
        request.WorkflowId,
        request.UserId,
        request.Name,
        request.Description,
        request.WorkflowDefinition,
        [.. request.Triggers.Select(ToInput)],
        request.Config is null ? null : ToInput(request.Config));

    public static UpdateDeploymentCommand ToCommand(this Wire.UpdateDeploymentRequest request) => new(
        request.WorkflowId,
        request.ExpectedVersion,
        request.HasName ? request.Name : null,
        request.HasWorkflowDefinition ? request.WorkflowDefinition : null,
        request.ReplaceTriggers,
        [.. request.Triggers.Select(ToInput)],
        request.Config is null ? null : ToInput(request.Config));

    public static ListDeploymentsQuery ToQuery(this Wire.ListDeploymentsRequest request) => new(
        request.UserId,
        // UNSPECIFIED filters nothing; numbers outside the contract were refused by the request validator.
        [.. request.Statuses.Select(WireEnums.ToDomain).OfType<DeploymentStatus>()],
        request.PageSize,
        request.PageToken);

    public static TriggerCommand ToCommand(this Wire.TriggerWorkflowRequest request) => new(
        request.WorkflowId,
        request.WebhookPath,
        WireEnums.ToDomain(request.Mode),
        request.TriggerData,
        request.IdempotencyKey,
        request.TriggeredBy,
        request.Metadata.ToDictionary(),
        request.WaitForCompletion,
        request.WaitTimeoutSeconds);

    public static ExecutionHistoryRequest ToRequest(this Wire.GetExecutionHistoryRequest request) => new(
        request.WorkflowId,
        request.UserId,
        [.. request.Statuses.Select(WireEnums.ToDomain).OfType<ExecutionStatus>()],
        [.. request.Modes.Select(WireEnums.ToDomain).OfType<ExecutionMode>()],
        request.From?.ToDateTimeOffset(),
        request.To?.ToDateTimeOffset(),
        request.PageSize,
        request.PageToken);

    public static BackfillCommand ToCommand(this Wire.BackfillScheduleRequest request) => new(
        request.WorkflowId,
        request.TriggerId,
        request.From?.ToDateTimeOffset(),
        request.To?.ToDateTimeOffset(),
        // UNSPECIFIED: every occurrence runs (ALLOW_ALL); numbers outside the contract were refused by the request validator.
        request.OverlapPolicy == Wire.OverlapPolicy.Unspecified ? null : WireEnums.ToDomain(request.OverlapPolicy) ?? (OverlapPolicy)(-1));

    private static TriggerInput ToInput(Wire.TriggerSpec spec) => spec.KindCase switch
    {
        Wire.TriggerSpec.KindOneofCase.Cron => new TriggerInput(TriggerType.Cron,
            CronExpression: spec.Cron.CronExpression,
            TimeZone: spec.Cron.Timezone,
            DisableJitter: spec.Cron.DisableJitter,
            JitterWindowSeconds: spec.Cron.JitterWindowSeconds),
        Wire.TriggerSpec.KindOneofCase.Webhook => new TriggerInput(TriggerType.Webhook,
            WebhookPath: spec.Webhook.Path,
            Methods: [.. spec.Webhook.Methods]),
        Wire.TriggerSpec.KindOneofCase.Manual => new TriggerInput(TriggerType.Manual),
        _ => new TriggerInput(null),
    };

    private static ConfigInput ToInput(Wire.DeploymentConfig config) => new(
        // UNSPECIFIED means SKIP, the default (contract); numbers outside it were refused by the request validator.
        WireEnums.ToDomain(config.OverlapPolicy) ?? OverlapPolicy.Skip,
        config.ExecutionTimeoutSeconds,
        config.CatchUpWindowSeconds,
        config.BufferLimit);
}
