using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WorkflowRuntime.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// Indexes for the monitoring RPCs (ADR 0015). Raw SQL: covering (INCLUDE) and partial indexes that the EF model
    /// does not describe, so the model snapshot is unchanged. Each lets one statement of
    /// <c>PostgresMonitoringReadModel</c> run as an index-only scan over the rows of its time range.
    /// </summary>
    [DbContext(typeof(PostgresWorkflowRuntimeDbContext))]
    [Migration("20261203110000_MonitoringIndexes")]
    public partial class MonitoringIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // GetDeploymentStats: executions of a range by status and mode, and their durations.
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS idx_workflow_executions_created_stats
                ON workflow_executions (created_at) INCLUDE (status, mode, started_at, finished_at);
                """);
            // GetSchedulingMetrics: the cron fires of a range, their lateness inputs and instance.
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS idx_workflow_executions_scheduled
                ON workflow_executions (created_at) INCLUDE (status, scheduled_for, trigger_id, owner_instance_id)
                WHERE mode = 'SCHEDULED';
                """);
            // GetSchedulingMetrics: skipped cron fires with the reason that tells a miss from an overlap.
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS idx_workflow_executions_scheduled_skipped
                ON workflow_executions (created_at) INCLUDE (skip_reason, owner_instance_id)
                WHERE mode = 'SCHEDULED' AND status = 'SKIPPED';
                """);
            // GetDeploymentStats and GetSchedulingMetrics: active triggers by type.
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS idx_workflow_triggers_active_type
                ON workflow_triggers (trigger_type) WHERE is_active;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS idx_workflow_triggers_active_type;");
            migrationBuilder.Sql("DROP INDEX IF EXISTS idx_workflow_executions_scheduled_skipped;");
            migrationBuilder.Sql("DROP INDEX IF EXISTS idx_workflow_executions_scheduled;");
            migrationBuilder.Sql("DROP INDEX IF EXISTS idx_workflow_executions_created_stats;");
        }
    }
}
