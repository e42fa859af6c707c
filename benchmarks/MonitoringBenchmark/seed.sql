-- Seeds the monitoring benchmark database: :deployments workflows (85 % DEPLOYED, 10 % PAUSED, 5 % ARCHIVED), one
-- trigger each (60 % cron on a realistic mix of expressions, 30 % webhook, 10 % manual), and :executions executions
-- over the last 30 days (60 % SCHEDULED, 30 % WEBHOOK, 10 % MANUAL; mostly SUCCESS, some ERROR, TIMEOUT, CANCELED,
-- SKIPPED, a few missed occurrences). Ids are md5-derived from the row number so executions can point at the
-- workflow's trigger. Jitter is computed exactly as the service does: first 8 hex digits of md5(id) mod window.
-- Placeholders {deployments} and {executions} are replaced by the benchmark before it runs this.
CREATE TEMP TABLE bench_expressions (slot int PRIMARY KEY, expression text, zone text, wnd int);
INSERT INTO bench_expressions VALUES
  (0, '0 9 * * *', 'UTC', 300), (1, '0 9 * * *', 'Europe/Berlin', 300), (2, '*/5 * * * *', 'UTC', 300),
  (3, '0 * * * *', 'UTC', 300), (4, '*/15 * * * *', 'UTC', 300), (5, '30 2 * * *', 'America/New_York', 300),
  (6, '0 0 * * 1', 'UTC', 300), (7, '* * * * *', 'UTC', 60), (8, '0 */6 * * *', 'UTC', 300),
  (9, '0 12 * * 1-5', 'Asia/Tokyo', 300);

INSERT INTO workflows (id, user_id, name, description, workflow_data, deployment_status, version, deployment_config,
                       created_at, updated_at, deployed_at)
SELECT md5('wf' || i)::uuid, 'user-' || (i % 1000), 'workflow ' || i, NULL, '{"nodes":[]}',
       CASE WHEN i % 20 = 0 THEN 'ARCHIVED' WHEN i % 10 = 5 THEN 'PAUSED' ELSE 'DEPLOYED' END,
       1, '{"overlap_policy":"SKIP","execution_timeout_seconds":3600}',
       now() - interval '60 days' + i * interval '1 second', now() - interval '1 day', now() - interval '30 days'
FROM generate_series(1, {deployments}) AS i;

-- Cron iff i % 10 in 1..6 (60 %), webhook iff in 7..9 (30 %), manual iff 0 (10 %). ARCHIVED ones are inactive.
INSERT INTO workflow_triggers (id, workflow_id, trigger_type, trigger_config, is_active, jitter_seconds, webhook_path,
                               fire_count, last_fired_at, created_at)
SELECT md5('tr' || i)::uuid, md5('wf' || i)::uuid,
       CASE WHEN i % 10 BETWEEN 1 AND 6 THEN 'CRON' WHEN i % 10 >= 7 THEN 'WEBHOOK' ELSE 'MANUAL' END,
       CASE WHEN i % 10 BETWEEN 1 AND 6 THEN jsonb_build_object('type', 'cron', 'cron_expression', e.expression,
                 'timezone', e.zone, 'disable_jitter', false, 'jitter_window_seconds', 300)
            WHEN i % 10 >= 7 THEN jsonb_build_object('type', 'webhook', 'path', 'hook-' || i, 'methods', jsonb_build_array('POST'))
            ELSE '{"type":"manual"}'::jsonb END,
       i % 20 <> 0,
       CASE WHEN i % 10 BETWEEN 1 AND 6
            THEN (('x' || substr(md5(md5('wf' || i)::uuid::text), 1, 8))::bit(32)::bigint % e.wnd)::int ELSE 0 END,
       CASE WHEN i % 10 >= 7 AND i % 20 <> 0 THEN 'hook-' || i END,
       0, NULL, now() - interval '60 days'
FROM generate_series(1, {deployments}) AS i
JOIN bench_expressions e ON e.slot = (i / 10) % 10;

-- Executions: k-th row picks workflow i; SCHEDULED rows pick a cron workflow and carry its trigger and an
-- occurrence a little before the record time (jitter + 0..2 s of lateness).
INSERT INTO workflow_executions (id, workflow_id, status, mode, trigger_id, triggered_by, idempotency_key,
                                 scheduled_for, is_exclusive, engine_execution_id, trigger_data, result_data,
                                 error_message, skip_reason, created_at, started_at, finished_at, deadline_at,
                                 heartbeat_at, owner_instance_id, lock_token, revision)
SELECT md5('ex' || k)::uuid, md5('wf' || r.i)::uuid, r.status, r.mode,
       CASE WHEN r.mode = 'SCHEDULED' THEN md5('tr' || r.i)::uuid END,
       CASE WHEN r.mode = 'SCHEDULED' THEN 'scheduler' ELSE 'gateway' END, NULL,
       CASE WHEN r.mode = 'SCHEDULED' THEN r.created_at - make_interval(secs => r.jitter + r.late) END,
       false, CASE WHEN r.status <> 'SKIPPED' THEN 'engine-' || k END, '{}',
       CASE WHEN r.status = 'SUCCESS' THEN '{"ok":true}' END,
       CASE WHEN r.status IN ('ERROR', 'TIMEOUT') THEN 'failed' END,
       CASE WHEN r.status = 'SKIPPED' AND r.missed THEN 'missed: the scheduler could not fire within the catch-up window of 60 s'
            WHEN r.status = 'SKIPPED' THEN 'another execution of this workflow is running (overlap policy SKIP)' END,
       r.created_at,
       CASE WHEN r.status NOT IN ('SKIPPED', 'NEW') THEN r.created_at + interval '40 milliseconds' END,
       CASE WHEN r.status IN ('SUCCESS', 'ERROR', 'TIMEOUT', 'CANCELED') THEN r.created_at + interval '40 milliseconds' + make_interval(secs => r.duration)
            WHEN r.status = 'SKIPPED' THEN r.created_at END,
       NULL, NULL,
       CASE WHEN NOT (r.status = 'SKIPPED' AND r.missed) THEN 'replica-' || (k % 3) END,
       NULL, 0
FROM generate_series(1::bigint, {executions}) AS k
CROSS JOIN LATERAL (
  SELECT CASE WHEN k % 10 < 6 THEN 10 * ((k * 7919) % ({deployments} / 10)) + 1 + (k % 6) ELSE 1 + (k * 104729) % {deployments} END AS i) AS w
CROSS JOIN LATERAL (
  SELECT w.i,
         CASE WHEN k % 10 < 6 THEN 'SCHEDULED' WHEN k % 10 < 9 THEN 'WEBHOOK' ELSE 'MANUAL' END AS mode,
         CASE WHEN k % 100 < 80 THEN 'SUCCESS' WHEN k % 100 < 88 THEN 'ERROR' WHEN k % 100 < 90 THEN 'TIMEOUT'
              WHEN k % 100 < 91 THEN 'CANCELED' WHEN k % 100 < 99 THEN 'SKIPPED' ELSE 'RUNNING' END AS status,
         (k % 1000) = 995 AS missed,
         now() - make_interval(secs => (k * 2.592) % 2592000) AS created_at,
         -- The workflow's stored jitter (slot 7, every minute, has a 60 s effective window).
         (('x' || substr(md5(md5('wf' || w.i)::uuid::text), 1, 8))::bit(32)::bigint % CASE WHEN (w.i / 10) % 10 = 7 THEN 60 ELSE 300 END)::int AS jitter,
         ((k * 13) % 2000) / 1000.0 AS late,
         ((k * 17) % 10000) / 1000.0 AS duration
) AS r
ON CONFLICT DO NOTHING;
