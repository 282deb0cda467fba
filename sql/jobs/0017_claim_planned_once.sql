-- Why: a claim was planned afresh on every call. fn_job_claim_pick ran with
-- plan_cache_mode force_custom_plan so that one statement could fold its queue
-- predicate (no queue, one queue, several) into the index each case walks
-- (sql/jobs/0010). Planning that statement (a pick, an UPDATE and the jsonb
-- answer over a table with nine indexes) took 0.1 ms of a claim on a busy
-- backend and about 0.5 ms on one that had been waiting for work, which is
-- where a woken worker claims: in bench/queue_bench.py (d), alternating runs
-- before and after this file, pickup p50 went from 1.87 and 2.17 ms to 1.35
-- and 1.69 ms (bench/README.md).
--
-- Each statement now has one plan for every call (force_generic_plan): the pick
-- is written in two forms, one queue (walks job_queue_claim) and no queue or
-- several (walks job_queue_ready), so neither depends on the arguments to
-- choose its index; the lease UPDATE and the answer, written once, find the
-- picked rows by primary key. A generic plan is made without the argument
-- values, and "p_job_kinds IS NULL OR …" then looks as if it kept one row in
-- twenty thousand: the planner read every queued job of the class from a
-- bitmap and sorted them (12 ms a claim of 50 among 20,000), and with
-- statistics taken while the table was small it read the whole table for the
-- UPDATE's ids. So the function also keeps the planner off sorts, bitmaps and
-- sequential scans (enable_sort, enable_bitmapscan, enable_seqscan off): what
-- is left is the ordered index walk that stops at the LIMIT, and the primary
-- key (tests/jobs/test_stale_statistics.py counts the scans and the index
-- entries each claim reads). A claim of no queue at all (an empty list) reads
-- nothing, and an empty poll stops after the pick. JIT is off too: a method
-- turned off is still possible at a cost of 10^10, and a plan that used one
-- would cost more than jit_above_cost and be compiled with LLVM on every call
-- (7.6 ms a claim, measured with jit_above_cost 0; tests/queuegov/test_planner_settings.py).
CREATE OR REPLACE FUNCTION fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval) RETURNS jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
-- Pick up to p_limit queued jobs of the class in claim order (priority, run_at,
-- id), skipping rows another claimer holds, and lease them to p_worker_id: the
-- attempt number (the fencing token, docs/workers.md) goes up by one. Answers
-- the leased jobs as a jsonb array in claim order.
DECLARE
    v_ids  bigint[];
    v_jobs jsonb;
BEGIN
    IF cardinality(p_queues) = 0 THEN  -- an empty list names no queue (a generic plan would walk them all)
        RETURN '[]'::jsonb;
    ELSIF cardinality(p_queues) = 1 THEN  -- one queue: its own claim order in job_queue_claim
        v_ids := ARRAY(
            SELECT id FROM job_queue
             WHERE status = 'queued' AND queue_name = p_queues[1] AND run_at <= now()
               AND executor_class = p_executor_class AND queue_name <> ALL (p_paused)
               AND (p_job_kinds IS NULL OR job_kind = ANY (p_job_kinds))
             ORDER BY priority DESC, run_at, id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    ELSE  -- every queue, or several: the class's claim order in job_queue_ready
        v_ids := ARRAY(
            SELECT id FROM job_queue
             WHERE status = 'queued' AND run_at <= now() AND executor_class = p_executor_class
               AND (p_queues IS NULL OR queue_name = ANY (p_queues)) AND queue_name <> ALL (p_paused)
               AND (p_job_kinds IS NULL OR job_kind = ANY (p_job_kinds))
             ORDER BY priority DESC, run_at, id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    END IF;
    IF cardinality(v_ids) = 0 THEN
        RETURN '[]'::jsonb;
    END IF;
    WITH claimed AS (
        UPDATE job_queue j
           SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
               lease_until = now() + p_lease, started_at = now()
         WHERE j.id = ANY (v_ids)
        RETURNING j.id, j.job_kind, j.queue_name, j.payload, j.attempts, j.max_attempts, j.lease_until,
                  j.correlation_id, j.priority, j.run_at
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', id, 'job_kind', job_kind, 'queue_name', queue_name, 'payload', payload,
               'attempt', attempts, 'max_attempts', max_attempts, 'lease_until', lease_until,
               'correlation_id', correlation_id, 'priority', priority)
               ORDER BY priority DESC, run_at, id), '[]'::jsonb)
      INTO v_jobs FROM claimed;
    RETURN v_jobs;
END;
$$;
