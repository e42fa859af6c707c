using System.Text;
using System.Text.Json;
using Ardalis.Result;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Text;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// Checks a trigger request before anything is read or written, and reports every violation at once. Pure: no
/// database, no clock, so what it refuses is refused the same way on every replica.
/// </summary>
public sealed class TriggerValidator(IOptions<ExecutionOptions> options)
{
    public const int MaxKeyLength = 255;

    private readonly ExecutionOptions _options = options.Value;

    public IReadOnlyList<ValidationError> Validate(TriggerCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var violations = new List<ValidationError>();
        var byId = !string.IsNullOrWhiteSpace(command.WorkflowId);
        var byPath = !string.IsNullOrWhiteSpace(command.WebhookPath);
        if (byId == byPath)
        {
            violations.Add(Failure.Violation(byId ? "webhook_path" : "workflow_id", "set exactly one of workflow_id and webhook_path."));
        }
        else if (byId && !Guid.TryParse(command.WorkflowId, out _))
        {
            violations.Add(Failure.Violation("workflow_id", $"workflow_id '{InputText.Quote(command.WorkflowId)}' is not a UUID."));
        }

        if (command.Mode == ExecutionMode.Scheduled)
        {
            violations.Add(Failure.Violation("mode", "SCHEDULED runs are started by the scheduler; use MANUAL, WEBHOOK or RETRY."));
        }
        else if (command.Mode is { } mode && !Enum.IsDefined(mode))
        {
            violations.Add(Failure.Violation("mode", $"mode {(int)mode + 1} is not an ExecutionMode."));
        }

        if (command.WaitTimeoutSeconds < 0)
        {
            violations.Add(Failure.Violation("wait_timeout_seconds", "wait_timeout_seconds must not be negative (0 means the default)."));
        }

        AddIfTooLong(violations, "idempotency_key", command.IdempotencyKey);
        AddIfTooLong(violations, "triggered_by", command.TriggeredBy);
        if (CheckTriggerData(command.TriggerData) is { } dataViolation)
        {
            violations.Add(dataViolation);
        }

        return violations;
    }

    private static void AddIfTooLong(List<ValidationError> violations, string field, string? value)
    {
        if ((value?.Length ?? 0) > MaxKeyLength)
        {
            violations.Add(Failure.Violation(field, $"{field} is longer than {MaxKeyLength} characters."));
        }
    }

    private ValidationError? CheckTriggerData(string? triggerData)
    {
        if (string.IsNullOrWhiteSpace(triggerData))
        {
            return null;
        }

        if (Encoding.UTF8.GetByteCount(triggerData) > _options.MaxTriggerDataBytes)
        {
            return Failure.OverLimit("trigger_data", $"trigger_data is larger than the limit of {_options.MaxTriggerDataBytes} bytes.");
        }

        try
        {
            using var document = JsonDocument.Parse(triggerData);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Failure.Violation("trigger_data", "trigger_data must be a JSON object.");
            }

            return JsonText.FindUnstorable(triggerData) is { } problem
                ? Failure.Violation("trigger_data", $"trigger_data cannot be stored: {problem}.")
                : null;
        }
        catch (JsonException ex)
        {
            return Failure.Violation("trigger_data", $"trigger_data is not valid JSON: {ex.Message}");
        }
    }
}
