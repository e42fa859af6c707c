using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>The zone-repair migration on a scratch database holding rows written before zones were matched exactly.</summary>
public sealed class ZoneRepairMigrationTests
{
    [Fact]
    public async Task Stored_zone_spellings_are_repaired_to_the_canonical_id_and_unknown_ones_left_as_they_are()
    {
        var database = await PostgresDatabase.CreateScratchAsync();
        var connectionString = TestSettings.PostgresConnectionStringFor(database);
        try
        {
            await using var provider = PersistenceServices.Create(connectionString);
            await using (var scope = provider.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PostgresWorkflowRuntimeDbContext>();
                await db.GetService<IMigrator>().MigrateAsync("20261129085435_InitialSchema");
            }

            var workflow = Guid.NewGuid();
            await PostgresDatabase.ExecuteAsync($"""
                INSERT INTO workflows (id, user_id, name, workflow_data, deployment_status, version, created_at, updated_at)
                VALUES ('{workflow}', 'u', 'n', '{"{"}"nodes":[]{"}"}', 'DEPLOYED', 1, now(), now());
                INSERT INTO workflow_triggers (id, workflow_id, trigger_type, trigger_config, is_active, jitter_seconds, fire_count, created_at) VALUES
                  ('{Guid.NewGuid()}', '{workflow}', 'CRON', '{Cron("europe/berlin")}', true, 0, 0, now()),
                  ('{Guid.NewGuid()}', '{workflow}', 'CRON', '{Cron("utc")}', true, 0, 0, now()),
                  ('{Guid.NewGuid()}', '{workflow}', 'CRON', '{Cron(" America/New_York ")}', true, 0, 0, now()),
                  ('{Guid.NewGuid()}', '{workflow}', 'CRON', '{Cron("Europe/Paris")}', true, 0, 0, now()),
                  ('{Guid.NewGuid()}', '{workflow}', 'CRON', '{Cron("America")}', true, 0, 0, now()),
                  ('{Guid.NewGuid()}', '{workflow}', 'WEBHOOK', '{"{"}"type":"webhook","path":"utc","methods":["POST"]{"}"}', true, 0, 0, now());
                """, connectionString);

            await provider.MigrateAsync();

            var zones = await PostgresDatabase.QueryAsync(
                "SELECT coalesce(trigger_config->>'timezone', trigger_config->>'path') FROM workflow_triggers ORDER BY 1",
                r => r.GetString(0), connectionString);
            Assert.Equal(["America", "America/New_York", "Europe/Berlin", "Europe/Paris", "UTC", "utc"], zones);
        }
        finally
        {
            await PostgresDatabase.DropAsync(database);
        }
    }

    private static string Cron(string zone) =>
        $$"""{"type":"cron","cron_expression":"0 9 * * *","timezone":"{{zone}}","disable_jitter":false,"jitter_window_seconds":300}""";
}
