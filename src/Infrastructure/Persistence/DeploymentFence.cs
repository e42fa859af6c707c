using WorkflowRuntime.Application.Abstractions;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>
/// The database half of the deployment cache (ADR 0024): a run that carries the deployment version it was admitted
/// against is inserted only while the workflow is still at that version and DEPLOYED. The check is a BEFORE INSERT
/// trigger, so it costs a primary-key lookup inside the insert's own round trip, on every replica alike. A refusal
/// answers <see cref="StaleDeploymentException.Marker"/> (SQLSTATE on PostgreSQL, the RAISE text on SQLite).
/// </summary>
internal static class DeploymentFence
{
    public const string PostgresCreate = $$"""
        CREATE OR REPLACE FUNCTION workflow_executions_deployment_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
        BEGIN
            IF NEW.deployment_version IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM workflows w
                WHERE w.id = NEW.workflow_id AND w.version = NEW.deployment_version AND w.deployment_status = 'DEPLOYED') THEN
                RAISE EXCEPTION 'workflow % is no longer at deployment version %', NEW.workflow_id, NEW.deployment_version
                    USING ERRCODE = '{{StaleDeploymentException.Marker}}';
            END IF;
            RETURN NEW;
        END
        $fence$;
        DROP TRIGGER IF EXISTS deployment_fence ON workflow_executions;
        CREATE TRIGGER deployment_fence BEFORE INSERT ON workflow_executions
            FOR EACH ROW EXECUTE FUNCTION workflow_executions_deployment_fence();
        """;

    public const string PostgresDrop = """
        DROP TRIGGER IF EXISTS deployment_fence ON workflow_executions;
        DROP FUNCTION IF EXISTS workflow_executions_deployment_fence();
        """;

    public const string SqliteCreate = $"""
        CREATE TRIGGER IF NOT EXISTS deployment_fence BEFORE INSERT ON workflow_executions
        WHEN NEW.deployment_version IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM workflows w
            WHERE w.id = NEW.workflow_id AND w.version = NEW.deployment_version AND w.deployment_status = 'DEPLOYED')
        BEGIN
            SELECT RAISE(ABORT, '{StaleDeploymentException.Marker} the workflow is no longer at that deployment version');
        END;
        """;
}
