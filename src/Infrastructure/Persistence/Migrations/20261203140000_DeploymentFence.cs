using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WorkflowRuntime.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// The deployment fence (ADR 0024): each run records the deployment version it was admitted against, and a
    /// BEFORE INSERT trigger refuses the run when the workflow is no longer at that version and DEPLOYED, so the
    /// execution path may read deployments from a cache. Adding a nullable column is a catalogue change only (no table
    /// rewrite); rows written before it carry NULL and the trigger lets NULL through (misses are recorded that way too).
    /// </summary>
    [DbContext(typeof(PostgresWorkflowRuntimeDbContext))]
    [Migration("20261203140000_DeploymentFence")]
    public partial class DeploymentFence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "deployment_version",
                table: "workflow_executions",
                type: "bigint",
                nullable: true);
            migrationBuilder.Sql(Persistence.DeploymentFence.PostgresCreate);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Persistence.DeploymentFence.PostgresDrop);
            migrationBuilder.DropColumn(name: "deployment_version", table: "workflow_executions");
        }
    }
}
