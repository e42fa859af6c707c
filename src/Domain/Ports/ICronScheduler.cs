using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Domain.Ports;

/// <summary>Keeps the scheduler's cron triggers in line with a deployment's lifecycle.</summary>
public interface ICronScheduler
{
    /// <summary>Schedules (or reschedules) every active cron trigger of a deployed workflow and removes stale ones.</summary>
    Task ScheduleAsync(Deployment deployment, CancellationToken cancellationToken = default);

    /// <summary>Stops fires without forgetting the triggers.</summary>
    Task PauseAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>Restarts fires from the next occurrence.</summary>
    Task ResumeAsync(Deployment deployment, CancellationToken cancellationToken = default);

    /// <summary>Removes every trigger of the workflow.</summary>
    Task UnscheduleAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>The next fire (occurrence plus jitter) of a trigger, when the scheduler knows one.</summary>
    Task<DateTimeOffset?> GetNextFireTimeAsync(Guid workflowId, Guid triggerId, CancellationToken cancellationToken = default);
}

/// <summary>The scheduler refused or could not take a change; the caller undoes its own.</summary>
public sealed class SchedulerUnavailableException : Exception
{
    public SchedulerUnavailableException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
