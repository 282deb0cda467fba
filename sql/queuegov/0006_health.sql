-- Why: one pane of health (SPEC §8) for cron alerts, the dashboard and
-- /metrics. Every figure is cheap at millions of rows: active states are
-- counted through partial indexes, possibly-large sets are counted up to a
-- cap (health only needs to know "over the threshold"), and finished-job
-- totals come from the planner's estimate. Thresholds are governed settings.

SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_config_guard_set(false);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description) VALUES
    ('queue.health.max_open_dead_letters', '10',    'setting', 'integer', 0, 1000000, 'open job + routing dead letters above this are unhealthy'),
    ('queue.health.max_backlog',           '10000', 'setting', 'integer', 1, 100000000, 'ready queued jobs (per queue) or pending events above this are unhealthy'),
    ('queue.health.max_oldest_queued_seconds', '600', 'setting', 'integer', 1, 31536000, 'a ready job waiting longer than this is unhealthy');
SELECT fn_config_guard_set(true);

CREATE FUNCTION fn_capped_count(p_sql text, p_cap integer DEFAULT 100000) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
-- count(*) of a query, stopping at p_cap (+1 means "over the cap").
DECLARE
    v bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s LIMIT %s) capped', p_sql, p_cap + 1) INTO v;
    RETURN v;
END;
$$;

CREATE FUNCTION fn_estimated_rows(p_table regclass) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT greatest(coalesce(sum(c.reltuples), 0), 0)::bigint
    FROM pg_class c
    WHERE c.oid = p_table OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = p_table);
$$;

CREATE VIEW v_queue_health AS
WITH s AS (
    SELECT fn_setting_int('queue.health.max_open_dead_letters') AS max_dlq,
           fn_setting_int('queue.health.max_backlog') AS max_backlog,
           fn_setting_int('queue.health.max_oldest_queued_seconds') AS max_age,
           fn_setting_int('queue.retention.hot_days') AS hot_days
)
-- gates
SELECT 'gate'::text AS section, c.key AS name, CASE WHEN c.value = 'true'::jsonb THEN 1 ELSE 0 END::numeric AS value,
       NULL::numeric AS threshold, true AS healthy,
       jsonb_build_object('open', c.value = 'true'::jsonb, 'updated_at', c.updated_at, 'updated_by', c.updated_by) AS detail
FROM dot_config c WHERE c.kind = 'gate'
UNION ALL
-- executors
SELECT 'executor', h.executor_name, extract(epoch FROM now() - h.last_beat_at)::numeric(12, 1), NULL,
       h.status = 'fresh',
       jsonb_build_object('status', h.status, 'kind', h.executor_kind, 'last_beat_at', h.last_beat_at, 'beats', h.beats)
FROM queue_heartbeat h
UNION ALL
-- ready backlog and oldest ready job per queue
SELECT 'job_backlog', q.queue_name, b.ready, s.max_backlog,
       b.ready <= s.max_backlog AND (q.paused OR coalesce(b.oldest_seconds, 0) <= s.max_age),
       jsonb_build_object('ready', b.ready, 'scheduled', b.scheduled, 'running', b.running,
                          'oldest_ready_seconds', b.oldest_seconds, 'max_oldest_seconds', s.max_age, 'paused', q.paused)
FROM queue_state q CROSS JOIN s
CROSS JOIN LATERAL (
    SELECT fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at <= now()', 'queued', q.queue_name), 100000) AS ready,
           fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at > now()', 'queued', q.queue_name), 100000) AS scheduled,
           (SELECT count(*) FROM job_queue j WHERE j.status = 'running' AND j.queue_name = q.queue_name) AS running,
           (SELECT extract(epoch FROM now() - min(j.run_at))::numeric(12, 1) FROM job_queue j
             WHERE j.status = 'queued' AND j.queue_name = q.queue_name AND j.run_at <= now()) AS oldest_seconds
) b
UNION ALL
-- finished jobs (planner estimates: exact totals would scan millions of rows)
SELECT 'job_totals', 'estimated_rows', fn_estimated_rows('job_queue'), NULL, true,
       jsonb_build_object('note', 'planner estimate of job_queue rows')
UNION ALL
-- dead letters
SELECT 'dead_letters', 'jobs_open', d.n, s.max_dlq, d.n <= s.max_dlq, jsonb_build_object('manual_replay', d.manual)
FROM s CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE triage_status IN ('open', 'manual_replay')) AS n,
           count(*) FILTER (WHERE triage_status = 'manual_replay') AS manual
    FROM job_dead_letter WHERE triage_status IN ('open', 'manual_replay')) d
UNION ALL
SELECT 'dead_letters', 'routes_open', d.n, s.max_dlq, d.n <= s.max_dlq, jsonb_build_object('manual_replay', d.manual)
FROM s CROSS JOIN LATERAL (
    SELECT count(*) AS n, count(*) FILTER (WHERE triage_status = 'manual_replay') AS manual
    FROM iu_route_dead_letter WHERE triage_status IN ('open', 'manual_replay')) d
UNION ALL
-- event backlog: captures not yet processed, and events past each route cursor
SELECT 'event_backlog', 'pending', p.n, s.max_backlog, p.n <= s.max_backlog,
       jsonb_build_object('oldest_seconds', p.oldest, 'with_errors', p.errors)
FROM s CROSS JOIN LATERAL (
    SELECT fn_capped_count('SELECT 1 FROM event_pending WHERE processed_at IS NULL', 100000) AS n,
           (SELECT extract(epoch FROM now() - min(captured_at))::numeric(12, 1) FROM event_pending WHERE processed_at IS NULL) AS oldest,
           (SELECT count(*) FROM event_pending WHERE processed_at IS NULL AND error_count > 0) AS errors) p
UNION ALL
SELECT 'event_backlog', 'cursor:' || c.worker_name || '/' || c.event_domain, l.n, s.max_backlog, l.n <= s.max_backlog,
       jsonb_build_object('worker', c.worker_name, 'domain', c.event_domain, 'last_event_id', c.last_event_id,
                          'last_run_at', c.last_run_at, 'enabled', c.enabled)
FROM iu_route_worker_cursor c CROSS JOIN s
CROSS JOIN LATERAL (
    SELECT fn_capped_count(format('SELECT 1 FROM event_outbox WHERE event_domain = %L AND (tx_id, id) > (%L::xid8, %s)',
                                  c.event_domain, c.last_tx_id, c.last_event_id), 100000) AS n) l
UNION ALL
SELECT 'event_backlog', 'undelivered', fn_capped_count('SELECT 1 FROM event_outbox WHERE delivered_at IS NULL', 100000),
       NULL, true, '{}'::jsonb
UNION ALL
-- retention candidates (capped)
SELECT 'retention', 'jobs_past_hot_days',
       fn_capped_count(format('SELECT 1 FROM job_queue WHERE finished_at < now() - make_interval(days => %s)', s.hot_days), 100000),
       NULL, true, jsonb_build_object('hot_days', s.hot_days, 'capped_at', 100000)
FROM s;
COMMENT ON VIEW v_queue_health IS 'One pane of health: gates, executors, job backlog per queue, dead letters, event backlog, retention.';

CREATE FUNCTION fn_queue_health() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- {"healthy": bool, "problems": [...], "rows": [...]} from v_queue_health.
    WITH h AS (SELECT * FROM v_queue_health)
    SELECT jsonb_build_object(
        'healthy', bool_and(healthy),
        'checked_at', now(),
        'problems', coalesce(jsonb_agg(jsonb_build_object('section', section, 'name', name, 'value', value,
                                                          'threshold', threshold, 'detail', detail))
                             FILTER (WHERE NOT healthy), '[]'::jsonb),
        'rows', jsonb_agg(jsonb_build_object('section', section, 'name', name, 'value', value, 'threshold', threshold,
                                             'healthy', healthy, 'detail', detail)))
    FROM h;
$$;

-- ---------------------------------------------------------------------------
-- Time series for the dashboard: one sample per queue per minute
-- ---------------------------------------------------------------------------
CREATE TABLE queue_metric_sample (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sampled_at     timestamptz NOT NULL,
    queue_name     text NOT NULL,          -- '*' for the whole system
    window_seconds integer NOT NULL,
    ready          bigint NOT NULL DEFAULT 0,
    running        bigint NOT NULL DEFAULT 0,
    succeeded      bigint NOT NULL DEFAULT 0,   -- finished in the window
    dead           bigint NOT NULL DEFAULT 0,   -- dead-lettered in the window
    events_emitted bigint NOT NULL DEFAULT 0,
    events_pending bigint NOT NULL DEFAULT 0,
    route_failures bigint NOT NULL DEFAULT 0,
    CONSTRAINT queue_metric_sample_once UNIQUE (sampled_at, queue_name)
);
CREATE INDEX queue_metric_sample_at ON queue_metric_sample (sampled_at DESC);

CREATE FUNCTION fn_queue_metrics_sample(p_now timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Record one sample per queue (and '*') for the minute ending at p_now; keep 7 days.
DECLARE
    v_at timestamptz := date_trunc('minute', p_now);
    v_since timestamptz;
    v_window integer;
    v_rows integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.metrics_sample')) THEN
        RETURN jsonb_build_object('status', 'busy');
    END IF;
    SELECT max(sampled_at) INTO v_since FROM queue_metric_sample WHERE queue_name = '*';
    IF v_since >= v_at THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'sampled_at', v_since);
    END IF;
    v_since := greatest(coalesce(v_since, v_at - interval '1 minute'), v_at - interval '1 hour');
    v_window := extract(epoch FROM v_at - v_since)::integer;
    INSERT INTO queue_metric_sample (sampled_at, queue_name, window_seconds, ready, running, succeeded, dead)
    SELECT v_at, q.queue_name, v_window,
           (SELECT count(*) FROM job_queue j WHERE j.status = 'queued' AND j.queue_name = q.queue_name AND j.run_at <= p_now),
           (SELECT count(*) FROM job_queue j WHERE j.status = 'running' AND j.queue_name = q.queue_name),
           (SELECT count(*) FROM job_queue j WHERE j.finished_at >= v_since AND j.finished_at < v_at
                                              AND j.status = 'succeeded' AND j.queue_name = q.queue_name),
           (SELECT count(*) FROM job_dead_letter d WHERE d.dead_at >= v_since AND d.dead_at < v_at AND d.queue_name = q.queue_name)
    FROM queue_state q;
    INSERT INTO queue_metric_sample (sampled_at, queue_name, window_seconds, ready, running, succeeded, dead,
                                     events_emitted, events_pending, route_failures)
    SELECT v_at, '*', v_window, sum(ready), sum(running), sum(succeeded), sum(dead),
           (SELECT count(*) FROM event_outbox e WHERE e.created_at >= v_since AND e.created_at < v_at),
           fn_capped_count('SELECT 1 FROM event_pending WHERE processed_at IS NULL', 1000000),
           (SELECT count(*) FROM iu_route_attempt a WHERE a.started_at >= v_since AND a.started_at < v_at AND a.status = 'failed')
    FROM queue_metric_sample WHERE sampled_at = v_at AND queue_name <> '*';
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    DELETE FROM queue_metric_sample WHERE sampled_at < p_now - interval '7 days';
    RETURN jsonb_build_object('status', 'sampled', 'sampled_at', v_at, 'window_seconds', v_window);
END;
$$;

INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.metrics_sample', 'pg_worker', 'maintenance', 'no_retry', 'queuegov.builtin.metrics_sample', 'record the dashboard''s time series');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.metrics_sample', '* * * * *', 'queuegov.metrics_sample', 'maintenance', 'dashboard samples every minute');
