using Microsoft.Extensions.Options;

namespace WorkflowRuntime.Application.Executions;

/// <summary>
/// The rules between settings that no single range expresses, checked at start so a bad combination stops the host
/// with a line naming the keys instead of misbehaving under load: a heartbeat must come well within the stale-after
/// time (or live runs are adopted as orphans), and the lock lease must outlast the stale-after time (or a second run
/// could take the slot of a run that is only slow to report).
/// </summary>
public sealed class ExecutionOptionsValidator : IValidateOptions<ExecutionOptions>
{
    private const string Section = ExecutionOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.HeartbeatIntervalSeconds >= options.StaleAfterSeconds)
        {
            failures.Add($"{Section}:HeartbeatIntervalSeconds ({options.HeartbeatIntervalSeconds}) must be less than {Section}:StaleAfterSeconds ({options.StaleAfterSeconds}).");
        }

        if (options.StaleAfterSeconds >= options.LockTtlSeconds)
        {
            failures.Add($"{Section}:StaleAfterSeconds ({options.StaleAfterSeconds}) must be less than {Section}:LockTtlSeconds ({options.LockTtlSeconds}).");
        }

        if (options.PollInitialMs > options.PollMaxMs)
        {
            failures.Add($"{Section}:PollInitialMs ({options.PollInitialMs}) must not be more than {Section}:PollMaxMs ({options.PollMaxMs}).");
        }

        if (options.DefaultPageSize > options.MaxPageSize)
        {
            failures.Add($"{Section}:DefaultPageSize ({options.DefaultPageSize}) must not be more than {Section}:MaxPageSize ({options.MaxPageSize}).");
        }

        if (options.DefaultWaitTimeoutSeconds > options.MaxWaitTimeoutSeconds)
        {
            failures.Add($"{Section}:DefaultWaitTimeoutSeconds ({options.DefaultWaitTimeoutSeconds}) must not be more than {Section}:MaxWaitTimeoutSeconds ({options.MaxWaitTimeoutSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
