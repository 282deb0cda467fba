-- Why: the job substrate's registries (SPEC §6). Enqueue is executor-agnostic:
-- consumer_registry binds a job kind to its executor class, default queue and
-- retry policy; executor_class_registry caps concurrency per class.

CREATE TABLE retry_policy_registry (
    code               text PRIMARY KEY CONSTRAINT retry_policy_code_format CHECK (code ~ '^[a-z][a-z0-9_.-]{0,62}$'),
    max_attempts       integer NOT NULL CONSTRAINT retry_policy_max_attempts_in_range CHECK (max_attempts BETWEEN 1 AND 1000),
    backoff            text NOT NULL
        CONSTRAINT retry_policy_backoff_allowed CHECK (backoff IN (
            'exponential',  -- base * 2^(attempts-1), capped
            'linear',       -- base * attempts, capped
            'fixed'         -- base every time
        )),
    base_delay_seconds numeric NOT NULL CONSTRAINT retry_policy_base_delay_positive CHECK (base_delay_seconds > 0),
    max_delay_seconds  numeric NOT NULL,
    description        text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT 'active' CONSTRAINT retry_policy_status_allowed CHECK (status IN ('active', 'retired')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retry_policy_max_delay_at_least_base CHECK (max_delay_seconds >= base_delay_seconds)
);

INSERT INTO retry_policy_registry (code, max_attempts, backoff, base_delay_seconds, max_delay_seconds, description) VALUES
    ('default',     5, 'exponential', 5, 5 * 1024, 'exponential: base * 2^(attempts-1), capped at 2^10 * base'),
    ('linear',      5, 'linear',      30, 3600,    'linear: base * attempts'),
    ('fixed',       5, 'fixed',       60, 60,      'fixed: the same delay every time'),
    ('no_retry',    1, 'fixed',       1, 1,        'one attempt, then the dead letter queue');

CREATE FUNCTION fn_retry_delay(p_policy text, p_attempts integer) RETURNS interval
LANGUAGE plpgsql STABLE AS $$
-- Delay before the next try after p_attempts failed attempts.
DECLARE
    r retry_policy_registry%ROWTYPE;
    v_seconds numeric;
BEGIN
    SELECT * INTO r FROM retry_policy_registry WHERE code = coalesce(p_policy, 'default');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not in retry_policy_registry', p_policy USING ERRCODE = 'QG005';
    END IF;
    v_seconds := CASE r.backoff
        WHEN 'exponential' THEN r.base_delay_seconds * power(2::numeric, least(greatest(p_attempts, 1) - 1, 30))
        WHEN 'linear'      THEN r.base_delay_seconds * greatest(p_attempts, 1)
        ELSE r.base_delay_seconds
    END;
    RETURN make_interval(secs => least(v_seconds, r.max_delay_seconds)::double precision);
END;
$$;

CREATE TABLE executor_class_registry (
    code            text PRIMARY KEY CONSTRAINT executor_class_code_format CHECK (code ~ '^[a-z][a-z0-9_.-]{0,62}$'),
    name            text NOT NULL,
    executor_kind   qg_executor_kind NOT NULL,
    handler_ref     text,
    max_concurrency integer CONSTRAINT executor_class_max_concurrency_positive CHECK (max_concurrency IS NULL OR max_concurrency > 0),
    status          text NOT NULL DEFAULT 'active' CONSTRAINT executor_class_status_allowed CHECK (status IN ('active', 'retired')),
    description     text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN executor_class_registry.max_concurrency IS 'Most jobs of this class running at once (NULL: no cap); enforced by fn_job_claim.';

INSERT INTO executor_class_registry (code, name, executor_kind, handler_ref, max_concurrency, description) VALUES
    ('pg_worker',       'queuegov Python worker', 'PG_worker',       'jobs.worker', NULL, 'manage.py queue_worker'),
    ('external_worker', 'external SQL worker',    'external_worker', NULL,          NULL, 'any process using the SQL API'),
    ('agent',           'AI agents',              'Agent',           NULL,          4,    'agent jobs'),
    ('hermes',          'Hermes orchestrator',    'Hermes',          NULL,          4,    'Hermes jobs'),
    ('codex',           'code agents',            'Codex',           NULL,          2,    'Codex jobs'),
    ('dot',             'DOT operator runtime',   'DOT',             NULL,          1,    'DOT runs');

CREATE TABLE consumer_registry (
    job_kind       text PRIMARY KEY CONSTRAINT consumer_job_kind_format CHECK (job_kind ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$'),
    executor_class text NOT NULL REFERENCES executor_class_registry (code),
    queue_name     text NOT NULL DEFAULT 'default' CONSTRAINT consumer_queue_name_format CHECK (queue_name ~ '^[a-z][a-z0-9_]{0,50}$'),
    retry_policy   text NOT NULL DEFAULT 'default' REFERENCES retry_policy_registry (code),
    handler_ref    text,
    description    text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'active' CONSTRAINT consumer_status_allowed CHECK (status IN ('active', 'retired')),
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN consumer_registry.handler_ref IS 'Dotted path of the Python handler the queuegov worker runs (module.function).';

CREATE TABLE queue_state (
    queue_name text PRIMARY KEY CONSTRAINT queue_name_format CHECK (queue_name ~ '^[a-z][a-z0-9_]{0,50}$'),
    paused     boolean NOT NULL DEFAULT false,
    paused_by  text,
    paused_at  timestamptz,
    reason     text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT queue_pause_has_reason CHECK (NOT paused OR (paused_by IS NOT NULL AND reason IS NOT NULL))
);
INSERT INTO queue_state (queue_name) VALUES ('default'), ('maintenance');

CREATE TABLE idempotency_key (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope      text NOT NULL,
    key        text NOT NULL,
    result_ref text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    expires_at timestamptz,
    CONSTRAINT idempotency_key_unique UNIQUE (scope, key)
);
COMMENT ON TABLE idempotency_key IS 'Deduplication of operator actions and external calls (e.g. a dead-letter replay done once).';

CREATE TABLE queue_heartbeat (
    executor_name     text PRIMARY KEY CONSTRAINT heartbeat_executor_name_format CHECK (length(executor_name) BETWEEN 1 AND 200),
    executor_kind     qg_executor_kind NOT NULL,
    status            text NOT NULL DEFAULT 'fresh' CONSTRAINT heartbeat_status_allowed CHECK (status IN ('fresh', 'stale')),
    last_beat_at      timestamptz NOT NULL DEFAULT now(),
    first_beat_at     timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    beats             bigint NOT NULL DEFAULT 1,
    meta              qg_safe_payload NOT NULL DEFAULT '{}'
);

CREATE FUNCTION fn_consumer_register(
    p_job_kind       text,
    p_executor_class text DEFAULT 'pg_worker',
    p_queue_name     text DEFAULT 'default',
    p_retry_policy   text DEFAULT 'default',
    p_handler_ref    text DEFAULT NULL,
    p_description    text DEFAULT ''
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Bind a job kind to its executor class, default queue, retry policy and handler.
DECLARE
    v_actor text := fn_actor_required();
    v_existed boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM executor_class_registry WHERE code = p_executor_class AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_executor_class: % is not an active executor class', p_executor_class USING ERRCODE = 'QG005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM retry_policy_registry WHERE code = p_retry_policy AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not an active retry policy', p_retry_policy USING ERRCODE = 'QG005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = p_queue_name) THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    v_existed := EXISTS (SELECT 1 FROM consumer_registry WHERE job_kind = p_job_kind);
    INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description)
    VALUES (p_job_kind, p_executor_class, p_queue_name, p_retry_policy, p_handler_ref, coalesce(p_description, ''))
    ON CONFLICT (job_kind) DO UPDATE
        SET executor_class = EXCLUDED.executor_class, queue_name = EXCLUDED.queue_name,
            retry_policy = EXCLUDED.retry_policy, handler_ref = EXCLUDED.handler_ref,
            description = EXCLUDED.description, status = 'active';
    RETURN jsonb_build_object('status', CASE WHEN v_existed THEN 'updated' ELSE 'registered' END,
                              'job_kind', p_job_kind, 'by', v_actor);
END;
$$;

-- The built-in maintenance kinds run on the maintenance queue with no retries
-- (the next scheduled run is the retry).
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.lease_reaper',  'pg_worker', 'maintenance', 'no_retry', 'jobs.builtin.lease_reaper',  'requeue or dead-letter expired leases'),
    ('queuegov.stale_check',   'pg_worker', 'maintenance', 'no_retry', 'jobs.builtin.stale_check',   'mark silent executors stale'),
    ('queuegov.schedule_tick', 'pg_worker', 'maintenance', 'no_retry', 'jobs.builtin.schedule_tick', 'enqueue due schedules'),
    ('queuegov.noop',          'pg_worker', 'default',     'default',  'jobs.builtin.noop',          'does nothing (smoke tests, benchmarks)');
