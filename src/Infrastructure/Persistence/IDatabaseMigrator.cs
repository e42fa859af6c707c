using Microsoft.EntityFrameworkCore;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Brings the database schema up to date: the host's <c>migrate</c> command and the optional start-up step.</summary>
public interface IDatabaseMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken = default);
}

internal sealed class PostgresMigrator(PostgresWorkflowRuntimeDbContext db) : IDatabaseMigrator
{
    // EF Core (9+) holds a PostgreSQL advisory lock while it migrates, so replicas starting together take turns
    // and the later ones find nothing left to apply.
    public Task MigrateAsync(CancellationToken cancellationToken = default) => db.Database.MigrateAsync(cancellationToken);
}

internal sealed class SqliteSchemaCreator(SqliteWorkflowRuntimeDbContext db) : IDatabaseMigrator
{
    // The embedded profile is one process on a throw-away file: create the schema when it is missing (ADR 0003).
    public Task MigrateAsync(CancellationToken cancellationToken = default) => db.Database.EnsureCreatedAsync(cancellationToken);
}
