using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>Turns caller input into domain trigger specs, reporting a violation under its place in the request.</summary>
internal static class TriggerSpecFactory
{
    /// <param name="minimumCronInterval">The shortest gap between two fires a cron trigger may have.</param>
    public static IReadOnlyList<TriggerSpec> CreateAll(IReadOnlyList<TriggerInput> inputs, TimeSpan minimumCronInterval)
    {
        var specs = new List<TriggerSpec>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var kind = input.Type switch
            {
                TriggerType.Cron => "cron",
                TriggerType.Webhook => "webhook",
                TriggerType.Manual => "manual",
                _ => null,
            };
            if (kind is null)
            {
                throw new DomainValidationException($"triggers[{i}]", $"triggers[{i}] sets none of cron, webhook or manual.");
            }

            try
            {
                var spec = Create(input);
                if (spec is CronTriggerSpec cron && cron.ShortestGap() is { } gap && gap < minimumCronInterval)
                {
                    throw new DomainValidationException("cron_expression",
                        $"cron_expression '{cron.Expression}' fires {gap.TotalSeconds:0} s apart at the shortest; the minimum interval between fires is {minimumCronInterval.TotalSeconds:0} s (WorkflowRuntime:Deployments:MinCronIntervalSeconds).");
                }

                specs.Add(spec);
            }
            catch (DomainValidationException ex)
            {
                throw ex.Under($"triggers[{i}].{kind}");
            }
        }

        return specs;
    }

    private static TriggerSpec Create(TriggerInput input) => input.Type switch
    {
        TriggerType.Cron => CronTriggerSpec.Create(input.CronExpression, input.TimeZone, input.DisableJitter, input.JitterWindowSeconds),
        TriggerType.Webhook => WebhookTriggerSpec.Create(input.WebhookPath, input.Methods),
        _ => ManualTriggerSpec.Instance,
    };
}
