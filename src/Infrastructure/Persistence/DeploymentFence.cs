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
    // The fence itself, shared by the function as the DeploymentFence migration created it and as PendingRuns replaces it.
    private const string StaleVersionCheck = $$"""
        IF NEW.deployment_version IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM workflows w
            WHERE w.id = NEW.workflow_id AND w.version = NEW.deployment_version AND w.deployment_status = 'DEPLOYED') THEN
            RAISE EXCEPTION 'workflow % is no longer at deployment version %', NEW.workflow_id, NEW.deployment_version
                USING ERRCODE = '{{StaleDeploymentException.Marker}}';
        END IF;
        """;

    public const string PostgresCreate = $$"""
        CREATE OR REPLACE FUNCTION workflow_executions_deployment_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
        BEGIN
            {{StaleVersionCheck}}
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

    /// <summary>
    /// The fence with the pending bound (migration PendingRuns, ADR 0026); the DeploymentFence migration keeps
    /// <see cref="PostgresCreate"/> as it ran then. A PENDING insert takes a per-workflow advisory lock that lasts until
    /// it commits, so concurrent inserts of one workflow take turns and each counts what the earlier ones committed.
    /// </summary>
    public const string PostgresCreateWithPendingBound = $$"""
        CREATE OR REPLACE FUNCTION workflow_executions_deployment_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
        DECLARE max_pending integer;
        BEGIN
            {{StaleVersionCheck}}
            IF NEW.status = 'PENDING' THEN
                PERFORM pg_advisory_xact_lock(hashtextextended(NEW.workflow_id::text, {{PendingLockSeed}}));
                -- The queue's order is created_at: stamped here, under the lock, it is the order of the inserts
                -- (replicas' clocks and a trigger's wait for the lock cannot reorder the queue).
                NEW.created_at := clock_timestamp();
                SELECT COALESCE((w.deployment_config->>'max_pending')::integer, 0) INTO max_pending
                FROM workflows w WHERE w.id = NEW.workflow_id;
                -- With the slot free the head of the queue is about to start, so one more may wait. Looked at before
                -- the count: a promotion committed in between is then seen by both, never by the count alone.
                IF NOT EXISTS ({{ActiveExclusiveRun}}) THEN
                    max_pending := COALESCE(max_pending, 0) + 1;
                END IF;
                IF (SELECT count(*) FROM workflow_executions e
                    WHERE e.workflow_id = NEW.workflow_id AND e.status = 'PENDING') >= COALESCE(max_pending, 0) THEN
                    RAISE EXCEPTION 'workflow % already has % pending runs', NEW.workflow_id, max_pending
                        USING ERRCODE = '{{PendingLimitReachedException.Marker}}';
                END IF;
            END IF;
            RETURN NEW;
        END
        $fence$;
        -- A pending run leaving the queue (promoted, canceled) takes the same lock: an insert counting the queue then
        -- sees the head either still pending with the slot free, or started with the slot taken, never half of each.
        CREATE OR REPLACE FUNCTION workflow_executions_pending_leaves() RETURNS trigger LANGUAGE plpgsql AS $leaves$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended(NEW.workflow_id::text, {{PendingLockSeed}}));
            RETURN NEW;
        END
        $leaves$;
        DROP TRIGGER IF EXISTS pending_leaves ON workflow_executions;
        CREATE TRIGGER pending_leaves BEFORE UPDATE OF status ON workflow_executions
            FOR EACH ROW WHEN (OLD.status = 'PENDING' AND NEW.status <> 'PENDING')
            EXECUTE FUNCTION workflow_executions_pending_leaves();
        """;

    public const string PostgresDropPendingLeaves = """
        DROP TRIGGER IF EXISTS pending_leaves ON workflow_executions;
        DROP FUNCTION IF EXISTS workflow_executions_pending_leaves();
        """;

    /// <summary>The pending bound on SQLite: one writer at a time (ADR 0022) already makes the count and the insert one step.</summary>
    public const string SqlitePendingBound = $"""
        CREATE TRIGGER IF NOT EXISTS pending_bound BEFORE INSERT ON workflow_executions
        WHEN NEW.status = 'PENDING' AND (
            SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = NEW.workflow_id AND e.status = 'PENDING')
            >= COALESCE((SELECT json_extract(w.deployment_config, '$.max_pending') FROM workflows w WHERE w.id = NEW.workflow_id), 0)
               + (CASE WHEN EXISTS ({ActiveExclusiveRun}) THEN 0 ELSE 1 END)
        BEGIN
            SELECT RAISE(ABORT, '{PendingLimitReachedException.Marker} the workflow already has as many pending runs as its policy allows');
        END;
        """;

    // The workflow's NEW or RUNNING exclusive run (the slot's holder), as the exclusive-run index defines it.
    private const string ActiveExclusiveRun =
        "SELECT 1 FROM workflow_executions a WHERE a.workflow_id = NEW.workflow_id AND a.is_exclusive AND a.status IN ('NEW','RUNNING')";

    // Separates the pending bound's advisory locks from any other use of hashtextextended(workflow_id) keys.
    private const string PendingLockSeed = "26";
}
