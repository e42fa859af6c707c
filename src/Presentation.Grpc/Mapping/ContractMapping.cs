using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Mapster;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Presentation.Grpc.Mapping;

/// <summary>
/// Mapster configuration from application views to the wire contract. Compiled once at start-up, so a mapping
/// that cannot be built fails the start (and a unit test), not a request.
/// </summary>
public static class ContractMapping
{
    public static TypeAdapterConfig Create()
    {
        var config = new TypeAdapterConfig();
        // Messages built by hand (oneofs) must pass through as they are: a member-wise copy would set every oneof
        // case in turn, and protobuf clears the case whenever one is set to null.
        config.Default.ShallowCopyForSameType(true);
        // Protobuf repeated fields have no setter: fill the instance the message already has.
        config.Default.UseDestinationValue(member => member.SetterModifier == AccessModifier.None
            && member.Type.IsGenericType && member.Type.GetGenericTypeDefinition() == typeof(RepeatedField<>));

        config.NewConfig<DeploymentView, Wire.Deployment>()
            .IgnoreNonMapped(true)
            .Map(d => d.WorkflowId, s => s.Deployment.Id.ToString())
            .Map(d => d.UserId, s => s.Deployment.UserId)
            .Map(d => d.Name, s => s.Deployment.Name)
            .Map(d => d.Description, s => s.Deployment.Description ?? string.Empty)
            .Map(d => d.Status, s => ToContract(s.Deployment.Status))
            .Map(d => d.Version, s => s.Deployment.Version)
            .Map(d => d.DeployedAt, s => ToTimestamp(s.Deployment.DeployedAt))
            .Map(d => d.UpdatedAt, s => ToTimestamp(s.Deployment.UpdatedAt))
            .Map(d => d.CreatedAt, s => ToTimestamp(s.Deployment.CreatedAt))
            .Map(d => d.Triggers, s => s.Triggers)
            .Map(d => d.Config, s => s.Deployment.Config)
            .Map(d => d.PauseNote, s => s.Deployment.PauseNote ?? string.Empty)
            .Map(d => d.WorkflowDefinition, s => s.Deployment.Definition.Json);

        // A oneof must not be copied member by member: assigning the unset cases (null) clears the set one.

        config.NewConfig<TriggerView, Wire.Trigger>()
            .IgnoreNonMapped(true)
            .Map(d => d.TriggerId, s => s.Trigger.Id.ToString())
            .Map(d => d.Spec, s => ToContract(s.Trigger.Spec))
            .Map(d => d.Active, s => s.Trigger.IsActive)
            .Map(d => d.JitterSeconds, s => s.Trigger.JitterSeconds)
            .Map(d => d.NextFireTime, s => ToTimestamp(s.NextFireTime));

        config.NewConfig<DeploymentConfig, Wire.DeploymentConfig>()
            .IgnoreNonMapped(true)
            .Map(d => d.OverlapPolicy, s => WireEnums.ToWire(s.OverlapPolicy))
            .Map(d => d.ExecutionTimeoutSeconds, s => s.ExecutionTimeoutSeconds)
            .Map(d => d.CatchUpWindowSeconds, s => s.CatchUpWindowSeconds)
            .Map(d => d.BufferLimit, s => s.BufferLimit);

        config.NewConfig<Execution, Wire.Execution>()
            .IgnoreNonMapped(true)
            .Map(d => d.ExecutionId, s => s.Id.ToString())
            .Map(d => d.WorkflowId, s => s.WorkflowId.ToString())
            .Map(d => d.Status, s => WireEnums.ToWire(s.Status))
            .Map(d => d.Mode, s => WireEnums.ToWire(s.Mode))
            .Map(d => d.TriggerId, s => s.TriggerId == null ? string.Empty : s.TriggerId.Value.ToString())
            .Map(d => d.TriggeredBy, s => s.TriggeredBy ?? string.Empty)
            .Map(d => d.IdempotencyKey, s => s.IdempotencyKey ?? string.Empty)
            .Map(d => d.EngineExecutionId, s => s.EngineExecutionId ?? string.Empty)
            .Map(d => d.ScheduledFor, s => ToTimestamp(s.ScheduledFor))
            .Map(d => d.CreatedAt, s => ToTimestamp(s.CreatedAt))
            .Map(d => d.StartedAt, s => ToTimestamp(s.StartedAt))
            .Map(d => d.FinishedAt, s => ToTimestamp(s.FinishedAt))
            .Map(d => d.DurationMs, s => s.Duration == null ? 0L : (long)s.Duration.Value.TotalMilliseconds)
            .Map(d => d.TriggerData, s => s.TriggerData)
            .Map(d => d.ResultData, s => s.ResultData ?? string.Empty)
            .Map(d => d.ErrorMessage, s => s.ErrorMessage ?? string.Empty)
            .Map(d => d.SkipReason, s => s.SkipReason ?? string.Empty);

        config.Compile();
        return config;
    }

    public static Wire.DeploymentStatus ToContract(DeploymentStatus status) => WireEnums.ToWire(status);

    public static Wire.TriggerSpec ToContract(TriggerSpec spec) => spec switch
    {
        CronTriggerSpec cron => new Wire.TriggerSpec
        {
            Cron = new Wire.CronTriggerSpec
            {
                CronExpression = cron.Expression,
                Timezone = cron.TimeZoneId,
                DisableJitter = cron.DisableJitter,
                JitterWindowSeconds = cron.JitterWindowSeconds,
            },
        },
        WebhookTriggerSpec webhook => new Wire.TriggerSpec
        {
            Webhook = new Wire.WebhookTriggerSpec { Path = webhook.Path, Methods = { webhook.Methods } },
        },
        // Shown as stored, so its owner sees what to replace; it never fires (see UnusableTriggerSpec).
        UnusableTriggerSpec { StoredType: TriggerType.Webhook } unusable => new Wire.TriggerSpec
        {
            Webhook = new Wire.WebhookTriggerSpec { Path = unusable.Path ?? string.Empty },
        },
        UnusableTriggerSpec { StoredType: TriggerType.Cron } unusable => new Wire.TriggerSpec
        {
            Cron = new Wire.CronTriggerSpec { CronExpression = unusable.Expression ?? string.Empty, Timezone = unusable.TimeZoneId ?? string.Empty },
        },
        _ => new Wire.TriggerSpec { Manual = new Wire.ManualTriggerSpec() },
    };

    public static Wire.UpcomingFire ToContract(UpcomingFire fire)
    {
        ArgumentNullException.ThrowIfNull(fire);
        return new Wire.UpcomingFire
        {
            TriggerId = fire.TriggerId.ToString(),
            ScheduledFor = Timestamp.FromDateTimeOffset(fire.ScheduledFor),
            FireTime = Timestamp.FromDateTimeOffset(fire.FireTime),
            LocalFireTime = fire.LocalFireTime.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            Timezone = fire.TimeZoneId,
        };
    }

    private static Timestamp? ToTimestamp(DateTimeOffset? instant) =>
        instant is null ? null : Timestamp.FromDateTimeOffset(instant.Value);
}
