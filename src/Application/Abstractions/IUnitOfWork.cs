namespace WorkflowRuntime.Application.Abstractions;

/// <summary>Commits the changes of one use case atomically.</summary>
public interface IUnitOfWork
{
    /// <summary>
    /// Writes pending changes. Throws <see cref="ConcurrencyConflictException"/>, <see cref="UniqueConstraintViolationException"/>
    /// or <see cref="PersistenceUnavailableException"/>; after a throw nothing was written and the pending changes are discarded.
    /// </summary>
    Task SaveChangesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> inside one database transaction: everything it saved is committed only if it
    /// returns normally, so a side effect that fails after the save (e.g. registering a cron trigger) undoes the save.
    /// </summary>
    Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);
}
