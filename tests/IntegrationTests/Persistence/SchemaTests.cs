using Npgsql;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>What the database itself enforces, whatever the application does.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchemaTests : IAsyncLifetime
{
    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_database_rejects_an_unknown_deployment_status()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflows (id, user_id, name, workflow_data, deployment_status, version, created_at, updated_at)
            VALUES ('{Guid.NewGuid()}', 'u', 'n', '{"{}"}', 'BOGUS', 1, now(), now())
            """));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal("valid_deployment_status", error.ConstraintName);
    }

    [Fact]
    public async Task A_new_workflow_row_defaults_to_draft_with_an_empty_config()
    {
        var id = Guid.NewGuid();
        await PostgresDatabase.ExecuteAsync($"""
            INSERT INTO workflows (id, user_id, name, workflow_data, version, created_at, updated_at)
            VALUES ('{id}', 'u', 'n', '{"{}"}', 1, now(), now())
            """);

        Assert.Equal("DRAFT", await PostgresDatabase.ScalarAsync<string>($"SELECT deployment_status FROM workflows WHERE id = '{id}'"));
        Assert.Equal("{}", await PostgresDatabase.ScalarAsync<string>($"SELECT deployment_config::text FROM workflows WHERE id = '{id}'"));
        Assert.Equal("jsonb", await PostgresDatabase.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'workflows' AND column_name = 'deployment_config'"));
    }

    [Theory]
    [InlineData("workflows", "idx_workflows_deployment_status")]
    [InlineData("workflows", "idx_workflows_deployed_at")]
    [InlineData("workflow_triggers", "ux_workflow_triggers_active_webhook_path")]
    [InlineData("workflow_executions", "ux_workflow_executions_idempotency_key")]
    [InlineData("workflow_executions", "ux_workflow_executions_scheduled_for")]
    [InlineData("workflow_executions", "ux_workflow_executions_one_exclusive_active")]
    [InlineData("workflow_executions", "idx_workflow_executions_workflow_created")]
    public async Task The_named_index_exists(string table, string index)
    {
        var found = await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_indexes WHERE tablename = '{table}' AND indexname = '{index}'");

        Assert.Equal(1, found);
    }

    [Fact]
    public async Task The_deployment_status_column_has_the_designed_type_and_default()
    {
        var type = await PostgresDatabase.ScalarAsync<string>("""
            SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = 'workflows'::regclass AND a.attname = 'deployment_status'
            """);
        var deployedAtType = await PostgresDatabase.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'workflows' AND column_name = 'deployed_at'");

        Assert.Equal("character varying(50)", type);
        Assert.Equal("timestamp with time zone", deployedAtType);
    }
}
