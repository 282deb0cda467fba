-- Why: gates and settings (SPEC §4) live in one governed table. Every gate is
-- OFF on a fresh install; every change is kept in dot_config_history by a
-- trigger so the value of any key at any past time can be answered.

CREATE TABLE dot_config (
    key         text PRIMARY KEY
        CONSTRAINT config_key_format CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    value       jsonb NOT NULL,
    kind        text NOT NULL
        CONSTRAINT config_kind_allowed CHECK (kind IN (
            'gate',     -- boolean switch guarding a SQL function
            'setting'   -- a tunable number
        )),
    value_type  text NOT NULL
        CONSTRAINT config_value_type_allowed CHECK (value_type IN ('boolean', 'integer')),
    min_value   bigint,
    max_value   bigint,
    description text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by  text NOT NULL DEFAULT 'system:migration',
    CONSTRAINT config_gate_is_boolean CHECK (kind <> 'gate' OR value_type = 'boolean'),
    CONSTRAINT config_value_matches_type CHECK (
        (value_type = 'boolean' AND jsonb_typeof(value) = 'boolean')
        OR (value_type = 'integer' AND jsonb_typeof(value) = 'number'
            AND (value #>> '{}') ~ '^-?[0-9]+$'
            AND (min_value IS NULL OR (value #>> '{}')::numeric >= min_value)
            AND (max_value IS NULL OR (value #>> '{}')::numeric <= max_value))
    )
);
COMMENT ON TABLE dot_config IS 'Gates (all OFF by default) and settings; changed only through approved gate_change_request rows.';

CREATE TABLE dot_config_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL,
    old_value   jsonb,
    new_value   jsonb,
    operation   text NOT NULL CONSTRAINT config_history_operation_allowed CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    changed_by  text NOT NULL,
    gate_change_request_id bigint,
    request_id  text,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX dot_config_history_key_changed_at ON dot_config_history (key, changed_at DESC, id DESC);

CREATE FUNCTION fn_config_history_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dot_config_history (key, old_value, new_value, operation, changed_by,
                                    gate_change_request_id, request_id)
    VALUES (
        CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END,
        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.value END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.value END,
        TG_OP,
        coalesce(nullif(current_setting('queuegov.actor', true), ''), 'sql:' || session_user),
        nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint,
        nullif(current_setting('queuegov.request_id', true), '')
    );
    RETURN NULL;
END;
$$;

CREATE TRIGGER dot_config_history_capture
    AFTER INSERT OR DELETE OR UPDATE OF value ON dot_config
    FOR EACH ROW EXECUTE FUNCTION fn_config_history_capture();

SELECT set_config('queuegov.actor', 'system:migration', true);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description) VALUES
    ('event.emit_enabled',           'false', 'gate', 'boolean', NULL, NULL, 'producers write durable events to event_outbox'),
    ('event.routes_master.enabled',  'false', 'gate', 'boolean', NULL, NULL, 'all routing, and replay of routing dead letters'),
    ('event.route_worker.enabled',   'false', 'gate', 'boolean', NULL, NULL, 'the route worker tick'),
    ('event.delivery.enabled',       'false', 'gate', 'boolean', NULL, NULL, 'fan-out to recipients (inbox rows, NOTIFY to listeners)'),
    ('queue.job_substrate.enabled',  'false', 'gate', 'boolean', NULL, NULL, 'enqueueing jobs'),
    ('queue.worker.enabled',         'false', 'gate', 'boolean', NULL, NULL, 'claiming jobs'),
    ('queue.lease_reaper.enabled',   'false', 'gate', 'boolean', NULL, NULL, 'the lease reaper'),
    ('queue.dlq_replay.enabled',     'false', 'gate', 'boolean', NULL, NULL, 'replay of job dead letters'),
    ('queue.heartbeat.enabled',      'false', 'gate', 'boolean', NULL, NULL, 'heartbeat ticks and stale detection'),
    ('queue.notify.enabled',         'false', 'gate', 'boolean', NULL, NULL, 'pg_notify wake-ups'),
    ('queue.scheduler.enabled',      'false', 'gate', 'boolean', NULL, NULL, 'the schedule tick'),
    ('queue.retention.enabled',      'false', 'gate', 'boolean', NULL, NULL, 'retention sweeps of jobs and events'),
    ('iu_core.retention_enabled',    'false', 'gate', 'boolean', NULL, NULL, 'staging cleanup in apply mode'),
    ('event.debounce_seconds',               '90', 'setting', 'integer', 0, 86400, 'quiet period before a delayed-lane group is emitted'),
    ('event.retry.max_attempts',              '5', 'setting', 'integer', 1, 100, 'route attempts before an event is dead-lettered'),
    ('queue.heartbeat.stale_after_seconds', '300', 'setting', 'integer', 10, 86400, 'silence after which an executor is stale'),
    ('queue.retention.hot_days',             '30', 'setting', 'integer', 1, 3650, 'finished jobs stay in job_queue this long'),
    ('queue.retention.archive_days',         '90', 'setting', 'integer', 1, 3650, 'archived jobs are deleted after this long'),
    ('queue.retention.dlq_days',            '365', 'setting', 'integer', 1, 3650, 'dead letters are kept this long'),
    ('iu_core.staging_ttl_days',             '15', 'setting', 'integer', 1, 365, 'a staged manifest expires after this long'),
    ('iu_core.clean_after_days',             '15', 'setting', 'integer', 1, 365, 'expired staging payloads are cleaned after this long'),
    ('iu_core.archive_after_days',           '30', 'setting', 'integer', 1, 3650, 'cleaned staging records are archived after this long'),
    ('queue.payload.max_bytes',           '65536', 'setting', 'integer', 256, 10485760, 'largest transient payload accepted');

-- ---------------------------------------------------------------------------
-- Readers
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_gate_open(p_key text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
-- PL/pgSQL, not LANGUAGE sql: a sql helper with a sub-SELECT is re-planned per
-- transaction when called from PL/pgSQL (TECH-NOTES).
DECLARE
    v_value jsonb;
BEGIN
    SELECT value INTO v_value FROM dot_config WHERE key = p_key AND kind = 'gate';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_gate: % is not a gate in dot_config', p_key USING ERRCODE = 'QG005';
    END IF;
    RETURN v_value = 'true'::jsonb;
END;
$$;

CREATE FUNCTION fn_gate_closed_result(p_key text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('status', 'gate_closed', 'gate', p_key);
$$;

CREATE FUNCTION fn_setting_int(p_key text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_value jsonb;
BEGIN
    SELECT value INTO v_value FROM dot_config WHERE key = p_key AND kind = 'setting';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_setting: % is not a setting in dot_config', p_key USING ERRCODE = 'QG005';
    END IF;
    RETURN (v_value #>> '{}')::bigint;
END;
$$;

CREATE FUNCTION fn_config_value_at(p_key text, p_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- The value a key had at p_at (NULL if it did not exist then).
DECLARE
    v_value jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dot_config_history WHERE key = p_key) THEN
        RAISE EXCEPTION 'unknown_config_key: % has no history', p_key USING ERRCODE = 'QG005';
    END IF;
    SELECT new_value INTO v_value
    FROM dot_config_history
    WHERE key = p_key AND changed_at <= p_at
    ORDER BY changed_at DESC, id DESC
    LIMIT 1;
    RETURN v_value;
END;
$$;

CREATE FUNCTION fn_config_validate(p_key text, p_value jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- Raises invalid_config_value naming the rule; returns the normalised value.
DECLARE
    c dot_config%ROWTYPE;
    v_num numeric;
BEGIN
    SELECT * INTO c FROM dot_config WHERE key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_config_key: % is not a gate or setting', p_key USING ERRCODE = 'QG005';
    END IF;
    IF p_value IS NULL THEN
        RAISE EXCEPTION 'invalid_config_value: % needs a value', p_key USING ERRCODE = 'QG004';
    END IF;
    IF c.value_type = 'boolean' THEN
        IF jsonb_typeof(p_value) <> 'boolean' THEN
            RAISE EXCEPTION 'invalid_config_value: % is a gate and takes true or false, not %', p_key, p_value::text
                USING ERRCODE = 'QG004';
        END IF;
        RETURN p_value;
    END IF;
    IF jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}') !~ '^-?[0-9]+$' THEN
        RAISE EXCEPTION 'invalid_config_value: % takes a whole number, not %', p_key, p_value::text
            USING ERRCODE = 'QG004';
    END IF;
    v_num := (p_value #>> '{}')::numeric;
    IF (c.min_value IS NOT NULL AND v_num < c.min_value) OR (c.max_value IS NOT NULL AND v_num > c.max_value) THEN
        RAISE EXCEPTION 'invalid_config_value: % must be between % and %, not %',
                p_key, coalesce(c.min_value::text, '-inf'), coalesce(c.max_value::text, 'inf'), v_num
            USING ERRCODE = 'QG004';
    END IF;
    RETURN p_value;
END;
$$;

-- ---------------------------------------------------------------------------
-- Payload size cap: reads configuration, so it lives in writers, not a CHECK
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_payload_assert_size(p jsonb, p_column text DEFAULT 'payload') RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_max bigint;
    v_size integer;
BEGIN
    IF p IS NULL THEN
        RETURN;
    END IF;
    v_size := octet_length(p::text);
    -- Small payloads never need the lookup (the minimum cap is 256 bytes).
    IF v_size <= 256 THEN
        RETURN;
    END IF;
    SELECT (value #>> '{}')::bigint INTO v_max FROM dot_config WHERE key = 'queue.payload.max_bytes';
    IF v_size > v_max THEN
        RAISE EXCEPTION 'payload_too_large: % is % bytes; queue.payload.max_bytes is %', p_column, v_size, v_max
            USING ERRCODE = 'QG007', COLUMN = p_column;
    END IF;
END;
$$;

CREATE FUNCTION fn_payload_size_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
-- Reusable BEFORE INSERT/UPDATE trigger: TG_ARGV names the payload columns.
DECLARE
    v_col text;
    v_row jsonb := to_jsonb(NEW);
BEGIN
    FOREACH v_col IN ARRAY TG_ARGV LOOP
        PERFORM fn_payload_assert_size(v_row -> v_col, v_col);
    END LOOP;
    RETURN NEW;
END;
$$;
