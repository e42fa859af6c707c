using Microsoft.EntityFrameworkCore;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Brings the database schema up to date: the host's <c>migrate</c> command and the optional start-up step.</summary>
public interface IDatabaseMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken = default);
}

internal sealed class PostgresMigrator(PostgresWorkflowRuntimeDbContext db) : IDatabaseMigrator
{
    // An arbitrary constant key: the session-level advisory lock that replicas take turns on.
    private const string Lock = "SELECT pg_advisory_lock(95978017392978)";
    private const string Unlock = "SELECT pg_advisory_unlock(95978017392978)";

    // EF Core's own lock covers one migration's transaction; with several pending migrations a replica starting at
    // the same moment could read the history between two of them and apply one twice (duplicate history key). A
    // session advisory lock around the whole run makes replicas take turns for all of it: the later ones find
    // nothing left to apply.
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(Lock, cancellationToken);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync(Unlock, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

internal sealed class SqliteSchemaCreator(SqliteWorkflowRuntimeDbContext db) : IDatabaseMigrator
{
    // The embedded profile is one process on a throw-away file: create the schema when it is missing (ADR 0003).
    public Task MigrateAsync(CancellationToken cancellationToken = default) => db.Database.EnsureCreatedAsync(cancellationToken);
}
