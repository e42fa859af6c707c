using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Bound from <c>WorkflowRuntime:Persistence</c>; the PostgreSQL connection string is <c>ConnectionStrings:Postgres</c>.</summary>
public sealed class PersistenceOptions
{
    public const string SectionName = "WorkflowRuntime:Persistence";
    public const string PostgresConnectionStringName = "Postgres";

    /// <summary>Apply pending migrations when the service starts (safe with several replicas: EF takes a database lock).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>The embedded profile's database file.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WorkflowRuntime:Persistence:SqlitePath must name a file.")]
    public string SqlitePath { get; set; } = "data/workflow-runtime.db";

    /// <summary>How long an embedded connection waits for the one writer before SQLite answers "database is locked".</summary>
    [Range(0, 600_000, ErrorMessage = "WorkflowRuntime:Persistence:SqliteBusyTimeoutMs must be between 0 and 600000.")]
    public int SqliteBusyTimeoutMs { get; set; } = 5000;

    /// <summary><see cref="SqlitePath"/> made absolute: a relative path is taken from the process's working directory.</summary>
    public string SqliteFullPath => Path.GetFullPath(SqlitePath);

    [Range(1, 600, ErrorMessage = "WorkflowRuntime:Persistence:CommandTimeoutSeconds must be between 1 and 600.")]
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a health probe of the database may take before it reports the database unreachable.</summary>
    [Range(100, 60000, ErrorMessage = "WorkflowRuntime:Persistence:HealthCheckTimeoutMs must be between 100 and 60000.")]
    public int HealthCheckTimeoutMs { get; set; } = 3000;
}
