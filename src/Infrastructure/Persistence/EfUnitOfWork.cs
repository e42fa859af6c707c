using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Persistence;

internal sealed class EfUnitOfWork(WorkflowRuntimeDbContext db, DatabaseWriteGate writeGate) : IUnitOfWork
{
    public async Task SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        // Inside InTransactionAsync the transaction already holds the writer slot.
        using var slot = db.Database.CurrentTransaction is null ? await writeGate.EnterAsync(cancellationToken) : default;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (PersistenceErrors.Translate(ex) is { } translated)
        {
            // A failed save must not leak half-applied state into the next one on this scope.
            db.ChangeTracker.Clear();
            throw translated;
        }
    }

    public async Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (db.Database.CurrentTransaction is not null)
        {
            return await work(cancellationToken);
        }

        // The whole transaction is one write: with a single writer (SQLite) it holds the slot from BEGIN to COMMIT.
        using var slot = await writeGate.EnterAsync(cancellationToken);
        await using var transaction = await PersistenceErrors.GuardAsync(() => db.Database.BeginTransactionAsync(cancellationToken));
        try
        {
            var result = await work(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            throw;
        }
    }
}
