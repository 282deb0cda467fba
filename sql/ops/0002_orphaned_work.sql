-- Why: a job of a class that no live executor serves waits forever; health says
-- so, so `manage.py queue_health` exits 1 and /metrics shows it
-- (docs/executors.md, "Orphaned work"). An executor says which class it serves
-- in its heartbeat's meta ("class"): the Python worker and queuegov_executor do.

SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_config_guard_set(false);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description) VALUES
    ('queue.health.orphan_after_seconds', '60', 'setting', 'integer', 1, 31536000,
     'a ready job of a class no fresh executor serves, waiting longer than this, is unhealthy');
SELECT fn_config_guard_set(true);

CREATE VIEW v_orphaned_work AS
-- One row per executor class with ready jobs (outside paused queues) waiting
-- longer than the setting and no fresh executor serving it. The class's ready index (job_queue_ready) answers
-- both probes without reading other classes' jobs.
SELECT e.code AS executor_class,
       e.executor_kind,
       ARRAY(SELECT c.job_kind FROM consumer_registry c
              WHERE c.executor_class = e.code AND c.status = 'active' ORDER BY 1) AS job_kinds,
       fn_capped_count(format('SELECT 1 FROM job_queue WHERE executor_class = %L AND status = %L AND run_at <= now()',
                              e.code, 'queued'), 100000) AS ready,
       (SELECT min(j.run_at) FROM job_queue j
         WHERE j.executor_class = e.code AND j.status = 'queued' AND j.run_at <= now()) AS oldest_run_at
  FROM executor_class_registry e
 WHERE NOT EXISTS (SELECT 1 FROM queue_heartbeat h
                    WHERE h.meta ->> 'class' = e.code AND h.status = 'fresh'
                      AND h.last_beat_at >= now() - make_interval(secs => fn_setting_int('queue.heartbeat.stale_after_seconds')))
   AND EXISTS (SELECT 1 FROM job_queue j
                WHERE j.executor_class = e.code AND j.status = 'queued'
                  AND j.run_at <= now() - make_interval(secs => fn_setting_int('queue.health.orphan_after_seconds'))
                  -- a paused queue waits by decision, not for want of an executor
                  AND j.queue_name NOT IN (SELECT q.queue_name FROM queue_state q WHERE q.paused));

COMMENT ON VIEW v_orphaned_work IS
    'Executor classes with ready jobs no fresh executor serves (docs/executors.md); a health problem.';

CREATE OR REPLACE FUNCTION fn_queue_health() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- {"healthy": bool, "problems": [...], "rows": [...]} from v_queue_health and v_orphaned_work.
    WITH h AS (
        SELECT section, name, value, threshold, healthy, detail FROM v_queue_health
        UNION ALL
        SELECT 'orphaned_work', executor_class, ready, 0, false,
               jsonb_build_object('executor_kind', executor_kind, 'job_kinds', to_jsonb(job_kinds),
                                  'oldest_ready_seconds', extract(epoch FROM now() - oldest_run_at)::numeric(12, 1),
                                  'why', 'no fresh executor of this class (its heartbeat meta names the class)')
          FROM v_orphaned_work
    )
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
