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
    // EF Core (9+) holds a PostgreSQL advisory lock while it migrates, so replicas starting together take turns
    // and the later ones find nothing left to apply.
    public Task MigrateAsync(CancellationToken cancellationToken = default) => db.Database.MigrateAsync(cancellationToken);
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
