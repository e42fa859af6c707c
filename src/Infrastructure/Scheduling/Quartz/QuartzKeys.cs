using Quartz;

namespace WorkflowRuntime.Infrastructure.Scheduling.Quartz;

/// <summary>One Quartz job per workflow, one trigger per cron trigger; both named by our ids.</summary>
internal static class QuartzKeys
{
    public const string Group = "workflows";

    public static JobKey Job(Guid workflowId) => new(workflowId.ToString(), Group);

    public static TriggerKey Trigger(Guid triggerId) => new(triggerId.ToString(), Group);

    public static Guid WorkflowOf(JobKey key) => Guid.Parse(key.Name);

    public static Guid TriggerOf(TriggerKey key) => Guid.Parse(key.Name);
}
