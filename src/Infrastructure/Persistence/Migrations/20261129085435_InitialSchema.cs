using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WorkflowRuntime.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workflows",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    workflow_data = table.Column<string>(type: "jsonb", nullable: false),
                    deployment_status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false, defaultValueSql: "'DRAFT'"),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    deployment_config = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'"),
                    pause_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    deployed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workflows", x => x.id);
                    table.CheckConstraint("valid_deployment_status", "deployment_status IN ('DRAFT','DEPLOYED','PAUSED','ARCHIVED')");
                });

            migrationBuilder.CreateTable(
                name: "workflow_executions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    mode = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    trigger_id = table.Column<Guid>(type: "uuid", nullable: true),
                    triggered_by = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    idempotency_key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    scheduled_for = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    is_exclusive = table.Column<bool>(type: "boolean", nullable: false),
                    engine_execution_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    trigger_data = table.Column<string>(type: "jsonb", nullable: false),
                    result_data = table.Column<string>(type: "text", nullable: true),
                    error_message = table.Column<string>(type: "text", nullable: true),
                    skip_reason = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    deadline_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    owner_instance_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    lock_token = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workflow_executions", x => x.id);
                    table.CheckConstraint("valid_execution_mode", "mode IN ('MANUAL','WEBHOOK','SCHEDULED','RETRY')");
                    table.CheckConstraint("valid_execution_status", "status IN ('NEW','RUNNING','SUCCESS','ERROR','CANCELED','TIMEOUT','SKIPPED')");
                    table.ForeignKey(
                        name: "fk_workflow_executions_workflows_workflow_id",
                        column: x => x.workflow_id,
                        principalTable: "workflows",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workflow_triggers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<Guid>(type: "uuid", nullable: false),
                    trigger_type = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    trigger_config = table.Column<string>(type: "jsonb", nullable: false),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    jitter_seconds = table.Column<int>(type: "integer", nullable: false),
                    webhook_path = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    fire_count = table.Column<long>(type: "bigint", nullable: false),
                    last_fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workflow_triggers", x => x.id);
                    table.CheckConstraint("valid_trigger_type", "trigger_type IN ('CRON','WEBHOOK','MANUAL')");
                    table.ForeignKey(
                        name: "fk_workflow_triggers_workflows_workflow_id",
                        column: x => x.workflow_id,
                        principalTable: "workflows",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "idx_workflow_executions_created",
                table: "workflow_executions",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "idx_workflow_executions_status_heartbeat",
                table: "workflow_executions",
                columns: new[] { "status", "heartbeat_at" });

            migrationBuilder.CreateIndex(
                name: "idx_workflow_executions_workflow_created",
                table: "workflow_executions",
                columns: new[] { "workflow_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_workflow_executions_idempotency_key",
                table: "workflow_executions",
                columns: new[] { "workflow_id", "idempotency_key" },
                unique: true,
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_workflow_executions_one_exclusive_active",
                table: "workflow_executions",
                column: "workflow_id",
                unique: true,
                filter: "is_exclusive AND status IN ('NEW','RUNNING')");

            migrationBuilder.CreateIndex(
                name: "ux_workflow_executions_scheduled_for",
                table: "workflow_executions",
                columns: new[] { "workflow_id", "scheduled_for" },
                unique: true,
                filter: "scheduled_for IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "idx_workflow_triggers_workflow",
                table: "workflow_triggers",
                columns: new[] { "workflow_id", "is_active" });

            migrationBuilder.CreateIndex(
                name: "ux_workflow_triggers_active_webhook_path",
                table: "workflow_triggers",
                column: "webhook_path",
                unique: true,
                filter: "is_active AND webhook_path IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "idx_workflows_created",
                table: "workflows",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "idx_workflows_deployed_at",
                table: "workflows",
                column: "deployed_at");

            migrationBuilder.CreateIndex(
                name: "idx_workflows_deployment_status",
                table: "workflows",
                column: "deployment_status");

            migrationBuilder.CreateIndex(
                name: "idx_workflows_user_created",
                table: "workflows",
                columns: new[] { "user_id", "created_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workflow_executions");

            migrationBuilder.DropTable(
                name: "workflow_triggers");

            migrationBuilder.DropTable(
                name: "workflows");
        }
    }
}
