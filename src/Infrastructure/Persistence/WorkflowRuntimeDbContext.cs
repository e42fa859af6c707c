using Microsoft.EntityFrameworkCore;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Persistence.Configurations;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>
/// The runtime's tables. Abstract: each provider has its own subclass so that each gets its own cached model
/// (and PostgreSQL its own migrations) — see ADR 0003.
/// </summary>
public abstract class WorkflowRuntimeDbContext : DbContext
{
    protected WorkflowRuntimeDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Deployment> Deployments => Set<Deployment>();

    public DbSet<WorkflowTrigger> Triggers => Set<WorkflowTrigger>();

    public DbSet<Execution> Executions => Set<Execution>();

    /// <summary>The column type that holds JSON documents on this provider.</summary>
    protected abstract string JsonColumnType { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new DeploymentConfiguration(JsonColumnType));
        modelBuilder.ApplyConfiguration(new WorkflowTriggerConfiguration(JsonColumnType));
        modelBuilder.ApplyConfiguration(new ExecutionConfiguration(JsonColumnType));
    }
}

/// <summary>Production: PostgreSQL, with migrations.</summary>
public sealed class PostgresWorkflowRuntimeDbContext(DbContextOptions<PostgresWorkflowRuntimeDbContext> options)
    : WorkflowRuntimeDbContext(options)
{
    protected override string JsonColumnType => "jsonb";
}

/// <summary>Embedded: a SQLite file, schema created on start (single process, no migrations history to keep).</summary>
public sealed class SqliteWorkflowRuntimeDbContext(DbContextOptions<SqliteWorkflowRuntimeDbContext> options)
    : WorkflowRuntimeDbContext(options)
{
    protected override string JsonColumnType => "TEXT";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite cannot order or compare DateTimeOffset; UTC ticks keep both working.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }
}
