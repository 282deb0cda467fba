-- Why: the job queue itself (SPEC §6): jobs, dead letters and the state
-- machine functions every executor uses. Leases are fenced by owner and
-- attempt number, so a worker whose lease was reaped can never finish the
-- new attempt. Every function honours its gate and answers in jsonb.

CREATE TABLE job_queue (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The length bound is not written as {0,199} in the pattern: a bounded repetition makes
    -- the regex ~20 µs per row, and PostgreSQL re-checks every CHECK on every UPDATE
    -- (claim, ack), so it cost ~1 ms per claimed batch. Same rule, ~0.5 µs.
    job_kind       text NOT NULL CONSTRAINT job_kind_format
        CHECK (job_kind ~ '^[A-Za-z][A-Za-z0-9_.:-]*$' AND length(job_kind) <= 200),
    queue_name     text NOT NULL DEFAULT 'default' REFERENCES queue_state (queue_name),
    payload        qg_safe_payload NOT NULL DEFAULT '{}',
    priority       smallint NOT NULL DEFAULT 0 CONSTRAINT priority_in_range CHECK (priority BETWEEN -100 AND 100),
    status         text NOT NULL DEFAULT 'queued'
        CONSTRAINT job_status_allowed CHECK (status IN (
            'queued',     -- waiting for run_at and a worker
            'running',    -- leased by lease_owner until lease_until
            'succeeded',  -- acked by its lease owner
            'cancelled',  -- stopped by an operator
            'dead'        -- attempts exhausted; see job_dead_letter
        )),
    attempts       integer NOT NULL DEFAULT 0,
    max_attempts   integer NOT NULL CONSTRAINT max_attempts_in_range CHECK (max_attempts BETWEEN 1 AND 1000),
    retry_policy   text NOT NULL DEFAULT 'default' REFERENCES retry_policy_registry (code),
    run_at         timestamptz NOT NULL DEFAULT now(),
    lease_owner    text,
    lease_until    timestamptz,
    idempotency_key text CONSTRAINT idempotency_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 500),
    correlation_id text,
    created_by     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    last_error     text,
    result         qg_safe_payload,
    replay_of_dead_letter_id bigint,
    CONSTRAINT lease_fields_consistent CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL)),
    CONSTRAINT attempts_non_negative CHECK (attempts >= 0)
);
-- Claims across all queues walk job_queue_ready in claim order (without it a claim
-- sorted every queued row: ~20 ms per claim with 20,000 queued); claims naming one
-- queue walk job_queue_claim.
CREATE INDEX job_queue_ready ON job_queue (priority DESC, run_at, id) WHERE status = 'queued';
CREATE INDEX job_queue_claim ON job_queue (queue_name, priority DESC, run_at, id) WHERE status = 'queued';
CREATE UNIQUE INDEX job_queue_idempotency_key ON job_queue (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The running rows (few: what workers hold): the reaper's expiry scan, and the
-- executor-class cap count by job kind.
CREATE INDEX job_queue_lease ON job_queue (lease_until) WHERE status = 'running';
CREATE INDEX job_queue_correlation ON job_queue (correlation_id) WHERE correlation_id IS NOT NULL;
-- Enqueue, claim and ack each write a new row version (status changes, so no update
-- is HOT), and every index whose predicate the version meets gets an entry: a full
-- (status, created_at) index cost every job three entries. Queued and running rows
-- have the partial indexes above, so this one holds the end states only: one entry
-- per job, when it finishes.
CREATE INDEX job_queue_status_created ON job_queue (status, created_at DESC)
    WHERE status IN ('succeeded', 'cancelled', 'dead');
CREATE INDEX job_queue_finished ON job_queue (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE job_dead_letter (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id          bigint NOT NULL,
    job_kind        text NOT NULL,
    queue_name      text NOT NULL,
    attempts        integer NOT NULL,
    max_attempts    integer NOT NULL,
    last_error      text,
    job_snapshot    qg_safe_payload NOT NULL,
    dead_at         timestamptz NOT NULL DEFAULT now(),
    triage_status   text NOT NULL DEFAULT 'open'
        CONSTRAINT dead_letter_triage_status_allowed CHECK (triage_status IN (
            'open',           -- nobody has looked yet
            'manual_replay',  -- an operator decided it may be replayed
            'discarded',      -- an operator decided it must not run again
            'replayed'        -- replayed into replayed_job_id
        )),
    triaged_by      text,
    triaged_at      timestamptz,
    note            text,
    replayed_job_id bigint,
    replayed_by     text,
    replayed_at     timestamptz,
    authorization_source text,
    CONSTRAINT dead_letter_replay_complete CHECK ((triage_status = 'replayed') = (replayed_job_id IS NOT NULL))
);
CREATE INDEX job_dead_letter_open ON job_dead_letter (dead_at DESC) WHERE triage_status IN ('open', 'manual_replay');
CREATE INDEX job_dead_letter_job ON job_dead_letter (job_id);
CREATE INDEX job_dead_letter_dead_at ON job_dead_letter (dead_at);

-- ---------------------------------------------------------------------------
-- Wake-ups: one notification per statement and queue, not per row
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_queue_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- One statement: the gate is a one-time filter, then one pg_notify per distinct queue.
    PERFORM pg_notify('queue_wake_' || q.queue_name, '')
       FROM (SELECT DISTINCT queue_name FROM new_jobs) AS q
      WHERE EXISTS (SELECT 1 FROM dot_config WHERE key = 'queue.notify.enabled' AND value = 'true'::jsonb);
    RETURN NULL;
END;
$$;
CREATE TRIGGER job_queue_notify AFTER INSERT ON job_queue
    REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION fn_job_queue_notify();

-- ---------------------------------------------------------------------------
-- Enqueue
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_enqueue(
    p_job_kind        text,
    p_payload         jsonb DEFAULT '{}',
    p_queue_name      text DEFAULT NULL,
    p_priority        integer DEFAULT 0,
    p_run_at          timestamptz DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL,
    p_max_attempts    integer DEFAULT NULL,
    p_correlation_id  text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- {"status": "enqueued" | "duplicate", "job_id": N} or {"status": "gate_closed", ...}.
-- Speed: the gate, the consumer's defaults and the policy's max_attempts come from one
-- query; a payload of at most 256 bytes (under the smallest cap) skips the size lookup.
DECLARE
    v_gate   jsonb;
    v_queue  text;
    v_policy text;
    v_max    integer;
    v_id     bigint;
BEGIN
    SELECT g.value, c.queue_name, coalesce(c.retry_policy, 'default'), p.max_attempts
      INTO v_gate, v_queue, v_policy, v_max
      FROM dot_config g
      LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
      LEFT JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
     WHERE g.key = 'queue.job_substrate.enabled';
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF p_priority IS NULL OR p_priority NOT BETWEEN -100 AND 100 THEN
        RAISE EXCEPTION 'priority_in_range: priority must be between -100 and 100, not %', p_priority
            USING ERRCODE = 'check_violation', CONSTRAINT = 'priority_in_range';
    END IF;
    IF p_queue_name IS NOT NULL AND p_queue_name IS DISTINCT FROM v_queue
       AND NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = p_queue_name) THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue (see queue_state)', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    v_queue := coalesce(p_queue_name, v_queue, 'default');
    IF p_max_attempts IS NOT NULL THEN
        IF p_max_attempts NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'max_attempts_in_range: max_attempts must be between 1 and 1000, not %', p_max_attempts
                USING ERRCODE = 'check_violation', CONSTRAINT = 'max_attempts_in_range';
        END IF;
        v_max := p_max_attempts;
    END IF;
    IF octet_length(p_payload::text) > 256 THEN
        PERFORM fn_payload_assert_size(p_payload, 'payload');
    END IF;

    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by)
        VALUES (p_job_kind, v_queue, coalesce(p_payload, '{}'), p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_correlation_id, current_setting('queuegov.actor', true))
        RETURNING id INTO v_id;
        RETURN jsonb_build_object('status', 'enqueued', 'job_id', v_id);
    END IF;

    INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                           idempotency_key, correlation_id, created_by)
    VALUES (p_job_kind, v_queue, coalesce(p_payload, '{}'), p_priority, coalesce(p_run_at, now()), v_max, v_policy,
            p_idempotency_key, p_correlation_id, current_setting('queuegov.actor', true))
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'enqueued', 'job_id', v_id);
    END IF;
    SELECT id INTO v_id FROM job_queue WHERE idempotency_key = p_idempotency_key;
    RETURN jsonb_build_object('status', 'duplicate', 'job_id', v_id);
END;
$$;

CREATE FUNCTION fn_job_enqueue_many(p_jobs jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- p_jobs: [{"job_kind": …, "payload": {…}, "queue_name": …, "priority": …, "run_at": …,
--           "idempotency_key": …, "max_attempts": …, "correlation_id": …}, …]
-- One INSERT statement (one wake-up per queue); duplicates by idempotency key are skipped.
-- Speed: one validation pass; a batch without idempotency keys is a plain INSERT (no
-- ON CONFLICT, whose speculative insertion costs a lock and a WAL record per row).
DECLARE
    v_ids bigint[];
    v_total integer;
    v_gate jsonb;
    v_max_bytes bigint;
    v_bad integer;
    v_bad_queue integer;
    v_keys boolean;
BEGIN
    SELECT (SELECT value FROM dot_config WHERE key = 'queue.job_substrate.enabled'),
           (SELECT (value #>> '{}')::bigint FROM dot_config WHERE key = 'queue.payload.max_bytes')
      INTO v_gate, v_max_bytes;
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF jsonb_typeof(p_jobs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid_jobs: fn_job_enqueue_many takes a jsonb array of job objects' USING ERRCODE = 'QG004';
    END IF;
    v_total := jsonb_array_length(p_jobs);

    SELECT min(ord) FILTER (WHERE jsonb_typeof(j) <> 'object'
                               OR coalesce(j ->> 'job_kind', '') = ''
                               OR (j ? 'priority' AND (j ->> 'priority')::integer NOT BETWEEN -100 AND 100)
                               OR (j ? 'max_attempts' AND (j ->> 'max_attempts')::integer NOT BETWEEN 1 AND 1000)
                               OR octet_length(coalesce(j -> 'payload', '{}')::text) > v_max_bytes),
           min(ord) FILTER (WHERE jsonb_typeof(j) = 'object' AND j ? 'queue_name'
                              AND NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = j ->> 'queue_name')),
           coalesce(bool_or(jsonb_typeof(j) = 'object' AND j ->> 'idempotency_key' IS NOT NULL), false)
      INTO v_bad, v_bad_queue, v_keys
      FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_job: element % (%) needs a job_kind, priority -100..100, max_attempts 1..1000 and a payload under % bytes',
                v_bad - 1, left((p_jobs -> (v_bad - 1))::text, 200), v_max_bytes
            USING ERRCODE = 'QG004';
    END IF;
    IF v_bad_queue IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_queue: element % names queue %, which is not registered (see queue_state)',
                v_bad_queue - 1, p_jobs -> (v_bad_queue - 1) ->> 'queue_name'
            USING ERRCODE = 'QG005';
    END IF;

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
                   current_setting('queuegov.actor', true)
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            RETURNING id
        )
        SELECT array_agg(id ORDER BY id) INTO v_ids FROM ins;
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
                   current_setting('queuegov.actor', true)
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
        )
        SELECT array_agg(id ORDER BY id) INTO v_ids FROM ins;
    END IF;

    RETURN jsonb_build_object('status', 'enqueued',
                              'enqueued', coalesce(array_length(v_ids, 1), 0),
                              'duplicates', v_total - coalesce(array_length(v_ids, 1), 0),
                              'job_ids', to_jsonb(coalesce(v_ids, '{}')));
END;
$$;

-- ---------------------------------------------------------------------------
-- Claim: SKIP LOCKED, priority (high first) then run_at then id; paused queues
-- skipped; an executor class's max_concurrency never exceeded.
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_claim(
    p_worker_id     text,
    p_queues        text[] DEFAULT NULL,
    p_batch_size    integer DEFAULT 1,
    p_lease_seconds integer DEFAULT 300
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- {"status": "claimed" | "empty", "jobs": [{id, job_kind, queue_name, payload, attempt, max_attempts,
--  lease_until, correlation_id, priority}]} or {"status": "gate_closed", ...}.
-- The gate, paused queues and capped kinds are read once per call, in one query. The
-- pick walks job_queue_ready (all queues) or job_queue_claim (one queue) in claim order.
DECLARE
    v_paused   text[];
    v_capped   text[];
    v_lease    interval;
    v_jobs     jsonb := '[]'::jsonb;
    v_got      jsonb;
    v_left     integer;
    v_class    record;
    v_slots    integer;
    v_gate     jsonb;
BEGIN
    SELECT g.value,
           (SELECT coalesce(array_agg(queue_name), '{}') FROM queue_state WHERE paused),
           (SELECT coalesce(array_agg(c.job_kind), '{}')
              FROM consumer_registry c JOIN executor_class_registry e ON e.code = c.executor_class
             WHERE e.max_concurrency IS NOT NULL)
      INTO v_gate, v_paused, v_capped
      FROM dot_config g WHERE g.key = 'queue.worker.enabled';
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
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

    -- Uncapped kinds: one SKIP LOCKED batch, picked and leased in one statement. The
    -- three forms differ only in the queue condition, so each can walk its index.
    IF p_queues IS NULL THEN
        WITH picked AS (
            SELECT id FROM job_queue
             WHERE status = 'queued' AND run_at <= now()
               AND queue_name <> ALL (v_paused) AND job_kind <> ALL (v_capped)
             ORDER BY priority DESC, run_at, id
             LIMIT p_batch_size
               FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE job_queue j
               SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
                   lease_until = now() + v_lease, started_at = now()
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
    ELSIF cardinality(p_queues) = 1 THEN
        WITH picked AS (
            SELECT id FROM job_queue
             WHERE status = 'queued' AND run_at <= now() AND queue_name = p_queues[1]
               AND queue_name <> ALL (v_paused) AND job_kind <> ALL (v_capped)
             ORDER BY priority DESC, run_at, id
             LIMIT p_batch_size
               FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE job_queue j
               SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
                   lease_until = now() + v_lease, started_at = now()
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
    ELSE
        WITH picked AS (
            SELECT id FROM job_queue
             WHERE status = 'queued' AND run_at <= now() AND queue_name = ANY (p_queues)
               AND queue_name <> ALL (v_paused) AND job_kind <> ALL (v_capped)
             ORDER BY priority DESC, run_at, id
             LIMIT p_batch_size
               FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE job_queue j
               SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
                   lease_until = now() + v_lease, started_at = now()
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
    END IF;

    -- Capped kinds: serialised per executor class so two claimers never both
    -- take the last free slot; a class another claimer is serving is skipped.
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
            WITH picked AS (
                SELECT id FROM job_queue
                WHERE status = 'queued' AND run_at <= now()
                  AND job_kind = ANY (v_class.kinds)
                  AND (p_queues IS NULL OR queue_name = ANY (p_queues))
                  AND queue_name <> ALL (v_paused)
                ORDER BY priority DESC, run_at, id
                LIMIT least(v_slots, v_left)
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE job_queue j
                   SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
                       lease_until = now() + v_lease, started_at = now()
                  FROM picked WHERE j.id = picked.id
                RETURNING j.id, j.job_kind, j.queue_name, j.payload, j.attempts, j.max_attempts, j.lease_until,
                          j.correlation_id, j.priority, j.run_at
            )
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'id', id, 'job_kind', job_kind, 'queue_name', queue_name, 'payload', payload,
                       'attempt', attempts, 'max_attempts', max_attempts, 'lease_until', lease_until,
                       'correlation_id', correlation_id, 'priority', priority)
                       ORDER BY priority DESC, run_at, id), '[]'::jsonb)
              INTO v_got FROM claimed;
            v_jobs := v_jobs || v_got;
            v_left := v_left - jsonb_array_length(v_got);
        END LOOP;
    END IF;

    RETURN jsonb_build_object('status', CASE WHEN jsonb_array_length(v_jobs) > 0 THEN 'claimed' ELSE 'empty' END,
                              'jobs', v_jobs);
END;
$$;

-- ---------------------------------------------------------------------------
-- Fenced lease operations: only the current owner of the current attempt
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- Why a fenced call was refused, in words an operator can act on.
DECLARE
    j record;
BEGIN
    SELECT status, lease_owner, attempts INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason', 'unknown_job: no job ' || p_job_id);
    END IF;
    RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason',
        CASE
            WHEN j.status <> 'running' THEN format('lease_lost: job %s is %s, not running', p_job_id, j.status)
            WHEN j.lease_owner <> p_worker_id THEN format('lease_lost: job %s is leased by %s, not %s', p_job_id, j.lease_owner, p_worker_id)
            ELSE format('lease_lost: job %s is on attempt %s, not %s', p_job_id, j.attempts, p_attempt)
        END);
END;
$$;

CREATE FUNCTION fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300,
                                 p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_until timestamptz;
BEGIN
    UPDATE job_queue SET lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id
       AND (p_attempt IS NULL OR attempts = p_attempt)
    RETURNING lease_until INTO v_until;
    IF v_until IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'extended', 'job_id', p_job_id, 'lease_until', v_until);
END;
$$;

CREATE FUNCTION fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_lease_seconds integer DEFAULT 300)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
BEGIN
    WITH ext AS (
        UPDATE job_queue SET lease_until = now() + make_interval(secs => p_lease_seconds)
         WHERE id = ANY (p_job_ids) AND status = 'running' AND lease_owner = p_worker_id
        RETURNING id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM ext;
    RETURN jsonb_build_object('status', 'extended', 'extended', to_jsonb(v_ids),
        'lost', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT unnest(v_ids))));
END;
$$;

CREATE FUNCTION fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL,
                           p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM fn_payload_assert_size(p_result, 'result');
    UPDATE job_queue
       SET status = 'succeeded', result = p_result, finished_at = now(), lease_owner = NULL, lease_until = NULL,
           last_error = NULL
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id
       AND (p_attempt IS NULL OR attempts = p_attempt)
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'succeeded', 'job_id', p_job_id);
END;
$$;

CREATE FUNCTION fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[],
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
    IF cardinality(p_job_ids) <> cardinality(p_attempts)
       OR (p_results IS NOT NULL AND cardinality(p_results) <> cardinality(p_job_ids)) THEN
        RAISE EXCEPTION 'invalid_batch: job ids, attempts and results must have the same length' USING ERRCODE = 'QG004';
    END IF;
    -- One-based copies, so a position in p_job_ids is the same position in the others.
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    IF p_results IS NULL THEN
        WITH acked AS (
            UPDATE job_queue j
               SET status = 'succeeded', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                   last_error = NULL
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
                   lease_owner = NULL, lease_until = NULL, last_error = NULL
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

CREATE FUNCTION fn_job_ack_many_and_claim(
    p_worker_id     text,
    p_job_ids       bigint[],
    p_attempts      integer[],
    p_results       jsonb[] DEFAULT NULL,
    p_queues        text[] DEFAULT NULL,
    p_batch_size    integer DEFAULT 1,
    p_lease_seconds integer DEFAULT 300
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A worker's batch boundary in one round trip and one commit: fn_job_ack_many of what
-- it finished, then fn_job_claim of the next batch, each with its own rules (fencing;
-- gate, pauses, caps). {"ack": <fn_job_ack_many answer, or null when nothing was
-- finished>, "claim": <fn_job_claim answer>}.
DECLARE
    v_ack jsonb;
BEGIN
    IF cardinality(p_job_ids) > 0 THEN
        v_ack := fn_job_ack_many(p_worker_id, p_job_ids, p_attempts, p_results);
    END IF;
    RETURN jsonb_build_object('ack', v_ack,
                              'claim', fn_job_claim(p_worker_id, p_queues, p_batch_size, p_lease_seconds));
END;
$$;

CREATE FUNCTION fn_job_to_dead_letter(p_job job_queue, p_error text) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Snapshot a job (already marked dead) into job_dead_letter.
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO job_dead_letter (job_id, job_kind, queue_name, attempts, max_attempts, last_error, job_snapshot)
    VALUES (p_job.id, p_job.job_kind, p_job.queue_name, p_job.attempts, p_job.max_attempts, p_error,
            to_jsonb(p_job) - 'result')
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

CREATE FUNCTION fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text,
                                     p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Retry with the policy's backoff, or dead-letter when attempts are exhausted.
DECLARE
    j job_queue%ROWTYPE;
    v_error text := left(coalesce(p_error, 'unknown error'), 10000);
    v_dl bigint;
BEGIN
    SELECT * INTO j FROM job_queue
     WHERE id = p_job_id AND status = 'running' AND lease_owner = p_worker_id
       AND (p_attempt IS NULL OR attempts = p_attempt)
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    IF j.attempts >= j.max_attempts THEN
        UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                             last_error = v_error
         WHERE id = p_job_id RETURNING * INTO j;
        v_dl := fn_job_to_dead_letter(j, v_error);
        RETURN jsonb_build_object('status', 'dead', 'job_id', p_job_id, 'dead_letter_id', v_dl, 'attempts', j.attempts);
    END IF;
    UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                         run_at = now() + fn_retry_delay(j.retry_policy, j.attempts)
     WHERE id = p_job_id RETURNING * INTO j;
    RETURN jsonb_build_object('status', 'retry', 'job_id', p_job_id, 'run_at', j.run_at, 'attempts', j.attempts);
END;
$$;

CREATE FUNCTION fn_job_release_many(p_worker_id text, p_job_ids bigint[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A worker shutting down gives back jobs it never started; the attempt is not counted.
DECLARE
    v_n integer;
BEGIN
    UPDATE job_queue SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_owner = NULL,
                         lease_until = NULL, run_at = now()
     WHERE id = ANY (p_job_ids) AND status = 'running' AND lease_owner = p_worker_id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN jsonb_build_object('status', 'released', 'released', v_n);
END;
$$;

-- ---------------------------------------------------------------------------
-- Lease reaper (single instance via an advisory lock)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_job_lease_reaper(p_limit integer DEFAULT 1000) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    j job_queue%ROWTYPE;
    v_requeued integer := 0;
    v_dead integer := 0;
    v_error text;
BEGIN
    IF (SELECT value FROM dot_config WHERE key = 'queue.lease_reaper.enabled') IS DISTINCT FROM 'true'::jsonb THEN
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
        IF j.attempts >= j.max_attempts THEN
            UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                                 last_error = v_error
             WHERE id = j.id RETURNING * INTO j;
            PERFORM fn_job_to_dead_letter(j, v_error);
            v_dead := v_dead + 1;
        ELSE
            UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                                 run_at = now() + fn_retry_delay(j.retry_policy, j.attempts)
             WHERE id = j.id;
            v_requeued := v_requeued + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_requeued + v_dead = 0 THEN 'nothing_to_do' ELSE 'reaped' END,
                              'requeued', v_requeued, 'dead', v_dead);
END;
$$;
