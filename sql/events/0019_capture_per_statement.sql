-- Trigger-IN captures a statement at a time (docs/architecture.md, "The event pipeline").
--
-- Before: fn_event_capture_trigger ran FOR EACH ROW: an INSERT…SELECT of
-- 50,000 rows into a table with a live route ran 50,000 PL/pgSQL calls
-- (~12,500 rows/s, 0.04× the same INSERT without a route). Now each watched
-- table has three statement triggers with transition tables (one per
-- operation: a trigger with transition tables has one event), and the same
-- function captures every row of the statement in one INSERT…SELECT per
-- matching route: same conditions, subject, payload columns, correlation and
-- actor as row by row; a reference over 200 characters is refused by its
-- named rule (fn_event_refs_checked) before anything is written.

CREATE FUNCTION fn_event_refs_pass(p_subject_ref text, p_correlation_id text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
-- true, or fn_event_refs_checked's refusal: a condition a set-based capture can ask per row.
BEGIN
    PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, NULL);
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_capture_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH
-- STATEMENT, the statement's rows in the transition table qg_rows (NEW rows;
-- OLD rows for DELETE). A capture fires on whatever table it watches, written
-- by whoever may write it; the capture itself is the owner's.
DECLARE
    v_rows jsonb[];
    v_actor text;
    r iu_sql_event_route%ROWTYPE;
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
         WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
         ORDER BY id
    LOOP
        IF v_rows IS NULL THEN  -- the statement's rows, read once (and only when a route watches them)
            v_rows := ARRAY(SELECT to_jsonb(t) FROM qg_rows t);
            v_actor := fn_actor();
        END IF;
        EXIT WHEN cardinality(v_rows) = 0;
        IF r.enabled AND NOT r.dry_run THEN
            INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,
                                       capture_payload, actor)
            SELECT r.target_event_type, TG_TABLE_NAME, j ->> r.subject_column,
                   CASE WHEN r.correlation_column IS NOT NULL THEN j ->> r.correlation_column END,
                   jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || coalesce((SELECT jsonb_object_agg(col, j -> col) FROM unnest(r.payload_columns) AS col), '{}'),
                   v_actor
              FROM unnest(v_rows) WITH ORDINALITY AS x(j, n)
             WHERE j @> r.condition
               -- a long reference is asked of its named rule (which refuses it, and nothing is written)
               AND (coalesce(length(j ->> r.subject_column), 0) <= 200
                    AND (r.correlation_column IS NULL OR coalesce(length(j ->> r.correlation_column), 0) <= 200)
                    OR fn_event_refs_pass(j ->> r.subject_column,
                                          CASE WHEN r.correlation_column IS NOT NULL THEN j ->> r.correlation_column END))
             ORDER BY n;
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            SELECT r.id, TG_TABLE_NAME, TG_OP, j ->> r.subject_column,
                   jsonb_build_object('event_type', r.target_event_type, 'payload',
                       jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || coalesce((SELECT jsonb_object_agg(col, j -> col) FROM unnest(r.payload_columns) AS col), '{}'))
              FROM unnest(v_rows) WITH ORDINALITY AS x(j, n)
             WHERE j @> r.condition
             ORDER BY n;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION fn_event_capture_attach(p_source_table text) RETURNS void
LANGUAGE plpgsql AS $$
-- The capture's three statement triggers on a watched table (transition tables
-- name the statement's rows qg_rows).
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_insert ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_update ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_delete ON %I', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_update AFTER UPDATE ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
END;
$$;

-- The tables watched already move to the statement triggers.
SELECT fn_event_capture_attach(source_table) FROM (SELECT DISTINCT source_table FROM iu_sql_event_route) s;

CREATE OR REPLACE FUNCTION fn_sql_event_route_register(
    p_route_name text, p_source_table text, p_operation text, p_target_event_type text,
    p_condition jsonb DEFAULT '{}', p_subject_column text DEFAULT 'id', p_payload_columns text[] DEFAULT '{}',
    p_correlation_column text DEFAULT NULL, p_description text DEFAULT ''
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Register a trigger-IN route (born dry-run) and attach the capture triggers
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
        IF fn_payload_key_normalized(v_col) = ANY (fn_payload_prohibited_keys()) THEN
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
    PERFORM fn_event_capture_attach(p_source_table);
    RETURN jsonb_build_object('status', 'registered', 'route_id', v_id, 'gate', v_gate);
END;
$$;
