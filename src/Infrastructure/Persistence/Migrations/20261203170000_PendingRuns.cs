using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WorkflowRuntime.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// Pending runs (ADR 0026): status PENDING is allowed, the deployment fence also bounds how many PENDING runs a
    /// workflow holds, and a partial index finds a workflow's oldest pending run (promotion) and the workflows that have
    /// any (the sweeper). The index is raw SQL the model does not describe, so the snapshot only gains the status value.
    /// </summary>
    [DbContext(typeof(PostgresWorkflowRuntimeDbContext))]
    [Migration("20261203170000_PendingRuns")]
    public partial class PendingRuns : Migration
    {
        private const string StatusesBefore = "status IN ('NEW','RUNNING','SUCCESS','ERROR','CANCELED','TIMEOUT','SKIPPED')";
        private const string StatusesAfter = "status IN ('NEW','RUNNING','SUCCESS','ERROR','CANCELED','TIMEOUT','SKIPPED','PENDING')";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(name: "valid_execution_status", table: "workflow_executions");
            migrationBuilder.AddCheckConstraint(name: "valid_execution_status", table: "workflow_executions", sql: StatusesAfter);
            migrationBuilder.Sql(Persistence.DeploymentFence.PostgresCreateWithPendingBound);
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS idx_workflow_executions_pending
                ON workflow_executions (workflow_id, created_at, id) WHERE status = 'PENDING';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS idx_workflow_executions_pending;");
            migrationBuilder.Sql(Persistence.DeploymentFence.PostgresDropPendingLeaves);
            migrationBuilder.Sql(Persistence.DeploymentFence.PostgresCreate);
            migrationBuilder.Sql("DELETE FROM workflow_executions WHERE status = 'PENDING';");
            migrationBuilder.DropCheckConstraint(name: "valid_execution_status", table: "workflow_executions");
            migrationBuilder.AddCheckConstraint(name: "valid_execution_status", table: "workflow_executions", sql: StatusesBefore);
        }
    }
}
