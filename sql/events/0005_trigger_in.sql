-- Why: trigger-IN (SPEC §5): facts captured where they happen. Each
-- iu_sql_event_route maps (source table, operation, condition) to an event
-- type. One generic capture trigger, attached to each registered source
-- table, writes event_pending rows for live routes and, for dry-run routes,
-- what it *would* capture to iu_sql_event_route_dry_run_log.
--
-- Leaving dry-run is a governed four-eyes act: each route has a gate in
-- dot_config (event.sql_route.<route_name>.live); approving a change of that
-- gate (the gate-change flow, audited) flips the route by trigger.

CREATE TABLE iu_sql_event_route (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_name         text NOT NULL UNIQUE CONSTRAINT sql_route_name_format CHECK (route_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    source_table       text NOT NULL CONSTRAINT sql_route_source_table_format CHECK (source_table ~ '^[a-z_][a-z0-9_]{0,62}$'),
    operation          text NOT NULL CONSTRAINT sql_route_operation_allowed CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    -- a jsonb the row must contain (row @> condition), e.g. {"status": "dead"}; '{}' matches every row
    condition          jsonb NOT NULL DEFAULT '{}' CONSTRAINT sql_route_condition_is_object CHECK (jsonb_typeof(condition) = 'object'),
    target_event_type  text NOT NULL REFERENCES event_type_registry (event_type),
    subject_column     text NOT NULL DEFAULT 'id',
    -- safe metadata columns copied into the capture payload (never content)
    payload_columns    text[] NOT NULL DEFAULT '{}',
    correlation_column text,
    enabled            boolean NOT NULL DEFAULT false,
    dry_run            boolean NOT NULL DEFAULT true,
    gate_key           text NOT NULL UNIQUE,
    description        text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT disabled_route_is_dry_run CHECK (enabled OR dry_run)
);
CREATE INDEX iu_sql_event_route_source ON iu_sql_event_route (source_table, operation);

CREATE TABLE iu_sql_event_route_dry_run_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_id      bigint NOT NULL REFERENCES iu_sql_event_route (id),
    source_table  text NOT NULL,
    operation     text NOT NULL,
    subject_ref   text,
    would_capture jsonb NOT NULL,
    logged_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX iu_sql_event_route_dry_run_log_route ON iu_sql_event_route_dry_run_log (route_id, logged_at DESC);

CREATE FUNCTION fn_event_capture_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH ROW.
DECLARE
    r iu_sql_event_route%ROWTYPE;
    v_row jsonb;
    v_payload jsonb;
    v_subject text;
    v_col text;
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
        WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
    LOOP
        v_row := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
        CONTINUE WHEN NOT (v_row @> r.condition);
        v_subject := v_row ->> r.subject_column;
        v_payload := jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name);
        FOREACH v_col IN ARRAY r.payload_columns LOOP
            v_payload := v_payload || jsonb_build_object(v_col, v_row -> v_col);
        END LOOP;
        IF r.enabled AND NOT r.dry_run THEN
            PERFORM fn_event_capture(r.target_event_type, TG_TABLE_NAME, v_subject, v_payload,
                                     CASE WHEN r.correlation_column IS NOT NULL THEN v_row ->> r.correlation_column END);
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            VALUES (r.id, TG_TABLE_NAME, TG_OP, v_subject,
                    jsonb_build_object('event_type', r.target_event_type, 'payload', v_payload));
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION fn_config_guard_set(p_enabled boolean) RETURNS void
LANGUAGE plpgsql AS $$
-- Migrations (table owner only) switch dot_config's four-eyes guard off to add keys.
DECLARE
    v_name text;
BEGIN
    SELECT tgname INTO v_name FROM pg_trigger
     WHERE tgrelid = 'dot_config'::regclass AND tgname LIKE 'pgtrigger\_dot\_config\_four\_eyes\_only\_%';
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'dot_config four-eyes guard trigger is not installed' USING ERRCODE = 'QG005';
    END IF;
    EXECUTE format('ALTER TABLE dot_config %s TRIGGER %I', CASE WHEN p_enabled THEN 'ENABLE' ELSE 'DISABLE' END, v_name);
END;
$$;

CREATE FUNCTION fn_sql_event_route_register(
    p_route_name        text,
    p_source_table      text,
    p_operation         text,
    p_target_event_type text,
    p_condition         jsonb DEFAULT '{}',
    p_subject_column    text DEFAULT 'id',
    p_payload_columns   text[] DEFAULT '{}',
    p_correlation_column text DEFAULT NULL,
    p_description       text DEFAULT ''
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Register a trigger-IN route (born dry-run) and attach the capture trigger
-- to its source table. Run by migrations (it creates a dot_config gate row).
DECLARE
    v_gate text := 'event.sql_route.' || p_route_name || '.live';
    v_id bigint;
    v_col text;
BEGIN
    IF to_regclass(p_source_table) IS NULL THEN
        RAISE EXCEPTION 'unknown_table: % does not exist', p_source_table USING ERRCODE = 'QG005';
    END IF;
    FOREACH v_col IN ARRAY array_append(p_payload_columns, p_subject_column) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_source_table::regclass AND attname = v_col AND NOT attisdropped) THEN
            RAISE EXCEPTION 'unknown_column: %.% does not exist', p_source_table, v_col USING ERRCODE = 'QG005';
        END IF;
        IF lower(v_col) IN ('body', 'content', 'raw', 'vector', 'embedding', 'secret', 'token', 'password', 'ssn', 'personal_data') THEN
            RAISE EXCEPTION 'payload_prohibited_key: % cannot be copied into a capture payload', v_col
                USING ERRCODE = 'check_violation', CONSTRAINT = 'payload_prohibited_key';
        END IF;
    END LOOP;
    -- the route's four-eyes switch (a gate, OFF)
    PERFORM fn_config_guard_set(false);
    INSERT INTO dot_config (key, value, kind, value_type, description)
    VALUES (v_gate, 'false', 'gate', 'boolean', format('trigger-IN route %s leaves dry-run (%s %s → %s)',
                                                        p_route_name, p_operation, p_source_table, p_target_event_type))
    ON CONFLICT (key) DO NOTHING;
    PERFORM fn_config_guard_set(true);
    INSERT INTO iu_sql_event_route (route_name, source_table, operation, condition, target_event_type, subject_column,
                                    payload_columns, correlation_column, gate_key, description)
    VALUES (p_route_name, p_source_table, p_operation, coalesce(p_condition, '{}'), p_target_event_type, p_subject_column,
            p_payload_columns, p_correlation_column, v_gate, coalesce(p_description, ''))
    RETURNING id INTO v_id;
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture ON %I', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture AFTER INSERT OR UPDATE OR DELETE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    RETURN jsonb_build_object('status', 'registered', 'route_id', v_id, 'gate', v_gate);
END;
$$;

CREATE FUNCTION fn_sql_event_route_follow_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
-- An approved change of event.sql_route.<name>.live switches the route.
BEGIN
    UPDATE iu_sql_event_route SET enabled = (NEW.value = 'true'::jsonb), dry_run = (NEW.value <> 'true'::jsonb)
     WHERE gate_key = NEW.key;
    RETURN NULL;
END;
$$;
CREATE TRIGGER dot_config_sql_route_follow AFTER UPDATE OF value ON dot_config
    FOR EACH ROW WHEN (NEW.key LIKE 'event.sql\_route.%') EXECUTE FUNCTION fn_sql_event_route_follow_gate();

-- A real route: a job that exhausts its attempts becomes job.dead_lettered.
-- It ships live (it wires an existing producer); the durable event still
-- needs event.emit_enabled.
SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_sql_event_route_register(
    'job_dead_lettered', 'job_dead_letter', 'INSERT', 'job.dead_lettered', '{}', 'id',
    ARRAY['job_id', 'job_kind', 'queue_name', 'attempts'], NULL,
    'job_dead_letter INSERT → job.dead_lettered');
SELECT fn_config_guard_set(false);
UPDATE dot_config SET value = 'true', updated_by = 'system:migration' WHERE key = 'event.sql_route.job_dead_lettered.live';
SELECT fn_config_guard_set(true);
