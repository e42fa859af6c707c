using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using WorkflowRuntime.Domain.Triggers;

#nullable disable

namespace WorkflowRuntime.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// Rewrites cron triggers whose stored zone differs from a tz database id only in case or surrounding blanks
    /// (<c>europe/berlin</c>, <c>utc</c>: accepted before ids were matched exactly, ADR 0018) to the canonical id.
    /// Zones that match no id (<c>America</c>, <c>posixrules</c>) are left as stored: they read as unusable triggers,
    /// are logged (<c>stored_trigger_unusable</c>) and never fire until their owner replaces them. No schema change,
    /// so no model snapshot change. Not reversible: the old spelling named the same zone.
    /// </summary>
    [DbContext(typeof(PostgresWorkflowRuntimeDbContext))]
    [Migration("20261203110100_RepairTimeZoneSpellings")]
    public partial class RepairTimeZoneSpellings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every tz name is [A-Za-z0-9/_+-], so it can be written into the statement as a literal.
            var zones = string.Join(",\n", IanaTimeZones.All.Order(StringComparer.Ordinal).Select(name => $"('{name}')"));
            migrationBuilder.Sql($$"""
                WITH zones(name) AS (VALUES
                {{zones}})
                UPDATE workflow_triggers AS t
                SET trigger_config = jsonb_set(t.trigger_config, '{timezone}', to_jsonb(zones.name))
                FROM zones
                WHERE t.trigger_type = 'CRON'
                  AND t.trigger_config->>'timezone' IS NOT NULL
                  AND lower(btrim(t.trigger_config->>'timezone')) = lower(zones.name)
                  AND t.trigger_config->>'timezone' <> zones.name;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
