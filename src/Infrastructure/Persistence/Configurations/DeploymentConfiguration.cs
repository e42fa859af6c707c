using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;

namespace WorkflowRuntime.Infrastructure.Persistence.Configurations;

/// <summary>The <c>workflows</c> table: the workflow and its deployment columns.</summary>
internal sealed class DeploymentConfiguration(string jsonColumnType) : IEntityTypeConfiguration<Deployment>
{
    public void Configure(EntityTypeBuilder<Deployment> builder)
    {
        builder.ToTable("workflows", table => table.HasCheckConstraint("valid_deployment_status",
            $"deployment_status IN ({UpperCaseEnumConverter<DeploymentStatus>.SqlValueList()})"));
        builder.HasKey(d => d.Id).HasName(UniqueConstraints.WorkflowPrimaryKey);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.UserId).HasMaxLength(Deployment.MaxUserIdLength).IsRequired();
        builder.Property(d => d.Name).HasMaxLength(Deployment.MaxNameLength).IsRequired();
        builder.Property(d => d.Description);
        builder.Property(d => d.Definition)
            .HasColumnName("workflow_data")
            .HasColumnType(jsonColumnType)
            .HasConversion(definition => definition.Json, json => WorkflowDefinition.FromStorage(json))
            .IsRequired();
        builder.Property(d => d.Version).IsConcurrencyToken();
        builder.Property(d => d.Status)
            .HasColumnName("deployment_status")
            .HasMaxLength(50)
            .HasConversion(new UpperCaseEnumConverter<DeploymentStatus>())
            .HasDefaultValueSql("'DRAFT'")
            .HasSentinel((DeploymentStatus)(-1));
        builder.Property(d => d.Config)
            .HasColumnName("deployment_config")
            .HasColumnType(jsonColumnType)
            .HasConversion(config => StoredJson.FromConfig(config), json => StoredJson.ToConfig(json))
            .HasDefaultValueSql("'{}'");
        builder.Property(d => d.PauseNote).HasMaxLength(Deployment.MaxPauseNoteLength);
        builder.Property(d => d.CreatedAt);
        builder.Property(d => d.UpdatedAt);
        builder.Property(d => d.DeployedAt);

        builder.HasMany(d => d.Triggers)
            .WithOne()
            .HasForeignKey(t => t.WorkflowId)
            .OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(d => d.Triggers).HasField("_triggers").UsePropertyAccessMode(PropertyAccessMode.Field);
        builder.Ignore(d => d.ActiveTriggers);
        builder.Ignore(d => d.AcceptsExecutions);

        builder.HasIndex(d => d.Status).HasDatabaseName("idx_workflows_deployment_status");
        builder.HasIndex(d => d.DeployedAt).HasDatabaseName("idx_workflows_deployed_at");
        builder.HasIndex(d => new { d.UserId, d.CreatedAt, d.Id }).HasDatabaseName("idx_workflows_user_created");
        builder.HasIndex(d => new { d.CreatedAt, d.Id }).HasDatabaseName("idx_workflows_created");
    }
}
