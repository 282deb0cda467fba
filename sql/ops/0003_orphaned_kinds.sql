-- Why: orphaned work is found per job kind, not only per class
-- (docs/executors.md, "Orphaned work"). The project's worker claims only the
-- kinds of its class it has a handler for, and a standalone executor may be
-- started for some kinds or some queues: a live executor of the class does not
-- mean every ready job of it will be claimed. Every executor's heartbeat meta
-- names its "class", and the "kinds" and "queues" it claims (absent or null:
-- all of them; the Python worker writes "*" for every queue).

DROP VIEW v_orphaned_work;

CREATE VIEW v_orphaned_work AS
-- One row per (executor class, job kind) with ready jobs older than
-- queue.health.orphan_after_seconds, outside paused queues, that no fresh
-- executor claims (its class, its kinds and its queues all cover the job).
-- Per class it reads at most the 10,000 oldest such jobs in claim order: a
-- job nobody claims stays at the front, so a class whose first 10,000 old
-- ready jobs are all claimable has a backlog (its queue's age check says so)
-- rather than orphans. A class that a fresh executor serves for every queue
-- and every kind it has ever had is skipped without reading its jobs.
WITH served AS (
    SELECT h.meta ->> 'class' AS executor_class,
           CASE WHEN jsonb_typeof(h.meta -> 'kinds') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(h.meta -> 'kinds')) END AS kinds,
           CASE WHEN jsonb_typeof(h.meta -> 'queues') = 'array' AND NOT (h.meta -> 'queues') ? '*'
                THEN ARRAY(SELECT jsonb_array_elements_text(h.meta -> 'queues')) END AS queues
      FROM queue_heartbeat h
     WHERE h.status = 'fresh' AND h.meta ? 'class'
       AND h.last_beat_at >= now() - make_interval(secs => fn_setting_int('queue.heartbeat.stale_after_seconds'))
), paused AS (
    SELECT coalesce(array_agg(q.queue_name), '{}') AS queues FROM queue_state q WHERE q.paused
), waiting AS (
    SELECT e.code AS executor_class, e.executor_kind, w.job_kind, w.queue_name, w.run_at
      FROM executor_class_registry e
      CROSS JOIN paused p
      CROSS JOIN LATERAL (
          SELECT j.job_kind, j.queue_name, j.run_at
            FROM job_queue j
           WHERE j.executor_class = e.code AND j.status = 'queued'
             AND j.run_at <= now() - make_interval(secs => fn_setting_int('queue.health.orphan_after_seconds'))
             -- a paused queue waits by decision, not for want of an executor
             AND j.queue_name <> ALL (p.queues)
           ORDER BY j.priority DESC, j.run_at, j.id
           LIMIT 10000) w
     WHERE EXISTS (SELECT 1 FROM consumer_registry c
                    WHERE c.executor_class = e.code
                      AND NOT EXISTS (SELECT 1 FROM served s
                                       WHERE s.executor_class = e.code AND s.queues IS NULL
                                         AND (s.kinds IS NULL OR c.job_kind = ANY (s.kinds))))
)
SELECT w.executor_class, w.executor_kind, w.job_kind,
       count(*)::bigint AS ready,
       min(w.run_at) AS oldest_run_at,
       array_agg(DISTINCT w.queue_name ORDER BY w.queue_name) AS queues,
       EXISTS (SELECT 1 FROM served s WHERE s.executor_class = w.executor_class) AS class_served
  FROM waiting w
 WHERE NOT EXISTS (SELECT 1 FROM served s
                    WHERE s.executor_class = w.executor_class
                      AND (s.kinds IS NULL OR w.job_kind = ANY (s.kinds))
                      AND (s.queues IS NULL OR w.queue_name = ANY (s.queues)))
 GROUP BY w.executor_class, w.executor_kind, w.job_kind;

COMMENT ON VIEW v_orphaned_work IS
    'Job kinds with ready jobs no fresh executor claims (by class, kinds and queues in its heartbeat; docs/executors.md); a health problem.';

-- jit off: the probes are small index walks whose estimates (a LIMIT under a
-- lateral join) cross jit_above_cost; compiling them took 0.5-1.1 s of a 0.3 s
-- health check at 400,000 ready jobs.
CREATE OR REPLACE FUNCTION fn_queue_health() RETURNS jsonb
LANGUAGE sql STABLE SET jit = off AS $$
    -- {"healthy": bool, "problems": [...], "rows": [...]} from v_queue_health and v_orphaned_work.
    WITH h AS (
        SELECT section, name, value, threshold, healthy, detail FROM v_queue_health
        UNION ALL
        SELECT 'orphaned_work', job_kind, ready, 0, false,
               jsonb_build_object('executor_class', executor_class, 'executor_kind', executor_kind,
                                  'queues', to_jsonb(queues),
                                  'oldest_ready_seconds', extract(epoch FROM now() - oldest_run_at)::numeric(12, 1),
                                  'why', CASE WHEN class_served
                                              THEN 'no fresh executor of its class claims this kind on these queues'
                                              ELSE 'no fresh executor of its class' END)
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
