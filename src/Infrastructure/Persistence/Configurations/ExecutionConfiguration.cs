using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;

namespace WorkflowRuntime.Infrastructure.Persistence.Configurations;

/// <summary>
/// The <c>workflow_executions</c> table. Its unique indexes are the source of truth for idempotency and for
/// "one exclusive run at a time", whatever the lock store says.
/// </summary>
internal sealed class ExecutionConfiguration(string jsonColumnType) : IEntityTypeConfiguration<Execution>
{
    public void Configure(EntityTypeBuilder<Execution> builder)
    {
        builder.ToTable("workflow_executions", table =>
        {
            table.HasCheckConstraint("valid_execution_status", $"status IN ({UpperCaseEnumConverter<ExecutionStatus>.SqlValueList()})");
            table.HasCheckConstraint("valid_execution_mode", $"mode IN ({UpperCaseEnumConverter<ExecutionMode>.SqlValueList()})");
        });
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Status).HasMaxLength(20).HasConversion(new UpperCaseEnumConverter<ExecutionStatus>());
        builder.Property(e => e.Mode).HasMaxLength(20).HasConversion(new UpperCaseEnumConverter<ExecutionMode>());
        builder.Property(e => e.TriggeredBy).HasMaxLength(255);
        builder.Property(e => e.IdempotencyKey).HasMaxLength(255);
        builder.Property(e => e.EngineExecutionId).HasMaxLength(255);
        builder.Property(e => e.OwnerInstanceId).HasMaxLength(255);
        builder.Property(e => e.LockToken).HasMaxLength(128);
        builder.Property(e => e.Revision).IsConcurrencyToken();
        builder.Property(e => e.TriggerData).HasColumnType(jsonColumnType).IsRequired();
        builder.Property(e => e.IsExclusive);
        builder.Ignore(e => e.Duration);

        builder.HasOne<Deployment>().WithMany().HasForeignKey(e => e.WorkflowId).OnDelete(DeleteBehavior.Cascade);

        builder.HasIndex(e => new { e.WorkflowId, e.IdempotencyKey })
            .IsUnique()
            .HasFilter("idempotency_key IS NOT NULL")
            .HasDatabaseName(UniqueConstraints.ExecutionIdempotencyKey);
        builder.HasIndex(e => new { e.WorkflowId, e.ScheduledFor })
            .IsUnique()
            .HasFilter("scheduled_for IS NOT NULL")
            .HasDatabaseName(UniqueConstraints.ExecutionOccurrence);
        builder.HasIndex(e => e.WorkflowId)
            .IsUnique()
            .HasFilter("is_exclusive AND status IN ('NEW','RUNNING')")
            .HasDatabaseName(UniqueConstraints.ExclusiveExecution);
        builder.HasIndex(e => new { e.WorkflowId, e.CreatedAt }).HasDatabaseName("idx_workflow_executions_workflow_created");
        builder.HasIndex(e => e.CreatedAt).HasDatabaseName("idx_workflow_executions_created");
        builder.HasIndex(e => new { e.Status, e.HeartbeatAt }).HasDatabaseName("idx_workflow_executions_status_heartbeat");
    }
}
