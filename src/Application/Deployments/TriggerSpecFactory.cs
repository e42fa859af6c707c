using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>Turns caller input into domain trigger specs, reporting a violation under its place in the request.</summary>
internal static class TriggerSpecFactory
{
    public static IReadOnlyList<TriggerSpec> CreateAll(IReadOnlyList<TriggerInput> inputs)
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
                specs.Add(Create(input));
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
