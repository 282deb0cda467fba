-- Why: fencing tokens that are never reused, and every attempt of a job kept
-- (docs/workers.md).
--
-- * The attempt number a claim returns is the fencing token: heartbeat, ack,
--   fail and release all require it, the _many forms included, and it never
--   goes down. Releasing an unstarted job used to decrement `attempts`, so the
--   next claim of the same job by the same worker got the same number back and
--   a stale call could act on the newer claim. Now a release counts the attempt
--   in `released_attempts` instead; the retry budget is the attempts that ran,
--   `attempts - released_attempts`.
-- * job_attempt keeps every attempt that ended without succeeding (failed,
--   lease_expired, released, cancelled) with its worker, times and error; the
--   running or succeeded attempt is the job row itself (`last_worker_id` names
--   the worker of a finished attempt), so the drain's hot path writes no extra
--   row. job_attempt_history is the two together. Dead letters carry the
--   history; retention archives it with its job, and keeps the job's result.

-- ---------------------------------------------------------------------------
-- Columns and the attempt table
-- ---------------------------------------------------------------------------
ALTER TABLE job_queue
    ADD COLUMN released_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_worker_id text;
-- NOT VALID: every existing row has the default 0, which satisfies it, and validating would
-- scan job_queue under the migration's exclusive lock (workers wait); new writes are checked.
ALTER TABLE job_queue ADD CONSTRAINT released_attempts_in_range
    CHECK (released_attempts BETWEEN 0 AND attempts) NOT VALID;
COMMENT ON COLUMN job_queue.attempts IS 'Claims so far: the attempt number and fencing token of the latest claim; never decreases.';
COMMENT ON COLUMN job_queue.released_attempts IS 'Claims given back unstarted (fn_job_release_many); not counted against max_attempts.';
COMMENT ON COLUMN job_queue.last_worker_id IS 'The worker of the latest attempt once it succeeded (lease_owner while it runs).';

CREATE TABLE job_attempt (
    job_id      bigint NOT NULL,
    attempt     integer NOT NULL,
    worker_id   text,
    started_at  timestamptz,
    finished_at timestamptz NOT NULL DEFAULT now(),
    outcome     text NOT NULL CONSTRAINT job_attempt_outcome_allowed CHECK (outcome IN (
        'failed',         -- the handler raised (fn_job_fail_or_retry)
        'lease_expired',  -- the worker did not finish before its lease ran out (the reaper)
        'released',       -- given back unstarted (fn_job_release_many); not counted
        'cancelled'       -- cancelled while running
    )),
    error       text,
    -- 'module.Class' of an error written 'module.Class: message\ntraceback' (the worker's form).
    error_class text GENERATED ALWAYS AS (substring(error FROM '^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+):')) STORED,
    PRIMARY KEY (job_id, attempt)
);
COMMENT ON TABLE job_attempt IS 'Attempts of live jobs that ended without succeeding; see job_attempt_history for all of them.';

ALTER TABLE job_dead_letter ADD COLUMN attempt_history jsonb NOT NULL DEFAULT '[]';
COMMENT ON COLUMN job_dead_letter.attempt_history IS 'Every attempt of the job when it died (job_attempt_history rows).';
-- result is plain jsonb: it was checked when written to job_queue.result, and a DOMAIN with a
-- CHECK would make ADD COLUMN rewrite the whole archive.
ALTER TABLE job_archive
    ADD COLUMN result jsonb,
    ADD COLUMN attempt_history jsonb NOT NULL DEFAULT '[]';
COMMENT ON COLUMN job_archive.attempt_history IS 'Every attempt of the job when it was archived (job_attempt_history rows).';

CREATE VIEW job_attempt_history AS
    SELECT a.job_id, a.attempt, a.worker_id, a.started_at, a.finished_at, a.outcome, a.error_class, a.error
      FROM job_attempt a
    UNION ALL
    SELECT j.id, j.attempts, coalesce(j.lease_owner, j.last_worker_id), j.started_at,
           CASE WHEN j.status = 'succeeded' THEN j.finished_at END, j.status::text, NULL, NULL
      FROM job_queue j
     WHERE j.status IN ('running', 'succeeded');
COMMENT ON VIEW job_attempt_history IS 'Every attempt of every live job: job_attempt plus the running or succeeded attempt held in job_queue.';

CREATE FUNCTION fn_job_attempt_history(p_job_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- A live job's attempts as a jsonb array in attempt order (dead letters and archive rows keep this).
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'attempt', h.attempt, 'worker_id', h.worker_id, 'started_at', h.started_at,
               'finished_at', h.finished_at, 'outcome', h.outcome, 'error_class', h.error_class, 'error', h.error)
               ORDER BY h.attempt), '[]'::jsonb)
      FROM job_attempt_history h WHERE h.job_id = p_job_id
$$;

CREATE FUNCTION fn_job_lease_valid(p_lease_seconds integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    -- The claim's rule: a NULL lease would leave a job running with no lease_until, which no reaper finds.
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        RAISE EXCEPTION 'invalid_lease: lease must be between 1 and 86400 seconds, not %', p_lease_seconds
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

CREATE FUNCTION fn_job_attempt_required(p_attempt integer, p_call text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_attempt IS NULL THEN
        RAISE EXCEPTION 'attempt_required: % needs the attempt number the claim returned (the fencing token)', p_call
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

-- Why a fenced call was refused. A call repeated after a lost connection (the
-- first one committed, its answer never arrived) is told so with "already":
-- the attempt it names was already acked, failed or released by this worker.
CREATE OR REPLACE FUNCTION fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    j record;
    v_found boolean;
    v_done text;
BEGIN
    SELECT status, lease_owner, attempts, last_worker_id INTO j FROM job_queue WHERE id = p_job_id;
    v_found := FOUND;
    IF v_found AND j.status = 'succeeded' AND j.attempts = p_attempt AND j.last_worker_id = p_worker_id THEN
        v_done := 'succeeded';
    ELSIF v_found THEN
        SELECT a.outcome INTO v_done FROM job_attempt a
         WHERE a.job_id = p_job_id AND a.attempt = p_attempt AND a.worker_id = p_worker_id
           AND a.outcome IN ('failed', 'released');
    END IF;
    IF v_done IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'already', v_done, 'reason',
            format('already_%s: attempt %s of job %s was already %s by this worker', v_done, p_attempt, p_job_id,
                   CASE v_done WHEN 'succeeded' THEN 'acked' ELSE v_done END));
    END IF;
    IF NOT v_found OR (NOT fn_caller_names_actor() AND j.lease_owner IS DISTINCT FROM p_worker_id
                     AND coalesce(j.lease_owner, '') NOT LIKE session_user || '/%') THEN
        RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason',
            CASE WHEN fn_caller_names_actor() THEN 'unknown_job: no job ' || p_job_id
                 ELSE format('lease_lost: job %s is not leased to %s', p_job_id, session_user) END);
    END IF;
    RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason',
        CASE
            WHEN j.status <> 'running' THEN format('lease_lost: job %s is %s, not running', p_job_id, j.status)
            WHEN j.lease_owner <> p_worker_id THEN format('lease_lost: job %s is leased by %s, not %s', p_job_id, j.lease_owner, p_worker_id)
            ELSE format('lease_lost: job %s is on attempt %s, not %s', p_job_id, j.attempts, p_attempt)
        END);
END;
$$;

CREATE FUNCTION fn_job_leases_unbound(p_worker_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- The (job, attempt) pairs leased to a worker: what it re-checks after reconnecting.
    SELECT jsonb_build_object('status', 'ok', 'leases', coalesce(jsonb_agg(
               jsonb_build_object('id', id, 'attempt', attempts, 'lease_until', lease_until) ORDER BY id), '[]'::jsonb))
      FROM job_queue WHERE status = 'running' AND lease_owner = p_worker_id
$$;

-- ---------------------------------------------------------------------------
-- Fenced lease operations: the attempt is required and never reused
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300,
                                                    p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_until timestamptz;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_heartbeat');
    PERFORM fn_job_lease_valid(p_lease_seconds);
    UPDATE job_queue SET lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING lease_until INTO v_until;
    IF v_until IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'extended', 'job_id', p_job_id, 'lease_until', v_until);
END;
$$;

CREATE FUNCTION fn_job_heartbeat_many_fenced(p_worker_id text, p_job_ids bigint[], p_attempts integer[],
                                             p_lease_seconds integer DEFAULT 300) RETURNS jsonb
LANGUAGE plpgsql AS $$
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
         WHERE j.id = ANY (p_job_ids) AND j.status = 'running' AND j.lease_owner = p_worker_id
           AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
        RETURNING j.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM ext;
    RETURN jsonb_build_object('status', 'extended', 'extended', to_jsonb(v_ids),
        'lost', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT unnest(v_ids))));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL,
                                              p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_ack');
    PERFORM fn_payload_assert_size(p_result, 'result');
    UPDATE job_queue
       SET status = 'succeeded', result = p_result, finished_at = now(), last_worker_id = lease_owner,
           lease_owner = NULL, lease_until = NULL, last_error = NULL
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'succeeded', 'job_id', p_job_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[],
                                                   p_results jsonb[] DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
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
             WHERE j.id = ANY (p_job_ids) AND j.status = 'running' AND j.lease_owner = p_worker_id
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
             WHERE j.id = ANY (p_job_ids) AND j.status = 'running' AND j.lease_owner = p_worker_id
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

CREATE OR REPLACE FUNCTION fn_job_to_dead_letter(p_job job_queue, p_error text) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Snapshot a job (already marked dead, its last attempt already in job_attempt) into job_dead_letter.
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO job_dead_letter (job_id, job_kind, queue_name, attempts, max_attempts, last_error, job_snapshot,
                                 attempt_history)
    VALUES (p_job.id, p_job.job_kind, p_job.queue_name, p_job.attempts, p_job.max_attempts, p_error,
            to_jsonb(p_job) - 'result', fn_job_attempt_history(p_job.id))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text,
                                                        p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Retry with the policy's backoff, or dead-letter when the attempts that ran are exhausted.
DECLARE
    j job_queue%ROWTYPE;
    v_error text := left(coalesce(p_error, 'unknown error'), 10000);
    v_dl bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_fail_or_retry');
    SELECT * INTO j FROM job_queue
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id AND attempts = p_attempt
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

CREATE FUNCTION fn_job_release_many_fenced(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
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
         WHERE j.id = ANY (p_job_ids) AND j.status = 'running' AND j.lease_owner = p_worker_id
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

CREATE OR REPLACE FUNCTION fn_job_lease_reaper(p_limit integer DEFAULT 1000) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    j job_queue%ROWTYPE;
    v_requeued integer := 0;
    v_dead integer := 0;
    v_error text;
BEGIN
    IF NOT fn_gate_open('queue.lease_reaper.enabled') THEN
        RETURN fn_gate_closed_result('queue.lease_reaper.enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.lease_reaper')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another lease reaper is running');
    END IF;
    FOR j IN
        SELECT * FROM job_queue WHERE status = 'running' AND lease_until < now()
        ORDER BY lease_until LIMIT p_limit FOR UPDATE SKIP LOCKED
    LOOP
        v_error := format('lease_expired: worker %s did not finish attempt %s before %s', j.lease_owner, j.attempts, j.lease_until);
        INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
        VALUES (j.id, j.attempts, j.lease_owner, j.started_at, 'lease_expired', v_error)
        ON CONFLICT DO NOTHING;
        IF j.attempts - j.released_attempts >= j.max_attempts THEN
            UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                                 last_error = v_error
             WHERE id = j.id RETURNING * INTO j;
            PERFORM fn_job_to_dead_letter(j, v_error);
            v_dead := v_dead + 1;
        ELSE
            UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                                 run_at = now() + fn_retry_delay(j.retry_policy, j.attempts - j.released_attempts)
             WHERE id = j.id;
            v_requeued := v_requeued + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_requeued + v_dead = 0 THEN 'nothing_to_do' ELSE 'reaped' END,
                              'requeued', v_requeued, 'dead', v_dead);
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: cancelling jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    -- Rows are locked first, in id order (as every writer of job_attempt locks the job
    -- before it writes the attempt: no deadlock with a worker failing the same attempt);
    -- a running attempt then ends as 'cancelled' in the history (its late ack is refused).
    WITH locked AS (
        SELECT id, status, attempts, lease_owner, started_at FROM job_queue
         WHERE id = ANY (p_job_ids) AND status IN ('queued', 'running')
         ORDER BY id FOR UPDATE
    ), c AS (
        UPDATE job_queue j
           SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL,
               last_error = format('cancelled by %s: %s', v_actor, btrim(p_reason))
          FROM locked l WHERE j.id = l.id
        RETURNING j.id
    ), kept AS (
        INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT id, attempts, lease_owner, started_at, 'cancelled', format('cancelled by %s: %s', v_actor, btrim(p_reason))
          FROM locked WHERE status = 'running'
        ON CONFLICT DO NOTHING
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM c;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'cancelled' END,
        'cancelled', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)),
        'unknown', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT id FROM job_queue WHERE id = ANY (p_job_ids))));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: retrying jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    WITH r AS (
        UPDATE job_queue
           SET status = 'queued', run_at = now(), finished_at = NULL,
               max_attempts = greatest(max_attempts, attempts - released_attempts + 1),
               last_error = CASE WHEN status = 'cancelled'
                                 THEN format('requeued by %s: %s (was: %s)', v_actor, btrim(p_reason), last_error)
                                 ELSE last_error END
         WHERE id = ANY (p_job_ids) AND status IN ('queued', 'cancelled')
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM r;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'requeued' END,
        'requeued', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status,
                        'why', CASE status WHEN 'dead' THEN 'dead jobs are replayed from their dead letter'
                                           WHEN 'running' THEN 'already running'
                                           ELSE 'already finished' END) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)));
END;
$$;

-- ---------------------------------------------------------------------------
-- The public lease API, bound to the login (as in 0008): the _many forms take
-- the attempts; the old signatures are dropped (an incompatible change: an
-- executor that sends no attempts must not keep working unfenced).
-- ---------------------------------------------------------------------------
DROP FUNCTION fn_job_heartbeat_many(text, bigint[], integer);
DROP FUNCTION fn_job_heartbeat_many_unbound(text, bigint[], integer);
DROP FUNCTION fn_job_release_many(text, bigint[]);
DROP FUNCTION fn_job_release_many_unbound(text, bigint[]);
ALTER FUNCTION fn_job_heartbeat_many_fenced(text, bigint[], integer[], integer) RENAME TO fn_job_heartbeat_many_unbound;
ALTER FUNCTION fn_job_release_many_fenced(text, bigint[], integer[]) RENAME TO fn_job_release_many_unbound;

CREATE FUNCTION fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[],
                                      p_lease_seconds integer DEFAULT 300) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_heartbeat_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts, p_lease_seconds);
END;
$$;

CREATE FUNCTION fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_release_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts);
END;
$$;

CREATE FUNCTION fn_job_leases(p_worker_id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_leases_unbound(fn_worker_ref(p_worker_id));
END;
$$;

-- ---------------------------------------------------------------------------
-- Retention: an archived job keeps its result and its attempts
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_queue_retention_unaudited(p_apply boolean DEFAULT false, p_batch_size integer DEFAULT 5000,
                                                        p_max_batches integer DEFAULT 20, p_now timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Dry run (default) counts what each pass would do; apply (gated) does it.
DECLARE
    v_hot interval := make_interval(days => fn_setting_int('queue.retention.hot_days')::integer);
    v_archive interval := make_interval(days => fn_setting_int('queue.retention.archive_days')::integer);
    v_dlq interval := make_interval(days => fn_setting_int('queue.retention.dlq_days')::integer);
    v_archived bigint := 0;
    v_purged bigint := 0;
    v_dlq_deleted bigint := 0;
    v_route_dlq_deleted bigint := 0;
    v_n integer;
    v_partitions text[] := '{}';
    v_dropped text[] := '{}';
    v_skipped text[] := '{}';
    v_part record;
    v_name text;
    v_cutoff timestamptz := date_trunc('month', p_now - v_archive);
BEGIN
    FOR v_part IN
        SELECT c.relname::text AS name
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'event_outbox'::regclass AND c.relname ~ '^event_outbox_[0-9]{6}$'
          AND to_date(right(c.relname, 6), 'YYYYMM') + interval '1 month' <= v_cutoff
        ORDER BY c.relname
    LOOP
        v_partitions := v_partitions || v_part.name;
    END LOOP;

    IF NOT p_apply THEN
        RETURN jsonb_build_object(
            'status', 'dry_run',
            'jobs_to_archive', fn_capped_count(format(
                'SELECT 1 FROM job_queue WHERE status IN (''succeeded'', ''cancelled'', ''dead'') AND finished_at < %L',
                p_now - v_hot), 1000000),
            'archived_jobs_to_purge', fn_capped_count(format('SELECT 1 FROM job_archive WHERE archived_at < %L', p_now - v_archive), 1000000),
            'job_dead_letters_to_delete', fn_capped_count(format('SELECT 1 FROM job_dead_letter WHERE dead_at < %L', p_now - v_dlq), 1000000),
            'route_dead_letters_to_delete', fn_capped_count(format(
                'SELECT 1 FROM iu_route_dead_letter WHERE dead_at < %L AND triage_status IN (''discarded'', ''replayed'')', p_now - v_dlq), 1000000),
            'event_partitions_to_drop', to_jsonb(v_partitions));
    END IF;

    IF NOT fn_gate_open('queue.retention.enabled') THEN
        RETURN fn_gate_closed_result('queue.retention.enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.retention')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another retention run is in progress');
    END IF;
    -- Never wait long for a lock: a busy table is retried on the next run.
    PERFORM set_config('lock_timeout', '2s', true);

    FOR i IN 1 .. p_max_batches LOOP
        -- The history is read before the delete (the statement's snapshot sees the rows), then
        -- the job's ended attempts leave job_attempt with it.
        WITH victims AS (
            SELECT id FROM job_queue
            WHERE status IN ('succeeded', 'cancelled', 'dead') AND finished_at < p_now - v_hot
            ORDER BY finished_at LIMIT p_batch_size
            FOR UPDATE SKIP LOCKED
        ), history AS (
            SELECT v.id, fn_job_attempt_history(v.id) AS attempts FROM victims v
        ), moved AS (
            DELETE FROM job_queue j USING victims v WHERE j.id = v.id
            RETURNING j.*
        ), gone AS (
            DELETE FROM job_attempt a USING victims v WHERE a.job_id = v.id
        )
        INSERT INTO job_archive (id, job_kind, queue_name, status, attempts, created_at, finished_at, archived_at, snapshot,
                                 result, attempt_history)
        SELECT m.id, m.job_kind, m.queue_name, m.status, m.attempts, m.created_at, m.finished_at, p_now,
               to_jsonb(m) - 'result', m.result, h.attempts
        FROM moved m JOIN history h ON h.id = m.id
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_archived := v_archived + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    FOR i IN 1 .. p_max_batches LOOP
        DELETE FROM job_archive WHERE id IN (
            SELECT id FROM job_archive WHERE archived_at < p_now - v_archive LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_purged := v_purged + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    DELETE FROM job_dead_letter WHERE id IN (
        SELECT id FROM job_dead_letter WHERE dead_at < p_now - v_dlq LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_dlq_deleted = ROW_COUNT;

    -- Routing dead letters are kept while someone may still act on them.
    DELETE FROM iu_route_dead_letter WHERE id IN (
        SELECT id FROM iu_route_dead_letter
        WHERE dead_at < p_now - v_dlq AND triage_status IN ('discarded', 'replayed')
        LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_route_dlq_deleted = ROW_COUNT;

    -- Dropping a partition locks all of event_outbox (emits and route workers, never
    -- claims) until this transaction ends: wait briefly, and leave a busy outbox to
    -- the next run instead of undoing the work above.
    FOREACH v_name IN ARRAY v_partitions LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            EXECUTE format('DROP TABLE %I', v_name);
            v_dropped := v_dropped || v_name;
        EXCEPTION WHEN lock_not_available THEN
            v_skipped := v_skipped || v_name;
        END;
    END LOOP;
    IF cardinality(v_skipped) = 0 THEN
        -- The once-per-subject keys and inbox rows of the dropped events.
        DELETE FROM event_subject_key WHERE created_at < v_cutoff;
        DELETE FROM event_read WHERE event_created_at < v_cutoff;
    END IF;

    RETURN jsonb_build_object('status', 'applied', 'jobs_archived', v_archived, 'archived_jobs_purged', v_purged,
                              'job_dead_letters_deleted', v_dlq_deleted, 'route_dead_letters_deleted', v_route_dlq_deleted,
                              'event_partitions_dropped', to_jsonb(v_dropped),
                              'event_partitions_skipped', to_jsonb(v_skipped));
END;
$$;


REVOKE EXECUTE ON FUNCTION fn_job_attempt_history(bigint), fn_job_attempt_required(integer, text),
    fn_job_lease_valid(integer),
    fn_job_heartbeat_many_unbound(text, bigint[], integer[], integer),
    fn_job_release_many_unbound(text, bigint[], integer[]), fn_job_leases_unbound(text) FROM PUBLIC;
