using Ardalis.Result;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Errors;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Common;

/// <summary>
/// The one place where the exceptions the domain and the ports are documented to throw become expected
/// <see cref="Result{T}"/> failures. Anything else is a bug and propagates.
/// </summary>
public static class UseCaseGuard
{
    public static async Task<Result<T>> RunAsync<T>(Func<Task<Result<T>>> useCase)
    {
        ArgumentNullException.ThrowIfNull(useCase);
        try
        {
            return await useCase();
        }
        catch (DomainValidationException ex)
        {
            return Failure.Invalid<T>(ex.Field, ex.Message);
        }
        catch (InvalidStateTransitionException ex)
        {
            return Failure.FailedPrecondition<T>(ex.Message);
        }
        catch (ConcurrencyConflictException ex)
        {
            return Failure.VersionConflict<T>($"it was changed by someone else meanwhile; read it again and retry ({ex.Message}).");
        }
        catch (UniqueConstraintViolationException ex) when (ex.ConstraintName == UniqueConstraints.ActiveWebhookPath)
        {
            return Failure.AlreadyExists<T>("a webhook path of this deployment is already held by another active deployment.");
        }
        catch (UniqueConstraintViolationException ex) when (ex.ConstraintName == UniqueConstraints.WorkflowPrimaryKey)
        {
            return Failure.AlreadyExists<T>("a workflow with this id was created concurrently; read it and retry.");
        }
        catch (PersistenceUnavailableException ex)
        {
            return Failure.Unavailable<T>($"the database is unavailable, retry later: {ex.Message}");
        }
        catch (AdmissionDeadlineExceededException ex)
        {
            return Failure.DeadlineExceeded<T>(ex.Message);
        }
        catch (SchedulerUnavailableException ex)
        {
            return Failure.Unavailable<T>($"the scheduler is unavailable, nothing was changed; retry later: {ex.Message}");
        }
        catch (Domain.Ports.EngineUnavailableException ex)
        {
            // CANCEL_OTHER could not cancel the active run, so the new trigger was not admitted (nothing of it written).
            return Failure.Unavailable<T>($"the engine is unavailable, nothing was started; retry later: {ex.Message}");
        }
    }
}
