using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Domain.Ports;

/// <summary>Keeps the scheduler's cron triggers in line with a deployment's lifecycle.</summary>
public interface ICronScheduler
{
    /// <summary>
    /// Makes the scheduler hold exactly the active cron triggers of the deployment. Idempotent: a trigger that is
    /// already scheduled unchanged keeps its next fire time (a restart neither resets nor duplicates triggers).
    /// </summary>
    Task ScheduleAsync(Deployment deployment, CancellationToken cancellationToken = default);

    /// <summary>Stops fires without forgetting the triggers.</summary>
    Task PauseAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>Restarts fires from the next occurrence.</summary>
    Task ResumeAsync(Deployment deployment, CancellationToken cancellationToken = default);

    /// <summary>Removes every trigger of the workflow.</summary>
    Task UnscheduleAsync(Guid workflowId, CancellationToken cancellationToken = default);

    /// <summary>Every workflow the scheduler holds triggers for (the reconciler compares them with the deployments).</summary>
    Task<IReadOnlyCollection<Guid>> ListScheduledWorkflowsAsync(CancellationToken cancellationToken = default);

}

/// <summary>The scheduler refused or could not take a change; the caller undoes its own.</summary>
public sealed class SchedulerUnavailableException : Exception
{
    public SchedulerUnavailableException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
