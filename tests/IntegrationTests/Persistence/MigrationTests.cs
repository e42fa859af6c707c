using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>Migrations against empty PostgreSQL databases of their own (not the shared test database).</summary>
public sealed class MigrationTests
{
    private static readonly string[] ExpectedTables = ["workflows", "workflow_triggers", "workflow_executions", "__ef_migrations_history"];

    [Fact]
    public async Task Migrate_on_an_empty_database_creates_every_table()
    {
        var database = await PostgresDatabase.CreateScratchAsync();
        try
        {
            await using var provider = PersistenceServices.Create(TestSettings.PostgresConnectionStringFor(database));
            await provider.MigrateAsync();

            foreach (var table in ExpectedTables)
            {
                var exists = await PostgresDatabase.ScalarAsync<bool>(
                    $"SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{table}')",
                    TestSettings.PostgresConnectionStringFor(database));
                Assert.True(exists, $"table {table} was not created");
            }

            var applied = await PostgresDatabase.ScalarAsync<long>("SELECT count(*) FROM __ef_migrations_history",
                TestSettings.PostgresConnectionStringFor(database));
            Assert.True(applied >= 1);
        }
        finally
        {
            await PostgresDatabase.DropAsync(database);
        }
    }

    [Fact]
    public async Task Instances_migrating_at_once_all_succeed_and_apply_each_migration_once()
    {
        var database = await PostgresDatabase.CreateScratchAsync();
        try
        {
            var connectionString = TestSettings.PostgresConnectionStringFor(database);
            var providers = Enumerable.Range(0, 4).Select(_ => PersistenceServices.Create(connectionString)).ToList();
            try
            {
                await Task.WhenAll(providers.Select(p => p.MigrateAsync()));
            }
            finally
            {
                foreach (var provider in providers)
                {
                    await provider.DisposeAsync();
                }
            }

            var applied = await PostgresDatabase.ScalarAsync<long>(
                "SELECT count(*) FROM __ef_migrations_history", connectionString);
            var distinct = await PostgresDatabase.ScalarAsync<long>(
                "SELECT count(DISTINCT migration_id) FROM __ef_migrations_history", connectionString);
            Assert.Equal(distinct, applied);
            Assert.True(applied >= 1);
        }
        finally
        {
            await PostgresDatabase.DropAsync(database);
        }
    }
}
