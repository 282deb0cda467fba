-- Why: a job kind belongs to one executor class (consumer_registry), and a claim
-- names its class, so an executor only ever receives the kinds it can run: a
-- default worker no longer claims (and fails) an Agent's or Hermes host's jobs
-- (docs/executors.md). Each job carries its class from enqueue; the all-queues
-- claim walks that class's ready jobs in claim order.

-- ---------------------------------------------------------------------------
-- Each job carries its executor class
-- ---------------------------------------------------------------------------
ALTER TABLE job_queue ADD COLUMN executor_class text;
-- Jobs of a kind registered nowhere were the Python worker's to try before.
UPDATE job_queue j
   SET executor_class = coalesce((SELECT c.executor_class FROM consumer_registry c WHERE c.job_kind = j.job_kind),
                                 'pg_worker');
ALTER TABLE job_queue ALTER COLUMN executor_class SET NOT NULL;

CREATE FUNCTION fn_job_queue_stamp_class() RETURNS trigger
LANGUAGE plpgsql AS $$
-- BEFORE INSERT on job_queue: the class of the job's kind for inserters that do
-- not give it (schedules, dead-letter replay, a kind registered nowhere). A kind
-- registered nowhere keeps the Python worker's class, as before kinds were bound.
BEGIN
    SELECT c.executor_class INTO NEW.executor_class FROM consumer_registry c WHERE c.job_kind = NEW.job_kind;
    IF NEW.executor_class IS NULL THEN
        NEW.executor_class := 'pg_worker';
    END IF;
    RETURN NEW;
END;
$$;

-- Only when the inserter did not set it: the enqueue functions below read the
-- class with the kind's other defaults (a trigger call per row cost bulk enqueue
-- about a third of its rate).
CREATE TRIGGER job_queue_stamp_class BEFORE INSERT ON job_queue
    FOR EACH ROW WHEN (NEW.executor_class IS NULL) EXECUTE FUNCTION fn_job_queue_stamp_class();

CREATE FUNCTION fn_consumer_class_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
-- AFTER UPDATE OF executor_class on consumer_registry: a kind bound to another
-- class takes its queued jobs along; running ones finish where they are.
BEGIN
    UPDATE job_queue SET executor_class = NEW.executor_class
     WHERE job_kind = NEW.job_kind AND status = 'queued' AND executor_class <> NEW.executor_class;
    RETURN NULL;
END;
$$;

CREATE TRIGGER consumer_registry_class_follow AFTER UPDATE OF executor_class ON consumer_registry
    FOR EACH ROW WHEN (OLD.executor_class IS DISTINCT FROM NEW.executor_class)
    EXECUTE FUNCTION fn_consumer_class_follow();

-- The all-queues claim walks one class's ready jobs in claim order. (The
-- one-queue claim keeps job_queue_claim, which health's per-queue counts use.)
DROP INDEX job_queue_ready;
CREATE INDEX job_queue_ready ON job_queue (executor_class, priority DESC, run_at, id) WHERE status = 'queued';

-- ---------------------------------------------------------------------------
-- Enqueue stamps the class with the kind's other defaults (same bodies as
-- sql/jobs/0010_rules_once.sql but for executor_class)
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
                               correlation_id, created_by, executor_class)
        SELECT p_job_kind, q.queue_name, p_payload, p_priority, coalesce(p_run_at, now()),
               coalesce(p_max_attempts, p.max_attempts), p.code, p_correlation_id, fn_actor(), c.executor_class
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

CREATE OR REPLACE FUNCTION fn_job_enqueue_checked(
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
    v_class  text;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    SELECT c.queue_name, p.code, p.max_attempts, c.executor_class
      INTO v_consumer_queue, v_policy, v_max, v_class
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
                               correlation_id, created_by, executor_class)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_correlation_id, fn_actor(), v_class)
        RETURNING id INTO v_id;
    ELSE
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               idempotency_key, correlation_id, created_by, executor_class)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_idempotency_key, p_correlation_id, fn_actor(), v_class)
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
                                   correlation_id, created_by, executor_class)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'correlation_id',
                   v_actor,
                   c.executor_class
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
                                   idempotency_key, correlation_id, created_by, executor_class)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'idempotency_key',
                   t.j ->> 'correlation_id',
                   v_actor,
                   c.executor_class
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
-- A claim names its class
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_executor_claim_class(p_executor_class text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
-- The class a claim is for: the app names it; an executor login may claim only
-- for a class of its own executor kind (the one class of that kind when it
-- names none). (Internal, called by the definer-rights claim functions.)
DECLARE
    v_kind    text;
    v_classes text[];
BEGIN
    IF public.fn_caller_names_actor() THEN
        IF p_executor_class IS NULL THEN
            RAISE EXCEPTION 'executor_class_required: a claim names the executor class it works for (docs/executors.md)'
                USING ERRCODE = 'QG004';
        END IF;
        RETURN p_executor_class;
    END IF;
    SELECT executor_kind INTO v_kind FROM public.executor_login WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
            USING ERRCODE = 'QG002';
    END IF;
    v_classes := ARRAY(SELECT code FROM public.executor_class_registry
                        WHERE executor_kind = v_kind AND status = 'active' ORDER BY code);
    IF p_executor_class IS NULL AND cardinality(v_classes) = 1 THEN
        RETURN v_classes[1];
    END IF;
    IF p_executor_class IS NULL OR p_executor_class <> ALL (v_classes) THEN
        RAISE EXCEPTION 'executor_class_refused: login % is a % executor; it may claim for %, not %', session_user, v_kind,
                coalesce(array_to_string(v_classes, ', '), 'no class'), coalesce(p_executor_class, 'no class named')
            USING ERRCODE = 'QG002';
    END IF;
    RETURN p_executor_class;
END;
$$;

DROP FUNCTION fn_job_claim_pick(text, text[], text[], text[], text[], integer, interval);
CREATE FUNCTION fn_job_claim_pick(
    p_worker_id      text,
    p_queues         text[],   -- NULL: every queue
    p_paused         text[],
    p_executor_class text,
    p_job_kinds      text[],   -- NULL: every kind of the class
    p_limit          integer,
    p_lease          interval
) RETURNS jsonb
LANGUAGE plpgsql
-- Planned for its arguments on every call, so the queue predicate folds to what
-- the call needs: `queue_name = '<q>'` walks job_queue_claim, no queue walks the
-- class's job_queue_ready.
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

DROP FUNCTION fn_job_claim_unbound(text, text[], integer, integer);
CREATE FUNCTION fn_job_claim_unbound(
    p_worker_id      text,
    p_queues         text[],
    p_batch_size     integer,
    p_lease_seconds  integer,
    p_executor_class text,
    p_job_kinds      text[]
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- {"status": "claimed" | "empty", "jobs": [{id, job_kind, queue_name, payload, attempt, max_attempts,
--  lease_until, correlation_id, priority}]} or {"status": "gate_closed", ...}.
-- A class with max_concurrency is claimed one claimer at a time (an advisory
-- lock per class until commit), so two claimers never both take its last slot.
DECLARE
    v_paused text[];
    v_class  executor_class_registry%ROWTYPE;
    v_limit  integer := p_batch_size;
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
    SELECT * INTO v_class FROM executor_class_registry WHERE code = p_executor_class AND status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor_class: % is not an active executor class', coalesce(p_executor_class, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    IF v_class.max_concurrency IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('queuegov.executor_class'), hashtext(v_class.code));
        SELECT least(p_batch_size, v_class.max_concurrency - count(*)) INTO v_limit
          FROM job_queue WHERE status = 'running' AND executor_class = v_class.code;
    END IF;
    IF v_limit <= 0 THEN
        RETURN jsonb_build_object('status', 'empty', 'jobs', '[]'::jsonb);
    END IF;
    SELECT coalesce(array_agg(queue_name), '{}') INTO v_paused FROM queue_state WHERE paused;
    RETURN (SELECT jsonb_build_object('status', CASE WHEN jsonb_array_length(j) > 0 THEN 'claimed' ELSE 'empty' END,
                                      'jobs', j)
              FROM fn_job_claim_pick(p_worker_id, p_queues, v_paused, v_class.code, p_job_kinds, v_limit,
                                     make_interval(secs => p_lease_seconds)) AS j);
END;
$$;

DROP FUNCTION fn_job_claim(text, text[], integer, integer);
CREATE FUNCTION fn_job_claim(
    p_worker_id      text,
    p_queues         text[]  DEFAULT NULL,
    p_batch_size     integer DEFAULT 1,
    p_lease_seconds  integer DEFAULT 300,
    p_executor_class text    DEFAULT NULL,
    p_job_kinds      text[]  DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_claim_unbound(fn_worker_ref(p_worker_id),
                                CASE WHEN fn_caller_names_actor() THEN p_queues ELSE fn_executor_claim_queues(p_queues) END,
                                p_batch_size, p_lease_seconds, fn_executor_claim_class(p_executor_class), p_job_kinds);
END;
$$;

DROP FUNCTION fn_job_ack_many_and_claim(text, bigint[], integer[], jsonb[], text[], integer, integer);
CREATE FUNCTION fn_job_ack_many_and_claim(
    p_worker_id      text,
    p_job_ids        bigint[],
    p_attempts       integer[],
    p_results        jsonb[]  DEFAULT NULL,
    p_queues         text[]   DEFAULT NULL,
    p_batch_size     integer  DEFAULT 1,
    p_lease_seconds  integer  DEFAULT 300,
    p_executor_class text     DEFAULT NULL,
    p_job_kinds      text[]   DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A worker's batch boundary in one round trip and one commit: fn_job_ack_many of what
-- it finished, then fn_job_claim of the next batch, each with its own rules (fencing;
-- gate, pauses, class, caps). {"ack": <fn_job_ack_many answer, or null when nothing was
-- finished>, "claim": <fn_job_claim answer>}.
DECLARE
    v_worker text := fn_worker_ref(p_worker_id);
    v_ack    jsonb;
BEGIN
    IF cardinality(p_job_ids) > 0 THEN
        v_ack := fn_job_ack_many_unbound(v_worker, p_job_ids, p_attempts, p_results);
    END IF;
    RETURN jsonb_build_object('ack', v_ack,
                              'claim', fn_job_claim_unbound(
                                  v_worker,
                                  CASE WHEN fn_caller_names_actor() THEN p_queues ELSE fn_executor_claim_queues(p_queues) END,
                                  p_batch_size, p_lease_seconds, fn_executor_claim_class(p_executor_class), p_job_kinds));
END;
$$;
