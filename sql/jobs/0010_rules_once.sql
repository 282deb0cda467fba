-- Why: one claim statement, and each rule of the job queue written once (issue 13).
--
-- * fn_job_claim_unbound wrote its pick-and-lease statement four times (no
--   queue, one queue, several queues, each capped executor class); only the
--   queue predicate, the kinds and the LIMIT differed. The statement is now
--   fn_job_claim_pick, written once and called for the uncapped kinds and for
--   each capped class. It is planned for its arguments on every call
--   (plan_cache_mode force_custom_plan), so the queue predicate folds to what
--   the old copies said and each case walks the index it walked before: no
--   queue or several queues job_queue_ready, one queue job_queue_claim.
-- * The priority range and the max_attempts range are their DOMAINs'
--   (qg_job_priority, qg_job_max_attempts, checked by fn_range_check, whose
--   refusal names the rule as before: `priority_in_range: priority must be
--   between -100 and 100, not 101`). The functions read them with
--   fn_domain_range instead of restating them; job_schedule.priority and
--   retry_policy_registry.max_attempts take the DOMAINs instead of their own
--   CHECKs (schedule_priority_in_range, retry_policy_max_attempts_in_range).
-- * Gates and settings are read through fn_gate_open / fn_setting_int, which
--   refuse a key that does not exist, instead of inline reads of dot_config,
--   where a mistyped key silently meant "closed forever" (docs/architecture.md,
--   "Governance"); the hot paths too: measured, a reader costs fn_job_enqueue
--   about 2 µs a call (1-3%), and fn_job_enqueue_many and the claim once per
--   batch. tests/sql/test_gate_reads.py checks every literal key any function reads.
-- * Long bodies are split so a later fix replaces a small function:
--   fn_job_enqueue's checked path is fn_job_enqueue_checked, fn_job_enqueue_many's
--   checks are fn_job_enqueue_many_checked.

-- ---------------------------------------------------------------------------
-- The ranges, once: in the DOMAINs
-- ---------------------------------------------------------------------------
-- NOT VALID: the rule is the one the dropped constraint held, so every stored
-- value satisfies it, and validating would scan job_queue under a lock that
-- stops enqueues and claims; new values are checked.
ALTER DOMAIN qg_job_priority DROP CONSTRAINT priority_in_range;
ALTER DOMAIN qg_job_priority ADD CONSTRAINT priority_in_range
    CHECK (fn_range_check('priority', VALUE, '[-100,100]')) NOT VALID;
ALTER DOMAIN qg_job_max_attempts DROP CONSTRAINT max_attempts_in_range;
ALTER DOMAIN qg_job_max_attempts ADD CONSTRAINT max_attempts_in_range
    CHECK (fn_range_check('max_attempts', VALUE, '[1,1000]')) NOT VALID;

ALTER TABLE job_schedule
    DROP CONSTRAINT schedule_priority_in_range,
    ALTER COLUMN priority TYPE qg_job_priority;
ALTER TABLE retry_policy_registry
    DROP CONSTRAINT retry_policy_max_attempts_in_range,
    ALTER COLUMN max_attempts TYPE qg_job_max_attempts;

-- ---------------------------------------------------------------------------
-- The claim statement, once
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_claim_pick(
    p_worker_id   text,
    p_queues      text[],   -- NULL: every queue
    p_paused      text[],
    p_skip_kinds  text[],   -- the capped kinds, when claiming the uncapped ones
    p_only_kinds  text[],   -- one capped class's kinds, or NULL
    p_limit       integer,
    p_lease       interval
) RETURNS jsonb
LANGUAGE plpgsql
-- Planned for its arguments on every call: the queue predicate then folds to
-- `queue_name = '<q>'` (one queue: job_queue_claim, walked in claim order),
-- `queue_name = ANY (...)` or nothing (job_queue_ready), as the four copies of
-- this statement in sql/jobs/0008 and 0009 said it. A generic plan would keep
-- the ORs and walk job_queue_ready for one queue too.
SET plan_cache_mode TO 'force_custom_plan'
AS $$
-- Pick up to p_limit queued jobs in claim order (priority, run_at, id), skipping
-- rows another claimer holds, and lease them to p_worker_id: the attempt number
-- (the fencing token, docs/workers.md) goes up by one. Answers the leased jobs
-- as a jsonb array in claim order.
DECLARE
    v_jobs jsonb;
BEGIN
    WITH picked AS (
        SELECT id FROM job_queue
         WHERE status = 'queued' AND run_at <= now()
           AND (p_queues IS NULL
                OR (cardinality(p_queues) = 1 AND queue_name = p_queues[1])
                OR (cardinality(p_queues) > 1 AND queue_name = ANY (p_queues)))
           AND queue_name <> ALL (p_paused)
           AND job_kind <> ALL (p_skip_kinds)
           AND (p_only_kinds IS NULL OR job_kind = ANY (p_only_kinds))
         ORDER BY priority DESC, run_at, id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE job_queue j
           SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
               lease_until = now() + p_lease, started_at = now()
          FROM picked WHERE j.id = picked.id
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

CREATE OR REPLACE FUNCTION fn_job_claim_unbound(
    p_worker_id     text,
    p_queues        text[]  DEFAULT NULL,
    p_batch_size    integer DEFAULT 1,
    p_lease_seconds integer DEFAULT 300
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- {"status": "claimed" | "empty", "jobs": [{id, job_kind, queue_name, payload, attempt, max_attempts,
--  lease_until, correlation_id, priority}]} or {"status": "gate_closed", ...}.
-- The uncapped kinds in one fn_job_claim_pick; then each capped executor class,
-- serialised per class so two claimers never both take the last free slot (a
-- class another claimer is serving is skipped).
DECLARE
    v_paused   text[];
    v_capped   text[];
    v_lease    interval;
    v_jobs     jsonb;
    v_got      jsonb;
    v_left     integer;
    v_class    record;
    v_slots    integer;
BEGIN
    IF NOT fn_gate_open('queue.worker.enabled') THEN
        RETURN fn_gate_closed_result('queue.worker.enabled');
    END IF;
    IF p_worker_id IS NULL OR length(p_worker_id) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid_worker_id: a worker id of 1..200 characters is required' USING ERRCODE = 'QG004';
    END IF;
    IF p_batch_size IS NULL OR p_batch_size NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid_batch_size: batch size must be between 1 and 1000, not %', p_batch_size USING ERRCODE = 'QG004';
    END IF;
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        RAISE EXCEPTION 'invalid_lease: lease must be between 1 and 86400 seconds, not %', p_lease_seconds USING ERRCODE = 'QG004';
    END IF;
    v_lease := make_interval(secs => p_lease_seconds);
    SELECT (SELECT coalesce(array_agg(queue_name), '{}') FROM queue_state WHERE paused),
           (SELECT coalesce(array_agg(c.job_kind), '{}')
              FROM consumer_registry c JOIN executor_class_registry e ON e.code = c.executor_class
             WHERE e.max_concurrency IS NOT NULL)
      INTO v_paused, v_capped;

    v_jobs := fn_job_claim_pick(p_worker_id, p_queues, v_paused, v_capped, NULL, p_batch_size, v_lease);

    v_left := p_batch_size - jsonb_array_length(v_jobs);
    IF v_left > 0 AND cardinality(v_capped) > 0 THEN
        FOR v_class IN
            SELECT e.code, e.max_concurrency, array_agg(c.job_kind) AS kinds
            FROM executor_class_registry e JOIN consumer_registry c ON c.executor_class = e.code
            WHERE e.max_concurrency IS NOT NULL
            GROUP BY e.code, e.max_concurrency
            ORDER BY e.code
        LOOP
            EXIT WHEN v_left <= 0;
            CONTINUE WHEN NOT EXISTS (
                SELECT 1 FROM job_queue
                WHERE status = 'queued' AND run_at <= now() AND job_kind = ANY (v_class.kinds)
                  AND (p_queues IS NULL OR queue_name = ANY (p_queues)) AND queue_name <> ALL (v_paused));
            CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtext('queuegov.executor_class'), hashtext(v_class.code));
            SELECT v_class.max_concurrency - count(*) INTO v_slots
            FROM job_queue WHERE status = 'running' AND job_kind = ANY (v_class.kinds);
            CONTINUE WHEN v_slots <= 0;
            v_got := fn_job_claim_pick(p_worker_id, p_queues, v_paused, '{}', v_class.kinds,
                                       least(v_slots, v_left), v_lease);
            v_jobs := v_jobs || v_got;
            v_left := v_left - jsonb_array_length(v_got);
        END LOOP;
    END IF;

    RETURN jsonb_build_object('status', CASE WHEN jsonb_array_length(v_jobs) > 0 THEN 'claimed' ELSE 'empty' END,
                              'jobs', v_jobs);
END;
$$;

-- ---------------------------------------------------------------------------
-- Enqueue: the fast path, then the checked path in its own function
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_job_enqueue(
    p_job_kind        text,
    p_payload         jsonb       DEFAULT '{}',
    p_queue_name      text        DEFAULT NULL,
    p_priority        integer     DEFAULT 0,
    p_run_at          timestamptz DEFAULT NULL,
    p_idempotency_key text        DEFAULT NULL,
    p_max_attempts    integer     DEFAULT NULL,
    p_correlation_id  text        DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "enqueued" | "duplicate", "job_id": N} or {"status": "gate_closed", ...}.
-- The common call (no idempotency key, a payload under the size cap, arguments in
-- range, an open gate, a registered queue) is one statement: the gate, the
-- consumer's defaults, the policy, the queue, the answer and the wake-up are all in
-- it. When that statement inserts nothing, fn_job_enqueue_checked finds out why and
-- says so, or inserts with the idempotency key.
DECLARE
    v_result jsonb;
    v_woken  boolean;
BEGIN
    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by)
        SELECT p_job_kind, q.queue_name, p_payload, p_priority, coalesce(p_run_at, now()),
               coalesce(p_max_attempts, p.max_attempts), p.code, p_correlation_id, fn_actor()
          FROM (SELECT) AS one
          LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
          JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
          JOIN queue_state q ON q.queue_name = coalesce(p_queue_name, c.queue_name, 'default')
         WHERE fn_gate_open('queue.job_substrate.enabled')
           AND fn_job_kind_open_to_caller(p_job_kind)
           -- the DOMAINs' ranges, folded to constants when this statement is planned
           AND p_priority <@ fn_domain_range('qg_job_priority')
           AND (p_max_attempts IS NULL OR p_max_attempts <@ fn_domain_range('qg_job_max_attempts'))
           AND jsonb_typeof(p_payload) = 'object'
           AND (p_run_at IS NULL OR (isfinite(p_run_at) AND p_run_at <= now() + interval '10 years'))
           AND (p_correlation_id IS NULL OR length(p_correlation_id) <= 200)
           -- the size cap is read only for a payload over 256 bytes (the smallest cap)
           AND (octet_length(p_payload::text) <= 256
                OR octet_length(p_payload::text)
                   <= fn_setting_int('queue.payload.max_bytes'))
        -- The answer and the wake-up come from RETURNING: a CTE and an outer query
        -- around the INSERT cost more than the rest of this statement's additions.
        RETURNING jsonb_build_object('status', 'enqueued', 'job_id', id),
                  fn_job_wake(queue_name, to_jsonb(fn_gate_open('queue.notify.enabled')))
             INTO v_result, v_woken;
        IF v_result IS NOT NULL THEN
            RETURN v_result;
        END IF;
    END IF;
    RETURN fn_job_enqueue_checked(p_job_kind, p_payload, p_queue_name, p_priority, p_run_at, p_idempotency_key,
                                  p_max_attempts, p_correlation_id);
END;
$$;

CREATE FUNCTION fn_job_enqueue_checked(
    p_job_kind        text,
    p_payload         jsonb,
    p_queue_name      text,
    p_priority        integer,
    p_run_at          timestamptz,
    p_idempotency_key text,
    p_max_attempts    integer,
    p_correlation_id  text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- fn_job_enqueue's checked path: the rules of its fast path one at a time, each
-- named, then the insert (with the idempotency key, if any).
DECLARE
    v_queue  text;
    v_consumer_queue text;
    v_policy text;
    v_max    integer;
    v_id     bigint;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    SELECT c.queue_name, p.code, p.max_attempts
      INTO v_consumer_queue, v_policy, v_max
      FROM (SELECT) AS one
      LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
      LEFT JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default');
    IF NOT fn_job_kind_open_to_caller(p_job_kind) THEN
        RAISE EXCEPTION 'job_kind_reserved: % is the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                p_job_kind, fn_actor()
            USING ERRCODE = 'QG002';
    END IF;
    IF jsonb_typeof(p_payload) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_payload: a payload is a JSON object, not %', coalesce(jsonb_typeof(p_payload), 'NULL')
            USING ERRCODE = 'QG004', COLUMN = 'payload';
    END IF;
    IF p_priority IS NULL OR NOT p_priority <@ fn_domain_range('qg_job_priority') THEN
        PERFORM fn_range_refuse('priority', p_priority, fn_domain_range('qg_job_priority'));
    END IF;
    IF p_max_attempts IS NOT NULL THEN
        IF NOT p_max_attempts <@ fn_domain_range('qg_job_max_attempts') THEN
            PERFORM fn_range_refuse('max_attempts', p_max_attempts, fn_domain_range('qg_job_max_attempts'));
        END IF;
        v_max := p_max_attempts;
    END IF;
    PERFORM fn_job_run_at_checked(p_run_at);
    IF length(p_correlation_id) > 200 THEN
        RAISE EXCEPTION 'correlation_id_length: a correlation id is at most 200 characters, not %', length(p_correlation_id)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'correlation_id_length';
    END IF;
    IF length(p_idempotency_key) NOT BETWEEN 1 AND 500 THEN
        RAISE EXCEPTION 'idempotency_key_length: an idempotency key is 1..500 characters, not %', length(p_idempotency_key)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'idempotency_key_length';
    END IF;
    PERFORM fn_payload_assert_size(p_payload, 'payload');
    v_queue := coalesce(p_queue_name, v_consumer_queue, 'default');
    IF NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = v_queue) THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue (see queue_state)%', v_queue,
                CASE WHEN p_queue_name IS NULL THEN format('; it is the queue consumer_registry gives %s', p_job_kind) ELSE '' END
            USING ERRCODE = 'QG005';
    END IF;
    IF v_policy IS NULL THEN
        RAISE EXCEPTION 'unknown_retry_policy: job kind %''s retry policy is not in retry_policy_registry', p_job_kind
            USING ERRCODE = 'QG005';
    END IF;

    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_correlation_id, fn_actor())
        RETURNING id INTO v_id;
    ELSE
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               idempotency_key, correlation_id, created_by)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_idempotency_key, p_correlation_id, fn_actor())
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            SELECT id INTO v_id FROM job_queue WHERE idempotency_key = p_idempotency_key;
            RETURN jsonb_build_object('status', 'duplicate', 'job_id', v_id);
        END IF;
    END IF;
    PERFORM fn_job_wake(v_queue, to_jsonb(fn_gate_open('queue.notify.enabled')));
    RETURN jsonb_build_object('status', 'enqueued', 'job_id', v_id);
END;
$$;

-- ---------------------------------------------------------------------------
-- Enqueue many: the checks in their own function
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_enqueue_many_checked(p_jobs jsonb, p_max_bytes bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
-- fn_job_enqueue_many's checks of a jsonb array of jobs: raises naming the first
-- bad element by its index, or answers whether any element carries an idempotency
-- key. One pass over the elements; values of the wrong type (a priority "high" or
-- 1.5, a run_at "soon") make its casts fail, and only then does the loop run, to
-- name the element.
DECLARE
    v_priority int4range := fn_domain_range('qg_job_priority');
    v_max_attempts int4range := fn_domain_range('qg_job_max_attempts');
    v_bad integer;
    v_big integer;
    v_bad_queue integer;
    v_unknown integer;
    v_keys boolean;
    v_elem jsonb;
    v_ord bigint;
BEGIN
    BEGIN
        SELECT min(t.ord) FILTER (WHERE jsonb_typeof(t.j) <> 'object'
                                     OR jsonb_typeof(t.j -> 'job_kind') IS DISTINCT FROM 'string'
                                     OR (t.j ? 'payload' AND jsonb_typeof(t.j -> 'payload') <> 'object')
                                     OR (t.j ? 'priority' AND NOT (t.j ->> 'priority')::integer <@ v_priority)
                                     OR (t.j ? 'max_attempts' AND NOT (t.j ->> 'max_attempts')::integer <@ v_max_attempts)
                                     OR (t.j ? 'run_at' AND (t.j ->> 'run_at')::timestamptz IS NULL AND t.j -> 'run_at' <> 'null')
                                     OR (t.j ? 'run_at' AND (NOT isfinite((t.j ->> 'run_at')::timestamptz)
                                                             OR (t.j ->> 'run_at')::timestamptz > now() + interval '10 years'))
                                     OR (t.j ? 'correlation_id' AND length(t.j ->> 'correlation_id') > 200)
                                     OR (t.j ? 'idempotency_key' AND length(t.j ->> 'idempotency_key') NOT BETWEEN 1 AND 500)),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND t.j - ARRAY['job_kind', 'payload', 'queue_name', 'priority', 'run_at',
                                                    'idempotency_key', 'max_attempts', 'correlation_id'] <> '{}'::jsonb),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND octet_length(coalesce(t.j -> 'payload', '{}')::text) > p_max_bytes),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND coalesce(t.j ->> 'queue_name', c.queue_name, 'default')
                                        NOT IN (SELECT queue_name FROM queue_state)),
               coalesce(bool_or(jsonb_typeof(t.j) = 'object' AND t.j ->> 'idempotency_key' IS NOT NULL), false)
          INTO v_bad, v_unknown, v_big, v_bad_queue, v_keys
          FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
          LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active';
    EXCEPTION WHEN data_exception THEN
        FOR v_elem, v_ord IN SELECT j, ord FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord) LOOP
            BEGIN
                PERFORM (v_elem ->> 'priority')::integer, (v_elem ->> 'max_attempts')::integer,
                        (v_elem ->> 'run_at')::timestamptz;
            EXCEPTION WHEN data_exception THEN
                RAISE EXCEPTION 'invalid_job: element % (%): %', v_ord - 1, left(v_elem::text, 200), SQLERRM
                    USING ERRCODE = 'QG004',
                          HINT = 'priority and max_attempts are integers, run_at a timestamp with time zone';
            END;
        END LOOP;
        RAISE;
    END;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_job: element % (%) needs a job_kind, an object payload, priority %..%, max_attempts %..%, a finite run_at at most ten years ahead, a correlation_id of at most 200 and an idempotency_key of 1..500 characters',
                v_bad - 1, left((p_jobs -> (v_bad - 1))::text, 200),
                lower(v_priority), upper(v_priority) - 1, lower(v_max_attempts), upper(v_max_attempts) - 1
            USING ERRCODE = 'QG004';
    END IF;
    IF NOT fn_caller_names_actor() THEN
        SELECT min(t.ord) INTO v_bad FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
         WHERE NOT fn_job_kind_open_to_caller(t.j ->> 'job_kind');
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'job_kind_reserved: element % is %, the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                    v_bad - 1, p_jobs -> (v_bad - 1) ->> 'job_kind', fn_actor()
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_job: element % has unknown keys %; a job takes job_kind, payload, queue_name, priority, run_at, idempotency_key, max_attempts, correlation_id',
                v_unknown - 1,
                (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(p_jobs -> (v_unknown - 1)) k
                  WHERE k NOT IN ('job_kind', 'payload', 'queue_name', 'priority', 'run_at', 'idempotency_key',
                                  'max_attempts', 'correlation_id'))
            USING ERRCODE = 'QG004';
    END IF;
    IF v_big IS NOT NULL THEN
        RAISE EXCEPTION 'payload_too_large: element % payload is % bytes; queue.payload.max_bytes is %',
                v_big - 1, octet_length((p_jobs -> (v_big - 1) -> 'payload')::text), p_max_bytes
            USING ERRCODE = 'QG007', COLUMN = 'payload';
    END IF;
    IF v_bad_queue IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_queue: element % goes to queue %, which is not registered (see queue_state)',
                v_bad_queue - 1,
                coalesce(p_jobs -> (v_bad_queue - 1) ->> 'queue_name',
                         (SELECT queue_name FROM consumer_registry
                           WHERE job_kind = p_jobs -> (v_bad_queue - 1) ->> 'job_kind' AND status = 'active'))
            USING ERRCODE = 'QG005';
    END IF;
    RETURN v_keys;
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_enqueue_many(p_jobs jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- p_jobs: [{"job_kind": …, "payload": {…}, "queue_name": …, "priority": …, "run_at": …,
--           "idempotency_key": …, "max_attempts": …, "correlation_id": …}, …]
-- One INSERT statement and one wake-up per queue; duplicates by idempotency key are
-- skipped. Every element is checked (fn_job_enqueue_many_checked) before anything
-- is written, and the first bad one is named by its index.
-- Speed: one validation pass; a batch without idempotency keys is a plain INSERT (no
-- ON CONFLICT, whose speculative insertion costs a lock and a WAL record per row).
DECLARE
    v_ids bigint[];
    v_total integer;
    v_notify jsonb;
    v_max_jobs bigint;
    v_keys boolean;
    v_woken bigint;
    v_actor text := fn_actor();
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF jsonb_typeof(p_jobs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid_jobs: fn_job_enqueue_many takes a jsonb array of job objects, not %',
                coalesce(jsonb_typeof(p_jobs), 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    v_total := jsonb_array_length(p_jobs);
    v_max_jobs := fn_setting_int('queue.enqueue_many.max_jobs');
    IF v_total > v_max_jobs THEN
        RAISE EXCEPTION 'too_many_jobs: % jobs in one call; queue.enqueue_many.max_jobs is %', v_total, v_max_jobs
            USING ERRCODE = 'QG004';
    END IF;
    v_keys := fn_job_enqueue_many_checked(p_jobs, fn_setting_int('queue.payload.max_bytes'));
    v_notify := to_jsonb(fn_gate_open('queue.notify.enabled'));

    IF NOT v_keys THEN
        WITH ins AS (
            INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                                   correlation_id, created_by)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'correlation_id',
                   v_actor
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            RETURNING id, queue_name
        ), woken AS (
            SELECT fn_job_wake(q.queue_name, v_notify) FROM (SELECT DISTINCT queue_name FROM ins) AS q
        )
        SELECT array_agg(id ORDER BY id), (SELECT count(*) FROM woken) INTO v_ids, v_woken FROM ins;
    ELSE
        WITH ins AS (
            INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                                   idempotency_key, correlation_id, created_by)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'idempotency_key',
                   t.j ->> 'correlation_id',
                   v_actor
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, queue_name
        ), woken AS (
            SELECT fn_job_wake(q.queue_name, v_notify) FROM (SELECT DISTINCT queue_name FROM ins) AS q
        )
        SELECT array_agg(id ORDER BY id), (SELECT count(*) FROM woken) INTO v_ids, v_woken FROM ins;
    END IF;

    RETURN jsonb_build_object('status', 'enqueued',
                              'enqueued', coalesce(array_length(v_ids, 1), 0),
                              'duplicates', v_total - coalesce(array_length(v_ids, 1), 0),
                              'job_ids', to_jsonb(coalesce(v_ids, '{}')));
END;
$$;

-- ---------------------------------------------------------------------------
-- Dead-letter replay: the wake-up gate through fn_gate_open
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_job_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_authorization_source text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new job (same kind, payload, queue, priority, correlation) linked to the
-- dead letter; once per dead letter; wakes the queue's workers.
DECLARE
    v_actor text := fn_actor_required();
    d job_dead_letter%ROWTYPE;
    s jsonb;
    v_policy_max integer;
    v_job_id bigint;
BEGIN
    IF NOT fn_gate_open('queue.dlq_replay.enabled') THEN
        RETURN fn_gate_closed_result('queue.dlq_replay.enabled');
    END IF;
    IF p_authorization_source IS NULL OR length(btrim(p_authorization_source)) < 3 THEN
        RAISE EXCEPTION 'authorization_required: a replay names its authorization (e.g. admin audit ref or ticket)'
            USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO d FROM job_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: job dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF d.triage_status <> 'manual_replay' THEN
        RAISE EXCEPTION 'triage_required: dead letter % is %, replay needs triage_status manual_replay', p_dead_letter_id, d.triage_status
            USING ERRCODE = 'QG003';
    END IF;
    s := d.job_snapshot;
    SELECT max_attempts INTO v_policy_max FROM retry_policy_registry WHERE code = coalesce(s ->> 'retry_policy', 'default');
    INSERT INTO job_queue (job_kind, queue_name, payload, priority, max_attempts, retry_policy, correlation_id,
                           created_by, replay_of_dead_letter_id)
    VALUES (d.job_kind, d.queue_name, coalesce(s -> 'payload', '{}'), coalesce((s ->> 'priority')::smallint, 0),
            coalesce((s ->> 'max_attempts')::integer, v_policy_max, 5), coalesce(s ->> 'retry_policy', 'default'),
            s ->> 'correlation_id', v_actor, d.id)
    RETURNING id INTO v_job_id;
    PERFORM fn_job_wake(d.queue_name, to_jsonb(fn_gate_open('queue.notify.enabled')));
    UPDATE job_dead_letter SET triage_status = 'replayed', replayed_job_id = v_job_id, replayed_by = v_actor,
                               replayed_at = now(), authorization_source = btrim(p_authorization_source)
     WHERE id = d.id;
    INSERT INTO idempotency_key (scope, key, result_ref, created_by)
    VALUES ('job_dead_letter_replay', d.id::text, 'job_queue:' || v_job_id, v_actor);
    PERFORM fn_event_capture('job.replayed', 'job_dead_letter', d.id::text,
                             jsonb_build_object('job_id', d.job_id, 'replayed_job_id', v_job_id, 'job_kind', d.job_kind,
                                                'replayed_by', v_actor),
                             s ->> 'correlation_id');
    RETURN jsonb_build_object('status', 'replayed', 'dead_letter_id', d.id, 'job_id', v_job_id);
END;
$$;
