-- Issue 17: a worker's calls on its own leases find their jobs by id, whatever the
-- statistics say (docs/architecture.md, "Implementation notes").
--
-- Each of these functions looks its jobs up by id with "status = 'running'" among
-- its conditions. That condition is the partial lease index's predicate
-- (job_queue_lease, WHERE status = 'running'), so the planner may read that index
-- instead of the primary key, and it does whenever the statistics say few jobs
-- run: on a server without autovacuum, statistics taken while the jobs were
-- queued. Measured: a 50-job ack among 20,000 running jobs read all 20,000 lease
-- index entries (5 ms instead of 0.2 ms), and a single fn_job_ack 1,500 among
-- 1,500. Written "(status = 'running') IS TRUE" (the same test: status is NOT
-- NULL), the condition no longer proves the index's predicate, so only the
-- primary key serves the lookup. The bodies are otherwise unchanged.


CREATE OR REPLACE FUNCTION fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL::jsonb, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_ack');
    PERFORM fn_payload_assert_size(p_result, 'result');
    UPDATE job_queue
       SET status = 'succeeded', result = p_result, finished_at = now(), last_worker_id = lease_owner,
           lease_owner = NULL, lease_until = NULL, last_error = NULL
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'succeeded', 'job_id', p_job_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[] DEFAULT NULL::jsonb[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- One statement for a worker's batch; refused ids are listed, never half-applied.
-- Speed: each row finds its attempt (and result) at its id's position in p_job_ids, so
-- the update joins nothing (a join made PostgreSQL copy every joined row whole for
-- its recheck machinery). Without p_results the result column is not written: a
-- running job's result is always NULL (only an ack writes one), and not writing it
-- spares a payload check per row.
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts)
       OR (p_results IS NOT NULL AND cardinality(p_results) <> cardinality(p_job_ids)) THEN
        RAISE EXCEPTION 'invalid_batch: job ids, attempts and results must have the same length' USING ERRCODE = 'QG004';
    END IF;
    -- One-based copies, so a position in p_job_ids is the same position in the others.
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    IF p_results IS NULL THEN
        WITH acked AS (
            UPDATE job_queue j
               SET status = 'succeeded', finished_at = now(), last_worker_id = j.lease_owner, lease_owner = NULL,
                   lease_until = NULL, last_error = NULL
             WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
               AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
            RETURNING j.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM acked;
    ELSE
        p_results := p_results[:];
        -- the same size cap as fn_job_ack (the key rule is the result column's DOMAIN)
        PERFORM fn_payload_assert_size(r, 'result') FROM unnest(p_results) AS r;
        WITH acked AS (
            UPDATE job_queue j
               SET status = 'succeeded', result = p_results[array_position(p_job_ids, j.id)], finished_at = now(),
                   last_worker_id = j.lease_owner, lease_owner = NULL, lease_until = NULL, last_error = NULL
             WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
               AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
            RETURNING j.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM acked;
    END IF;
    IF cardinality(v_ids) = cardinality(p_job_ids) THEN
        RETURN jsonb_build_object('status', 'succeeded', 'acked', cardinality(v_ids), 'refused', '[]'::jsonb);
    END IF;
    RETURN jsonb_build_object('status', 'partial', 'acked', cardinality(v_ids),
        'refused', (SELECT coalesce(jsonb_agg(fn_job_fence_refusal(u.id, p_worker_id, u.attempt)), '[]'::jsonb)
                    FROM unnest(p_job_ids, p_attempts) AS u(id, attempt)
                    WHERE u.id <> ALL (v_ids)));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_until timestamptz;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_heartbeat');
    PERFORM fn_job_lease_valid(p_lease_seconds);
    UPDATE job_queue SET lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING lease_until INTO v_until;
    IF v_until IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'extended', 'job_id', p_job_id, 'lease_until', v_until);
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_heartbeat_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer DEFAULT 300) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Extends the leases of (job, attempt) pairs the worker still holds; the rest are "lost".
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts) THEN
        RAISE EXCEPTION 'attempt_required: fn_job_heartbeat_many needs one attempt per job id (the fencing tokens the claim returned)'
            USING ERRCODE = 'QG004';
    END IF;
    PERFORM fn_job_lease_valid(p_lease_seconds);
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    WITH ext AS (
        UPDATE job_queue j SET lease_until = now() + make_interval(secs => p_lease_seconds)
         WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
           AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
        RETURNING j.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM ext;
    RETURN jsonb_build_object('status', 'extended', 'extended', to_jsonb(v_ids),
        'lost', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT unnest(v_ids))));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_release_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- A worker gives back (job, attempt) pairs it never started. The attempt keeps its
-- number (a fencing token is never handed out twice) and is not counted.
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts) THEN
        RAISE EXCEPTION 'attempt_required: fn_job_release_many needs one attempt per job id (the fencing tokens the claim returned)'
            USING ERRCODE = 'QG004';
    END IF;
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    WITH released AS (
        UPDATE job_queue j
           SET status = 'queued', released_attempts = j.released_attempts + 1, lease_owner = NULL,
               lease_until = NULL, run_at = now()
         WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
           AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
        RETURNING j.id, j.attempts
    ), kept AS (
        INSERT INTO job_attempt (job_id, attempt, worker_id, outcome)
        SELECT id, attempts, p_worker_id, 'released' FROM released
        ON CONFLICT DO NOTHING
        RETURNING job_id
    )
    SELECT coalesce(array_agg(job_id), '{}') INTO v_ids FROM kept;
    RETURN jsonb_build_object('status', 'released', 'released', cardinality(v_ids),
        'refused', (SELECT coalesce(jsonb_agg(fn_job_fence_refusal(u.id, p_worker_id, u.attempt)), '[]'::jsonb)
                    FROM unnest(p_job_ids, p_attempts) AS u(id, attempt)
                    WHERE u.id <> ALL (v_ids)));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Retry with the policy's backoff, or dead-letter when the attempts that ran are exhausted.
DECLARE
    j job_queue%ROWTYPE;
    v_error text := left(coalesce(p_error, 'unknown error'), 10000);
    v_dl bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_fail_or_retry');
    SELECT * INTO j FROM job_queue
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
    VALUES (j.id, j.attempts, j.lease_owner, j.started_at, 'failed', v_error)
    ON CONFLICT DO NOTHING;
    IF j.attempts - j.released_attempts >= j.max_attempts THEN
        UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                             last_error = v_error
         WHERE id = p_job_id RETURNING * INTO j;
        v_dl := fn_job_to_dead_letter(j, v_error);
        RETURN jsonb_build_object('status', 'dead', 'job_id', p_job_id, 'dead_letter_id', v_dl, 'attempts', j.attempts);
    END IF;
    UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                         run_at = now() + fn_retry_delay(j.retry_policy, j.attempts - j.released_attempts)
     WHERE id = p_job_id RETURNING * INTO j;
    RETURN jsonb_build_object('status', 'retry', 'job_id', p_job_id, 'run_at', j.run_at, 'attempts', j.attempts);
END;
$$;


-- The claim's UPDATE finds the picked rows by primary key. Joined to the picked
-- rows ("FROM picked WHERE j.id = picked.id") it was planned as a hash join over a
-- sequential scan of job_queue whenever the table was small enough for the planner
-- to prefer it: 1.4 ms of a 3 ms claim of 50 among 5,000 queued jobs, measured.
CREATE OR REPLACE FUNCTION fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval) RETURNS jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
-- Pick up to p_limit queued jobs of the class in claim order (priority, run_at,
-- id), skipping rows another claimer holds, and lease them to p_worker_id: the
-- attempt number (the fencing token, docs/workers.md) goes up by one. Answers
-- the leased jobs as a jsonb array in claim order.
DECLARE
    v_jobs jsonb;
BEGIN
    WITH picked AS (
        SELECT id FROM job_queue
         WHERE status = 'queued' AND run_at <= now() AND executor_class = p_executor_class
           AND (p_queues IS NULL
                OR (cardinality(p_queues) = 1 AND queue_name = p_queues[1])
                OR (cardinality(p_queues) > 1 AND queue_name = ANY (p_queues)))
           AND queue_name <> ALL (p_paused)
           AND (p_job_kinds IS NULL OR job_kind = ANY (p_job_kinds))
         ORDER BY priority DESC, run_at, id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE job_queue j
           SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
               lease_until = now() + p_lease, started_at = now()
         WHERE j.id = ANY (ARRAY(SELECT id FROM picked))
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
