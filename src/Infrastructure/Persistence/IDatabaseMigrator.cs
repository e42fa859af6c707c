using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Brings the database schema up to date: the host's <c>migrate</c> command and the optional start-up step.</summary>
public interface IDatabaseMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken = default);
}

internal sealed class PostgresMigrator(PostgresWorkflowRuntimeDbContext db) : IDatabaseMigrator
{
    // Any fixed number: it names this service's migration lock among PostgreSQL's advisory locks.
    private const long MigrationLockKey = 0x5752_4D49_4752;

    /// <summary>
    /// EF Core's own migration lock lasts one migration's transaction, so with more than one pending migration two
    /// replicas starting together could both apply the later one. A session advisory lock, held on the connection
    /// EF migrates with, makes whole runs take turns; the later replica then finds nothing left to apply.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.InvalidCatalogName)
        {
            // No database yet: EF creates it, and there is no earlier migration another replica could be applying.
            await db.Database.MigrateAsync(cancellationToken);
            return;
        }

        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

internal sealed partial class SqliteSchemaCreator(SqliteWorkflowRuntimeDbContext db, IOptions<PersistenceOptions> options,
    ILogger<SqliteSchemaCreator> logger) : IDatabaseMigrator
{
    // The embedded profile is one process on a throw-away file: create the schema when it is missing (ADR 0003), and
    // put the file in WAL mode, so readers never wait for the writer and the writer never waits for readers (ADR 0022).
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await db.Database.EnsureCreatedAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(DeploymentFence.SqliteCreate, cancellationToken);
            await db.Database.ExecuteSqlRawAsync(DeploymentFence.SqlitePendingBound, cancellationToken);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            var journal = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "unknown";
            var path = options.Value.SqliteFullPath;
            EmbeddedDatabaseReady(logger, path, journal);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(EventId = 3301, EventName = "embedded_database_ready", Level = LogLevel.Information,
        Message = "Embedded database {Path} is ready (journal mode {JournalMode}, one writer at a time)")]
    private static partial void EmbeddedDatabaseReady(ILogger logger, string path, string journalMode);
}
