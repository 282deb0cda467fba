-- Why: the job substrate behind the database's trust boundary (docs/security.md).
--
-- * External executors log in as members of the executor role, one login each
--   (`manage.py executor_credentials`), registered in executor_login with their
--   executor kind and the queues they may claim from.
-- * Leases are bound to the login that claimed them: an executor's worker id is
--   stored as '<login>/<worker id>', so one executor can never extend, ack, fail
--   or release another's leases, whatever worker id it passes.
-- * created_by is the resolved actor (fn_actor): an executor cannot claim to be
--   someone else.
-- * The governed acts on jobs write their audit row themselves (fn_act_audit),
--   so psql is audited like the admin. An executor may cancel the jobs it
--   enqueued, and nothing else.
-- * The app's own job kinds (queuegov.* built-ins, task:* django.tasks) are
--   enqueued by the app only: the app's worker runs them with what their
--   payload says. An executor login registered without queues claims from
--   every queue but maintenance; it sees its own leases' details only.
-- * The API refuses what it used to pass on to an index or a cast: a NULL or
--   non-object payload, a run_at that is infinite or more than ten years away,
--   a correlation id over 200 characters, unknown keys in fn_job_enqueue_many
--   elements and more elements than queue.enqueue_many.max_jobs.

-- ---------------------------------------------------------------------------
-- Executor logins
-- ---------------------------------------------------------------------------
CREATE TABLE executor_login (
    role_name     name PRIMARY KEY,
    executor_kind qg_executor_kind NOT NULL,
    queues        text[] CONSTRAINT executor_login_queues_named CHECK (queues IS NULL OR cardinality(queues) > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL
);
COMMENT ON TABLE executor_login IS 'External executor logins (members of the executor role): their kind and the queues they may claim from (NULL: any).';

CREATE FUNCTION fn_executor_login_register(p_role_name name, p_executor_kind text, p_queues text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Owner only (manage.py executor_credentials creates the login, then calls this).
DECLARE
    v_actor   text := fn_actor_governed();
    v_missing text[];
    v_answer  jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role_name) THEN
        RAISE EXCEPTION 'unknown_role: % is not a database role', p_role_name USING ERRCODE = 'QG005';
    END IF;
    IF NOT pg_has_role(p_role_name, fn_db_role('executor'), 'MEMBER') THEN
        RAISE EXCEPTION 'not_executor: % is not a member of the executor role', p_role_name USING ERRCODE = 'QG002';
    END IF;
    SELECT array_agg(q) INTO v_missing FROM unnest(p_queues) q WHERE q NOT IN (SELECT queue_name FROM queue_state);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_queue: % not registered (see queue_state)', array_to_string(v_missing, ', ')
            USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO executor_login (role_name, executor_kind, queues, created_by)
    VALUES (p_role_name, p_executor_kind, p_queues, v_actor)
    ON CONFLICT (role_name) DO UPDATE SET executor_kind = EXCLUDED.executor_kind, queues = EXCLUDED.queues;
    v_answer := jsonb_build_object('status', 'registered', 'role_name', p_role_name, 'executor_kind', p_executor_kind,
                                   'queues', to_jsonb(p_queues));
    RETURN fn_act_audit(v_answer, 'executor.register', 'executor_login', ARRAY[p_role_name::text], NULL, NULL,
        format('executor login %s (%s) may claim from %s', p_role_name, p_executor_kind,
               coalesce(array_to_string(p_queues, ', '), 'any queue')));
END;
$$;

CREATE FUNCTION fn_worker_ref(p_worker_id text) RETURNS text
LANGUAGE sql STABLE AS $$
    -- The worker id as stored in lease_owner: the app's and the owner's as given,
    -- any other login's prefixed with the login, so leases are bound to logins.
    -- (An expression the planner inlines into every lease call; fn_job_claim
    -- checks the id's length, and a NULL id matches no lease.)
    SELECT CASE WHEN fn_caller_names_actor() THEN p_worker_id ELSE session_user || '/' || p_worker_id END
$$;

CREATE FUNCTION fn_executor_claim_queues(p_queues text[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
-- The queues a claim may cover: any for the app; for an executor login, its
-- registered queues (all of them when it names none). (Internal, called by the
-- definer-rights claim functions below.)
DECLARE
    e public.executor_login%ROWTYPE;
    v_refused text[];
BEGIN
    IF public.fn_caller_names_actor() THEN
        RETURN p_queues;
    END IF;
    SELECT * INTO e FROM public.executor_login WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
            USING ERRCODE = 'QG002';
    END IF;
    IF e.queues IS NULL THEN
        -- any queue but the app's maintenance queue
        IF 'maintenance' = ANY (p_queues) THEN
            RAISE EXCEPTION 'executor_queue_refused: executor % may not claim the app''s own maintenance queue',
                    session_user
                USING ERRCODE = 'QG002';
        END IF;
        RETURN coalesce(p_queues, ARRAY(SELECT queue_name FROM public.queue_state WHERE queue_name <> 'maintenance'));
    END IF;
    IF p_queues IS NULL THEN
        RETURN e.queues;
    END IF;
    SELECT array_agg(q) INTO v_refused FROM unnest(p_queues) q WHERE q <> ALL (e.queues);
    IF v_refused IS NOT NULL THEN
        RAISE EXCEPTION 'executor_queue_refused: executor % may claim from %, not %', session_user,
                array_to_string(e.queues, ', '), array_to_string(v_refused, ', ')
            USING ERRCODE = 'QG002';
    END IF;
    RETURN p_queues;
END;
$$;

CREATE FUNCTION fn_job_kind_open_to_caller(p_job_kind text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- The app's own kinds run in the app's worker with their payload's
    -- parameters (a task path, a partition count): only the app enqueues them.
    SELECT fn_caller_names_actor() OR NOT (p_job_kind LIKE 'queuegov.%' OR p_job_kind LIKE 'task:%')
$$;

-- Why a fenced call was refused, in words an operator can act on; to an
-- executor login, only about its own leases (another login's worker ids and
-- job states are not its business).
CREATE OR REPLACE FUNCTION fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    j record;
BEGIN
    SELECT status, lease_owner, attempts INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND OR (NOT fn_caller_names_actor() AND j.lease_owner IS DISTINCT FROM p_worker_id
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

-- ---------------------------------------------------------------------------
-- Lease operations, bound to the login. The rules stay in the *_unbound
-- functions (0002), which only the owner may call.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_job_claim(text, text[], integer, integer) RENAME TO fn_job_claim_unbound;
ALTER FUNCTION fn_job_heartbeat(bigint, text, integer, integer) RENAME TO fn_job_heartbeat_unbound;
ALTER FUNCTION fn_job_heartbeat_many(text, bigint[], integer) RENAME TO fn_job_heartbeat_many_unbound;
ALTER FUNCTION fn_job_ack(bigint, text, jsonb, integer) RENAME TO fn_job_ack_unbound;
ALTER FUNCTION fn_job_ack_many(text, bigint[], integer[], jsonb[]) RENAME TO fn_job_ack_many_unbound;
ALTER FUNCTION fn_job_fail_or_retry(bigint, text, text, integer) RENAME TO fn_job_fail_or_retry_unbound;
ALTER FUNCTION fn_job_release_many(text, bigint[]) RENAME TO fn_job_release_many_unbound;
ALTER FUNCTION fn_queue_heartbeat_tick(text, text, jsonb) RENAME TO fn_queue_heartbeat_tick_unbound;
DROP FUNCTION fn_job_ack_many_and_claim(text, bigint[], integer[], jsonb[], text[], integer, integer);

CREATE FUNCTION fn_job_claim(
    p_worker_id     text,
    p_queues        text[] DEFAULT NULL,
    p_batch_size    integer DEFAULT 1,
    p_lease_seconds integer DEFAULT 300
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_claim_unbound(fn_worker_ref(p_worker_id),
                                CASE WHEN fn_caller_names_actor() THEN p_queues ELSE fn_executor_claim_queues(p_queues) END,
                                p_batch_size, p_lease_seconds);
END;
$$;

CREATE FUNCTION fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300,
                                 p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_heartbeat_unbound(p_job_id, fn_worker_ref(p_worker_id), p_lease_seconds, p_attempt);
END;
$$;

CREATE FUNCTION fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_lease_seconds integer DEFAULT 300)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_heartbeat_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_lease_seconds);
END;
$$;

CREATE FUNCTION fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL,
                           p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_ack_unbound(p_job_id, fn_worker_ref(p_worker_id), p_result, p_attempt);
END;
$$;

CREATE FUNCTION fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[],
                                p_results jsonb[] DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_ack_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts, p_results);
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
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A worker's batch boundary in one round trip and one commit: fn_job_ack_many of what
-- it finished, then fn_job_claim of the next batch, each with its own rules (fencing;
-- gate, pauses, caps). {"ack": <fn_job_ack_many answer, or null when nothing was
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
                                  p_batch_size, p_lease_seconds));
END;
$$;

CREATE FUNCTION fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text,
                                     p_attempt integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_fail_or_retry_unbound(p_job_id, fn_worker_ref(p_worker_id), p_error, p_attempt);
END;
$$;

CREATE FUNCTION fn_job_release_many(p_worker_id text, p_job_ids bigint[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_job_release_many_unbound(fn_worker_ref(p_worker_id), p_job_ids);
END;
$$;

CREATE FUNCTION fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- An executor login beats under its own name ('<login>/<name>') and kind.
DECLARE
    v_kind text;
BEGIN
    IF NOT fn_caller_names_actor() THEN
        SELECT executor_kind INTO v_kind FROM executor_login WHERE role_name = session_user;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
                USING ERRCODE = 'QG002';
        END IF;
        IF p_executor_kind IS DISTINCT FROM v_kind THEN
            RAISE EXCEPTION 'executor_kind_refused: login % is registered as a % executor, not %', session_user, v_kind,
                    coalesce(p_executor_kind, 'null')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    RETURN fn_queue_heartbeat_tick_unbound(fn_worker_ref(p_executor_name), p_executor_kind, p_meta);
END;
$$;

-- ---------------------------------------------------------------------------
-- Enqueue: the resolved actor, and the loose ends named
-- ---------------------------------------------------------------------------
SELECT fn_config_guard_set(false);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description, updated_by) VALUES
    ('queue.enqueue_many.max_jobs', '10000', 'setting', 'integer', 1, 100000,
     'most jobs one fn_job_enqueue_many call may carry', 'system:migration');
SELECT fn_config_guard_set(true);

CREATE DOMAIN qg_correlation_id AS text
    CONSTRAINT correlation_id_length CHECK (length(VALUE) <= 200);
ALTER TABLE job_queue ALTER COLUMN correlation_id TYPE qg_correlation_id;

CREATE FUNCTION fn_job_run_at_checked(p_run_at timestamptz, p_where text DEFAULT 'run_at') RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_run_at IS NOT NULL AND (NOT isfinite(p_run_at) OR p_run_at > now() + interval '10 years') THEN
        RAISE EXCEPTION 'run_at_in_range: % must be a finite time at most ten years ahead, not %', p_where, p_run_at
            USING ERRCODE = 'QG004';
    END IF;
    RETURN p_run_at;
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_enqueue(
    p_job_kind        text,
    p_payload         jsonb DEFAULT '{}',
    p_queue_name      text DEFAULT NULL,
    p_priority        integer DEFAULT 0,
    p_run_at          timestamptz DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL,
    p_max_attempts    integer DEFAULT NULL,
    p_correlation_id  text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "enqueued" | "duplicate", "job_id": N} or {"status": "gate_closed", ...}.
-- The common call (no idempotency key, a payload under the size cap, arguments in
-- range, an open gate, a registered queue) is one statement: the gate, the
-- consumer's defaults, the policy, the queue, the answer and the wake-up are all in
-- it. When that statement inserts nothing, the checked path below finds out why and
-- says so, or inserts with the idempotency key.
DECLARE
    v_result jsonb;
    v_woken  boolean;
    v_gate   jsonb;
    v_queue  text;
    v_consumer_queue text;
    v_policy text;
    v_max    integer;
    v_id     bigint;
BEGIN
    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by)
        SELECT p_job_kind, q.queue_name, p_payload, p_priority, coalesce(p_run_at, now()),
               coalesce(p_max_attempts, p.max_attempts), p.code, p_correlation_id, fn_actor()
          FROM dot_config g
          LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
          JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
          JOIN queue_state q ON q.queue_name = coalesce(p_queue_name, c.queue_name, 'default')
         WHERE g.key = 'queue.job_substrate.enabled' AND g.value = 'true'::jsonb
           AND fn_job_kind_open_to_caller(p_job_kind)
           AND p_priority BETWEEN -100 AND 100
           AND (p_max_attempts IS NULL OR p_max_attempts BETWEEN 1 AND 1000)
           AND jsonb_typeof(p_payload) = 'object'
           AND (p_run_at IS NULL OR (isfinite(p_run_at) AND p_run_at <= now() + interval '10 years'))
           AND (p_correlation_id IS NULL OR length(p_correlation_id) <= 200)
           -- the size cap is read only for a payload over 256 bytes (the smallest cap)
           AND (octet_length(p_payload::text) <= 256
                OR octet_length(p_payload::text)
                   <= (SELECT (m.value #>> '{}')::bigint FROM dot_config m WHERE m.key = 'queue.payload.max_bytes'))
        -- The answer and the wake-up come from RETURNING: a CTE and an outer query
        -- around the INSERT cost more than the rest of this statement's additions.
        RETURNING jsonb_build_object('status', 'enqueued', 'job_id', id),
                  fn_job_wake(queue_name, (SELECT n.value FROM dot_config n WHERE n.key = 'queue.notify.enabled'))
             INTO v_result, v_woken;
        IF v_result IS NOT NULL THEN
            RETURN v_result;
        END IF;
    END IF;

    -- The checked path: the same rules, one at a time, each named.
    SELECT g.value, c.queue_name, p.code, p.max_attempts
      INTO v_gate, v_consumer_queue, v_policy, v_max
      FROM dot_config g
      LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
      LEFT JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
     WHERE g.key = 'queue.job_substrate.enabled';
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF NOT fn_job_kind_open_to_caller(p_job_kind) THEN
        RAISE EXCEPTION 'job_kind_reserved: % is the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                p_job_kind, fn_actor()
            USING ERRCODE = 'QG002';
    END IF;
    IF jsonb_typeof(p_payload) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_payload: a payload is a JSON object, not %', coalesce(jsonb_typeof(p_payload), 'NULL')
            USING ERRCODE = 'QG004', COLUMN = 'payload';
    END IF;
    IF p_priority IS NULL OR p_priority NOT BETWEEN -100 AND 100 THEN
        RAISE EXCEPTION 'priority_in_range: priority must be between -100 and 100, not %', coalesce(p_priority::text, 'null')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'priority_in_range';
    END IF;
    IF p_max_attempts IS NOT NULL THEN
        IF p_max_attempts NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'max_attempts_in_range: max_attempts must be between 1 and 1000, not %', p_max_attempts
                USING ERRCODE = 'check_violation', CONSTRAINT = 'max_attempts_in_range';
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
    PERFORM fn_job_wake(v_queue, (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled'));
    RETURN jsonb_build_object('status', 'enqueued', 'job_id', v_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_enqueue_many(p_jobs jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- p_jobs: [{"job_kind": …, "payload": {…}, "queue_name": …, "priority": …, "run_at": …,
--           "idempotency_key": …, "max_attempts": …, "correlation_id": …}, …]
-- One INSERT statement and one wake-up per queue; duplicates by idempotency key are
-- skipped. Every element is checked before anything is written, and the first bad
-- one is named by its index.
-- Speed: one validation pass; a batch without idempotency keys is a plain INSERT (no
-- ON CONFLICT, whose speculative insertion costs a lock and a WAL record per row).
DECLARE
    v_ids bigint[];
    v_total integer;
    v_gate jsonb;
    v_notify jsonb;
    v_max_bytes bigint;
    v_max_jobs bigint;
    v_bad integer;
    v_big integer;
    v_bad_queue integer;
    v_unknown integer;
    v_keys boolean;
    v_woken bigint;
    v_elem jsonb;
    v_ord bigint;
    v_actor text := fn_actor();
BEGIN
    SELECT (SELECT value FROM dot_config WHERE key = 'queue.job_substrate.enabled'),
           (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled'),
           (SELECT (value #>> '{}')::bigint FROM dot_config WHERE key = 'queue.payload.max_bytes'),
           (SELECT (value #>> '{}')::bigint FROM dot_config WHERE key = 'queue.enqueue_many.max_jobs')
      INTO v_gate, v_notify, v_max_bytes, v_max_jobs;
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF jsonb_typeof(p_jobs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid_jobs: fn_job_enqueue_many takes a jsonb array of job objects, not %',
                coalesce(jsonb_typeof(p_jobs), 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    v_total := jsonb_array_length(p_jobs);
    IF v_total > v_max_jobs THEN
        RAISE EXCEPTION 'too_many_jobs: % jobs in one call; queue.enqueue_many.max_jobs is %', v_total, v_max_jobs
            USING ERRCODE = 'QG004';
    END IF;

    -- Values of the wrong type (a priority "high" or 1.5, a run_at "soon") make the
    -- casts below fail; only then does the loop run, to name the element.
    BEGIN
        SELECT min(t.ord) FILTER (WHERE jsonb_typeof(t.j) <> 'object'
                                     OR jsonb_typeof(t.j -> 'job_kind') IS DISTINCT FROM 'string'
                                     OR (t.j ? 'payload' AND jsonb_typeof(t.j -> 'payload') <> 'object')
                                     OR (t.j ? 'priority' AND (t.j ->> 'priority')::integer NOT BETWEEN -100 AND 100)
                                     OR (t.j ? 'max_attempts' AND (t.j ->> 'max_attempts')::integer NOT BETWEEN 1 AND 1000)
                                     OR (t.j ? 'run_at' AND (t.j ->> 'run_at')::timestamptz IS NULL AND t.j -> 'run_at' <> 'null')
                                     OR (t.j ? 'run_at' AND (NOT isfinite((t.j ->> 'run_at')::timestamptz)
                                                             OR (t.j ->> 'run_at')::timestamptz > now() + interval '10 years'))
                                     OR (t.j ? 'correlation_id' AND length(t.j ->> 'correlation_id') > 200)
                                     OR (t.j ? 'idempotency_key' AND length(t.j ->> 'idempotency_key') NOT BETWEEN 1 AND 500)),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND t.j - ARRAY['job_kind', 'payload', 'queue_name', 'priority', 'run_at',
                                                    'idempotency_key', 'max_attempts', 'correlation_id'] <> '{}'::jsonb),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND octet_length(coalesce(t.j -> 'payload', '{}')::text) > v_max_bytes),
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
        RAISE EXCEPTION 'invalid_job: element % (%) needs a job_kind, an object payload, priority -100..100, max_attempts 1..1000, a finite run_at at most ten years ahead, a correlation_id of at most 200 and an idempotency_key of 1..500 characters',
                v_bad - 1, left((p_jobs -> (v_bad - 1))::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    IF NOT fn_caller_names_actor() THEN
        SELECT min(t.ord) INTO v_bad FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
         WHERE NOT fn_job_kind_open_to_caller(t.j ->> 'job_kind');
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'job_kind_reserved: element % is %, the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                    v_bad - 1, p_jobs -> (v_bad - 1) ->> 'job_kind', v_actor
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
                v_big - 1, octet_length((p_jobs -> (v_big - 1) -> 'payload')::text), v_max_bytes
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
-- Governed acts on jobs, audited where they apply. The rules stay in the
-- *_unaudited functions (0003, 0004, 0007), which only the owner may call.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_job_cancel_many(bigint[], text) RENAME TO fn_job_cancel_many_unaudited;
ALTER FUNCTION fn_job_retry_now_many(bigint[], text) RENAME TO fn_job_retry_now_many_unaudited;
ALTER FUNCTION fn_job_dead_letter_triage(bigint, text, text) RENAME TO fn_job_dead_letter_triage_unaudited;
ALTER FUNCTION fn_job_dead_letter_replay(bigint, text) RENAME TO fn_job_dead_letter_replay_unaudited;
ALTER FUNCTION fn_queue_register(text) RENAME TO fn_queue_register_unaudited;
ALTER FUNCTION fn_queue_pause(text, text) RENAME TO fn_queue_pause_unaudited;
ALTER FUNCTION fn_queue_resume(text, text) RENAME TO fn_queue_resume_unaudited;
ALTER FUNCTION fn_job_schedule_set_enabled(text, boolean, text) RENAME TO fn_job_schedule_set_enabled_unaudited;
ALTER FUNCTION fn_consumer_register(text, text, text, text, text, text) RENAME TO fn_consumer_register_unaudited;

CREATE FUNCTION fn_job_cancel_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- The app cancels any job; an executor login only the jobs it enqueued.
DECLARE
    v_actor text := fn_actor_governed();
    v_foreign bigint[];
    v jsonb;
BEGIN
    IF NOT fn_caller_names_actor() THEN
        SELECT array_agg(id ORDER BY id) INTO v_foreign
          FROM job_queue WHERE id = ANY (p_job_ids) AND created_by IS DISTINCT FROM v_actor;
        IF v_foreign IS NOT NULL THEN
            RAISE EXCEPTION 'not_owner: % may cancel only the jobs it enqueued, not %', v_actor,
                    array_to_string(v_foreign, ', ')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    v := fn_job_cancel_many_unaudited(p_job_ids, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'job.cancel', 'job_queue', p_job_ids::text[], p_reason, NULL,
        format('cancelled %s, skipped %s', jsonb_array_length(v -> 'cancelled'), jsonb_array_length(v -> 'skipped')));
END;
$$;

CREATE FUNCTION fn_job_retry_now_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_retry_now_many_unaudited(p_job_ids, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'job.retry_now', 'job_queue', p_job_ids::text[], p_reason, NULL,
        format('requeued %s, skipped %s', jsonb_array_length(v -> 'requeued'), jsonb_array_length(v -> 'skipped')));
END;
$$;

CREATE FUNCTION fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_dead_letter_triage_unaudited(p_dead_letter_id, p_triage_status, fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'job_dead_letter.triage_' || p_triage_status, 'job_dead_letter',
        ARRAY[p_dead_letter_id::text], p_note, NULL,
        format('dead letter #%s: %s → %s', p_dead_letter_id, coalesce(v ->> 'from', v ->> 'triage_status'), p_triage_status));
END;
$$;

CREATE FUNCTION fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_dead_letter_replay_unaudited(p_dead_letter_id,
                                             fn_reason_checked(p_authorization_source, 'authorization'));
    RETURN fn_act_audit(v, 'job_dead_letter.replay', 'job_dead_letter', ARRAY[p_dead_letter_id::text],
        p_authorization_source, NULL,
        format('dead letter #%s replayed as job #%s', p_dead_letter_id, v ->> 'job_id'));
END;
$$;

CREATE FUNCTION fn_queue_register(p_queue_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_register_unaudited(p_queue_name), 'queue.register', 'queue_state',
                        ARRAY[p_queue_name], NULL, NULL, format('queue %s registered', p_queue_name));
END;
$$;

CREATE FUNCTION fn_queue_pause(p_queue_name text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_pause_unaudited(p_queue_name, fn_reason_checked(p_reason)), 'queue.pause',
                        'queue_state', ARRAY[p_queue_name], p_reason, NULL, format('queue %s paused', p_queue_name));
END;
$$;

CREATE FUNCTION fn_queue_resume(p_queue_name text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_resume_unaudited(p_queue_name, fn_reason_checked(p_reason)), 'queue.resume',
                        'queue_state', ARRAY[p_queue_name], p_reason, NULL, format('queue %s resumed', p_queue_name));
END;
$$;

CREATE FUNCTION fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_verb  text := CASE WHEN p_enabled THEN 'enable' ELSE 'disable' END;
BEGIN
    RETURN fn_act_audit(fn_job_schedule_set_enabled_unaudited(p_name, p_enabled, fn_reason_checked(p_reason)),
                        'job_schedule.' || v_verb, 'job_schedule', ARRAY[p_name], p_reason, NULL,
                        format('schedule %s %sd', p_name, v_verb));
END;
$$;

CREATE FUNCTION fn_consumer_register(
    p_job_kind       text,
    p_executor_class text DEFAULT 'pg_worker',
    p_queue_name     text DEFAULT 'default',
    p_retry_policy   text DEFAULT 'default',
    p_handler_ref    text DEFAULT NULL,
    p_description    text DEFAULT ''
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_consumer_register_unaudited(p_job_kind, p_executor_class, p_queue_name, p_retry_policy, p_handler_ref,
                                       fn_reason_checked(p_description, 'description')),
        'consumer.register', 'consumer_registry', ARRAY[p_job_kind], NULL, NULL,
        format('job kind %s → executor class %s, queue %s, retry policy %s', p_job_kind, p_executor_class,
               p_queue_name, p_retry_policy));
END;
$$;

-- fn_job_cancel stays a thin alias of the audited fn_job_cancel_many (one audit row).
ALTER FUNCTION fn_job_cancel(bigint, text) SECURITY DEFINER SET search_path = public, pg_temp;

-- ---------------------------------------------------------------------------
-- Maintenance (cron, the worker's schedules): run as the owner, pinned path.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_job_lease_reaper(integer) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_schedule_tick(timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_queue_stale_check(timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;

-- The renamed rule-holders were executable by PUBLIC until now; they must not be
-- between here and the end of `migrate` (queuegov/privileges.py then grants).
REVOKE EXECUTE ON FUNCTION fn_job_claim_unbound(text, text[], integer, integer), fn_job_heartbeat_unbound(bigint, text, integer, integer),
    fn_job_heartbeat_many_unbound(text, bigint[], integer), fn_job_ack_unbound(bigint, text, jsonb, integer),
    fn_job_ack_many_unbound(text, bigint[], integer[], jsonb[]), fn_job_fail_or_retry_unbound(bigint, text, text, integer),
    fn_job_release_many_unbound(text, bigint[]), fn_queue_heartbeat_tick_unbound(text, text, jsonb),
    fn_job_cancel_many_unaudited(bigint[], text), fn_job_retry_now_many_unaudited(bigint[], text),
    fn_job_dead_letter_triage_unaudited(bigint, text, text), fn_job_dead_letter_replay_unaudited(bigint, text),
    fn_queue_register_unaudited(text), fn_queue_pause_unaudited(text, text), fn_queue_resume_unaudited(text, text),
    fn_job_schedule_set_enabled_unaudited(text, boolean, text),
    fn_consumer_register_unaudited(text, text, text, text, text, text) FROM PUBLIC;
