using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Persistence.Configurations;

/// <summary>The <c>workflow_triggers</c> table. An active webhook path is unique across all deployments.</summary>
internal sealed class WorkflowTriggerConfiguration(string jsonColumnType) : IEntityTypeConfiguration<WorkflowTrigger>
{
    public void Configure(EntityTypeBuilder<WorkflowTrigger> builder)
    {
        builder.ToTable("workflow_triggers", table => table.HasCheckConstraint("valid_trigger_type",
            $"trigger_type IN ({UpperCaseEnumConverter<TriggerType>.SqlValueList()})"));
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Type)
            .HasColumnName("trigger_type")
            .HasMaxLength(20)
            .HasConversion(new UpperCaseEnumConverter<TriggerType>());
        builder.Property(t => t.Spec)
            .HasColumnName("trigger_config")
            .HasColumnType(jsonColumnType)
            .HasConversion(spec => StoredJson.FromTrigger(spec), json => StoredJson.ToTrigger(json))
            .IsRequired();
        builder.Property(t => t.IsActive);
        builder.Property(t => t.JitterSeconds);
        builder.Property(t => t.WebhookPath).HasMaxLength(128);
        builder.Property(t => t.FireCount);
        builder.Property(t => t.LastFiredAt);
        builder.Property(t => t.CreatedAt);

        builder.HasIndex(t => t.WebhookPath)
            .IsUnique()
            .HasFilter("is_active AND webhook_path IS NOT NULL")
            .HasDatabaseName(UniqueConstraints.ActiveWebhookPath);
        builder.HasIndex(t => new { t.WorkflowId, t.IsActive }).HasDatabaseName("idx_workflow_triggers_workflow");
    }
}
