using Quartz.Extensibility;
using Quartz.Impl.AdoJobStore;

namespace WorkflowRuntime.Infrastructure.Scheduling.Quartz;

/// <summary>
/// Stores <see cref="JitteredCronTrigger"/>s in Quartz's <c>qrtz_simprop_triggers</c>: the expression, the zone and
/// the resolved jitter, so every node of the cluster computes the same fire times from the row alone.
/// </summary>
public sealed class JitteredCronTriggerPersistenceDelegate : SimplePropertiesTriggerPersistenceDelegateBase
{
    public const string Discriminator = "JITTERED_CRON";

    public override bool CanHandleTriggerType(IOperableTrigger trigger) => trigger is JitteredCronTrigger;

    public override string GetHandledTriggerTypeDiscriminator() => Discriminator;

    protected override SimplePropertiesTriggerProperties GetTriggerProperties(IOperableTrigger trigger)
    {
        var cron = (JitteredCronTrigger)trigger;
        return new SimplePropertiesTriggerProperties
        {
            String1 = cron.CronExpression,
            Int1 = cron.JitterSeconds,
            TimeZoneId = cron.TimeZoneId,
        };
    }

    protected override TriggerPropertyBundle GetTriggerPropertyBundle(SimplePropertiesTriggerProperties properties) =>
        new(new JitteredCronScheduleBuilder(properties.String1 ?? string.Empty, properties.TimeZoneId ?? "UTC", properties.Int1));
}
