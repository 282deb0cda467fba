-- Why: single enqueue at 0.80x a raw single INSERT with every governance rule
-- on (issue 3; bench/queue_bench.py). Measured per enqueue on this 2-core
-- machine (backend CPU, one autocommit call), the 0002 design spent:
--
--   ~55 µs  seven table CHECKs: PostgreSQL reads a table CHECK back from its
--           stored text and plans it again in every statement that writes the
--           table (enqueue, claim, ack). A DOMAIN's check is planned once per
--           session, in the type cache.
--   ~50 µs  two FOREIGN KEYs to queue_state and retry_policy_registry: each
--           enqueue ran two RI queries that lock the queue's and the policy's
--           row FOR KEY SHARE, i.e. wrote to those hot rows (a WAL record each,
--           and a MultiXact per pair of concurrent producers).
--   ~30 µs  the statement-level NOTIFY trigger, its transition table and its
--           own query of dot_config.
--   ~45 µs  PL/pgSQL expressions in fn_job_enqueue: PL/pgSQL sets every
--           expression up again in each transaction, so six IF tests cost more
--           than the checks they made.
--
-- What replaces each, with the rule kept:
--
--   * The column rules become DOMAINs carrying the same constraint names
--     (job_kind_format, priority_in_range, max_attempts_in_range,
--     idempotency_key_length, attempts_non_negative, job_status_allowed), so
--     a violation still names its rule. lease_fields_consistent spans columns
--     and stays a table CHECK.
--   * Every function that writes job_queue resolves the queue and the retry
--     policy from their registries in the INSERT itself and names an unknown
--     one (QG005); registry rows are never deleted or renamed (trigger below),
--     so a reference checked at enqueue stays valid. The SQL API is the way in:
--     a hand-written INSERT into job_queue is not checked against the
--     registries (sql/README.md).
--   * The writers wake workers themselves with fn_job_wake: one notification
--     per queue and statement, only with queue.notify.enabled.
--   * fn_job_enqueue's common call (no idempotency key) is one statement; a call
--     it refuses takes a checked path that finds and names what was wrong.
--
-- Result (bench/queue_bench.py, same VM): single enqueue 0.55-0.60x raw before,
-- 0.62-0.74x after; bulk 0.56x before, 0.92-0.94x after. The rest of the gap is
-- the table's own rules and indexes and the registry lookups (bench/README.md).

-- ---------------------------------------------------------------------------
-- Column rules as DOMAINs
-- ---------------------------------------------------------------------------
CREATE DOMAIN qg_job_kind AS text
    -- The length bound is not written as {0,199} in the pattern: a bounded repetition
    -- makes the regex ~20 µs per row; length() is the same rule for ~0.5 µs.
    CONSTRAINT job_kind_format CHECK (VALUE ~ '^[A-Za-z][A-Za-z0-9_.:-]*$' AND length(VALUE) <= 200);
CREATE DOMAIN qg_job_status AS text
    CONSTRAINT job_status_allowed CHECK (VALUE IN (
        'queued',     -- waiting for run_at and a worker
        'running',    -- leased by lease_owner until lease_until
        'succeeded',  -- acked by its lease owner
        'cancelled',  -- stopped by an operator
        'dead'        -- attempts exhausted; see job_dead_letter
    ));
CREATE DOMAIN qg_job_priority AS smallint
    CONSTRAINT priority_in_range CHECK (VALUE BETWEEN -100 AND 100);
CREATE DOMAIN qg_job_attempts AS integer
    CONSTRAINT attempts_non_negative CHECK (VALUE >= 0);
CREATE DOMAIN qg_job_max_attempts AS integer
    CONSTRAINT max_attempts_in_range CHECK (VALUE BETWEEN 1 AND 1000);
CREATE DOMAIN qg_idempotency_key AS text
    CONSTRAINT idempotency_key_length CHECK (length(VALUE) BETWEEN 1 AND 500);

-- v_queue_health reads job_queue.status, so it is set aside while the column's
-- type changes and put back from its own stored definition (and comment).
DO $$
DECLARE
    v_view    text := pg_get_viewdef('v_queue_health'::regclass);
    v_comment text := obj_description('v_queue_health'::regclass, 'pg_class');
BEGIN
    DROP VIEW v_queue_health;
    ALTER TABLE job_queue
        DROP CONSTRAINT job_kind_format,
        DROP CONSTRAINT job_status_allowed,
        DROP CONSTRAINT priority_in_range,
        DROP CONSTRAINT attempts_non_negative,
        DROP CONSTRAINT max_attempts_in_range,
        DROP CONSTRAINT idempotency_key_length,
        DROP CONSTRAINT job_queue_queue_name_fkey,
        DROP CONSTRAINT job_queue_retry_policy_fkey,
        ALTER COLUMN job_kind TYPE qg_job_kind,
        ALTER COLUMN status TYPE qg_job_status,
        ALTER COLUMN priority TYPE qg_job_priority,
        ALTER COLUMN attempts TYPE qg_job_attempts,
        ALTER COLUMN max_attempts TYPE qg_job_max_attempts,
        ALTER COLUMN idempotency_key TYPE qg_idempotency_key;
    EXECUTE 'CREATE VIEW v_queue_health AS ' || v_view;
    EXECUTE format('COMMENT ON VIEW v_queue_health IS %L', v_comment);
END;
$$;

-- ---------------------------------------------------------------------------
-- Registry rows jobs name are kept
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_registry_row_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
-- job_queue names its queue and retry policy by key without a FOREIGN KEY (see
-- the top of this file), so the keys it names never go away. TG_ARGV[0]: the
-- key column; TG_ARGV[1]: what to do instead.
DECLARE
    v_old text := to_jsonb(OLD) ->> TG_ARGV[0];
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) ->> TG_ARGV[0]) = v_old THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'registry_row_kept: % % cannot be %: jobs name it by key; %',
            TG_TABLE_NAME, v_old, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'renamed' END, TG_ARGV[1]
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
END;
$$;
CREATE TRIGGER queue_state_kept BEFORE DELETE OR UPDATE OF queue_name ON queue_state
    FOR EACH ROW EXECUTE FUNCTION fn_registry_row_kept('queue_name', 'pause the queue instead');
CREATE TRIGGER retry_policy_registry_kept BEFORE DELETE OR UPDATE OF code ON retry_policy_registry
    FOR EACH ROW EXECUTE FUNCTION fn_registry_row_kept('code', 'retire the policy instead (status retired)');

-- ---------------------------------------------------------------------------
-- Wake-ups, sent by the writers
-- ---------------------------------------------------------------------------
DROP TRIGGER job_queue_notify ON job_queue;
DROP FUNCTION fn_job_queue_notify();

CREATE FUNCTION fn_job_wake(p_queue_name text, p_notify_gate jsonb) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
-- Wake the workers LISTENing on queue_wake_<queue> when p_notify_gate (the value
-- of queue.notify.enabled) is true. LANGUAGE sql so a caller's statement inlines it.
    SELECT CASE WHEN p_notify_gate = 'true'::jsonb THEN pg_notify('queue_wake_' || p_queue_name, '') IS NOT NULL
                ELSE false END
$$;

-- ---------------------------------------------------------------------------
-- Enqueue
-- ---------------------------------------------------------------------------
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
LANGUAGE plpgsql AS $$
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
               coalesce(p_max_attempts, p.max_attempts), p.code, p_correlation_id,
               current_setting('queuegov.actor', true)
          FROM dot_config g
          LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
          JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
          JOIN queue_state q ON q.queue_name = coalesce(p_queue_name, c.queue_name, 'default')
         WHERE g.key = 'queue.job_substrate.enabled' AND g.value = 'true'::jsonb
           AND p_priority BETWEEN -100 AND 100
           AND (p_max_attempts IS NULL OR p_max_attempts BETWEEN 1 AND 1000)
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
        VALUES (p_job_kind, v_queue, coalesce(p_payload, '{}'), p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_correlation_id, current_setting('queuegov.actor', true))
        RETURNING id INTO v_id;
    ELSE
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               idempotency_key, correlation_id, created_by)
        VALUES (p_job_kind, v_queue, coalesce(p_payload, '{}'), p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_idempotency_key, p_correlation_id, current_setting('queuegov.actor', true))
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
LANGUAGE plpgsql AS $$
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
    v_bad integer;
    v_big integer;
    v_bad_queue integer;
    v_keys boolean;
    v_woken bigint;
    v_elem jsonb;
    v_ord bigint;
BEGIN
    SELECT (SELECT value FROM dot_config WHERE key = 'queue.job_substrate.enabled'),
           (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled'),
           (SELECT (value #>> '{}')::bigint FROM dot_config WHERE key = 'queue.payload.max_bytes')
      INTO v_gate, v_notify, v_max_bytes;
    IF v_gate IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF jsonb_typeof(p_jobs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid_jobs: fn_job_enqueue_many takes a jsonb array of job objects' USING ERRCODE = 'QG004';
    END IF;
    v_total := jsonb_array_length(p_jobs);

    -- Values of the wrong type (a priority "high" or 1.5, a run_at "soon") make the
    -- casts below fail; only then does the loop run, to name the element.
    BEGIN
        SELECT min(t.ord) FILTER (WHERE jsonb_typeof(t.j) <> 'object'
                                     OR jsonb_typeof(t.j -> 'job_kind') IS DISTINCT FROM 'string'
                                     OR (t.j ? 'priority' AND (t.j ->> 'priority')::integer NOT BETWEEN -100 AND 100)
                                     OR (t.j ? 'max_attempts' AND (t.j ->> 'max_attempts')::integer NOT BETWEEN 1 AND 1000)
                                     OR (t.j ? 'run_at' AND (t.j ->> 'run_at')::timestamptz IS NULL AND t.j -> 'run_at' <> 'null')),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND octet_length(coalesce(t.j -> 'payload', '{}')::text) > v_max_bytes),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND coalesce(t.j ->> 'queue_name', c.queue_name, 'default')
                                        NOT IN (SELECT queue_name FROM queue_state)),
               coalesce(bool_or(jsonb_typeof(t.j) = 'object' AND t.j ->> 'idempotency_key' IS NOT NULL), false)
          INTO v_bad, v_big, v_bad_queue, v_keys
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
        RAISE EXCEPTION 'invalid_job: element % (%) needs a job_kind, priority -100..100 and max_attempts 1..1000',
                v_bad - 1, left((p_jobs -> (v_bad - 1))::text, 200)
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
                   current_setting('queuegov.actor', true)
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
                   current_setting('queuegov.actor', true)
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
-- Dead-letter replay: as in 0003, plus its wake-up
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new job (same kind, payload, queue, priority, correlation) linked to the
-- dead letter; once per dead letter. (0007: wakes the queue's workers, which the
-- dropped NOTIFY trigger used to do.)
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
    PERFORM fn_job_wake(d.queue_name, (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled'));
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
