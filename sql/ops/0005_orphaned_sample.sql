-- Why: v_orphaned_work read up to 10,000 ready jobs per class, and at
-- 1,000,000 jobs with no executor serving a class those were 10,000 random heap
-- reads: 300 ms of a 490 ms health check, which the dashboard and /metrics run
-- on every page (bench/admin_volume.py). 1,000 jobs in claim order show the
-- same orphans: a job nobody claims stays at the front of its class
-- (docs/executors.md, "Orphaned work"). Same columns, so fn_queue_health is
-- unchanged.

CREATE OR REPLACE VIEW v_orphaned_work AS
-- One row per (executor class, job kind) with ready jobs older than
-- queue.health.orphan_after_seconds, outside paused queues, that no fresh
-- executor claims (its class, its kinds and its queues all cover the job).
-- Per class it reads at most the 1,000 oldest such jobs in claim order: a
-- job nobody claims stays at the front, so a class whose first 1,000 old
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
           LIMIT 1000) w
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

-- The health probes are small ordered index walks under LIMITs and caps; the
-- planner's low row estimates made it pick bitmap scans that read every
-- matching heap block first (v_orphaned_work: 25,000 blocks for 1,000 rows).
-- Without them, at 1,000,000 jobs and events: 120-190 ms near the head (was
-- 270-320 ms), 250-320 ms with every route cursor at 0 (was 490-660 ms).
ALTER FUNCTION fn_queue_health() SET enable_bitmapscan = off;
