-- Why: each rule written once (issue 13).
--
-- * Gates are read through fn_gate_open, which refuses a key that does not
--   exist, instead of inline `(SELECT value FROM dot_config WHERE key = '...')`,
--   where a mistyped key silently meant "closed forever" (docs/architecture.md,
--   "Governance"). tests/sql/test_gate_reads.py checks every literal key a
--   function reads.
-- * fn_sql_event_route_register refuses a prohibited payload column by
--   fn_payload_prohibited_keys() (after fn_payload_key_normalized, as payload
--   keys are compared), not by its own copy of the list.
-- * fn_iu_route_worker_run (150 lines) is split so a later fix replaces a small
--   function: fn_iu_route_worker_run checks the gates and walks the worker's
--   cursors; fn_iu_route_cursor_run drains one cursor's domain; fn_iu_route_deliver
--   runs one route for one event. The behaviour is the same.

CREATE OR REPLACE FUNCTION fn_event_deliver(p_batch_size integer DEFAULT 1000) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Fan undelivered events out to their recipients' inboxes.
DECLARE
    v_events integer;
    v_rows integer;
BEGIN
    IF NOT fn_gate_open('event.delivery.enabled') THEN
        RETURN fn_gate_closed_result('event.delivery.enabled');
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _qg_deliver (id bigint, created_at timestamptz) ON COMMIT DROP;
    TRUNCATE _qg_deliver;
    WITH picked AS (
        SELECT id, created_at FROM event_outbox WHERE delivered_at IS NULL
        ORDER BY id LIMIT p_batch_size FOR UPDATE SKIP LOCKED
    )
    INSERT INTO _qg_deliver SELECT id, created_at FROM picked;
    GET DIAGNOSTICS v_events = ROW_COUNT;
    IF v_events = 0 THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'events', 0, 'inbox_rows', 0);
    END IF;
    INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)
    SELECT DISTINCT ON (r.event_id, r.recipient_kind, r.recipient_ref)
           r.event_id, r.event_created_at, r.recipient_kind, r.recipient_ref, r.via
    FROM v_event_recipient r JOIN _qg_deliver d ON d.id = r.event_id AND d.created_at = r.event_created_at
    WHERE r.recipient_kind <> 'executor'
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    UPDATE event_outbox e SET delivered_at = now() FROM _qg_deliver d WHERE e.id = d.id AND e.created_at = d.created_at;
    IF fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_inbox', v_events::text);
    END IF;
    RETURN jsonb_build_object('status', 'delivered', 'events', v_events, 'inbox_rows', v_rows);
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_emit(
    p_event_type     text,
    p_subject_table  text DEFAULT NULL,
    p_subject_ref    text DEFAULT NULL,
    p_payload        jsonb DEFAULT '{}',
    p_severity       text DEFAULT NULL,
    p_correlation_id text DEFAULT NULL,
    p_causation_id   text DEFAULT NULL,
    p_occurred_at    timestamptz DEFAULT NULL,
    p_classification text DEFAULT 'safe_metadata',
    p_fact_key       text DEFAULT '',
    p_actor          text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed.
DECLARE
    t  event_type_registry%ROWTYPE;
    v_id bigint;
    v_existing bigint;
    v_actor text := CASE WHEN fn_caller_names_actor() THEN coalesce(p_actor, fn_actor()) ELSE fn_actor() END;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF t.status <> 'active' THEN
        RAISE EXCEPTION 'event_type_not_active: % is %; only active types are emitted', p_event_type, t.status
            USING ERRCODE = 'QG003';
    END IF;
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_subject: subject table and subject ref go together (got %, %)', p_subject_table, p_subject_ref
            USING ERRCODE = 'QG004';
    END IF;
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id);
    END IF;
    IF length(p_fact_key) > 200 THEN
        RAISE EXCEPTION 'event_ref_too_long: the fact key is % characters; at most 200', length(p_fact_key)
            USING ERRCODE = 'QG004';
    END IF;
    PERFORM fn_payload_assert_size(p_payload, 'payload');
    v_id := nextval('event_outbox_id_seq');
    IF p_subject_ref IS NOT NULL THEN
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        VALUES (t.event_domain, p_event_type, p_subject_table, p_subject_ref, coalesce(p_fact_key, ''), v_id)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            SELECT event_id INTO v_existing FROM event_subject_key
             WHERE event_domain = t.event_domain AND event_type = p_event_type
               AND event_subject_table = p_subject_table AND event_subject_ref = p_subject_ref
               AND fact_key = coalesce(p_fact_key, '');
            RETURN jsonb_build_object('status', 'duplicate', 'event_id', v_existing);
        END IF;
    END IF;
    INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                              payload_classification, event_subject_table, event_subject_ref, correlation_id,
                              causation_id, actor, occurred_at)
    VALUES (v_id, t.event_domain, t.event_stream, p_event_type, t.delivery_lane, coalesce(p_severity, t.default_severity),
            coalesce(p_payload, '{}'), coalesce(p_classification, 'safe_metadata'), p_subject_table, p_subject_ref,
            p_correlation_id, p_causation_id, v_actor, coalesce(p_occurred_at, now()));
    IF fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || t.event_domain, v_id::text);
    END IF;
    RETURN jsonb_build_object('status', 'emitted', 'event_id', v_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Immediate lane: each capture becomes an event at once. Delayed lane: the
-- captures of one (stable_key, event_type) group become one event once the
-- group has been quiet for event.debounce_seconds. A failing row or group
-- records error_count/last_error and never blocks the others.
DECLARE
    v_now timestamptz := coalesce(p_now, clock_timestamp());
    v_quiet interval;
    r record;
    g record;
    v_answer jsonb;
    v_emitted integer := 0;
    v_duplicates integer := 0;
    v_groups integer := 0;
    v_failed integer := 0;
    v_max_errors integer;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.event_pending_process')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another fn_event_pending_process is running');
    END IF;
    v_quiet := make_interval(secs => fn_setting_int('event.debounce_seconds'));
    -- rows that failed event.retry.max_attempts times are parked (visible in the admin's pending backlog)
    v_max_errors := fn_setting_int('event.retry.max_attempts');

    -- immediate lane
    FOR r IN
        SELECT p.* FROM event_pending p JOIN event_type_registry t USING (event_type)
        WHERE p.processed_at IS NULL AND t.delivery_lane = 'immediate' AND p.error_count < v_max_errors
        ORDER BY p.id LIMIT p_batch_size
    LOOP
        BEGIN
            v_answer := fn_event_emit(r.event_type, r.event_subject_table, r.event_subject_ref, r.capture_payload,
                                      NULL, r.correlation_id, r.causation_id, r.captured_at, 'safe_metadata',
                                      'pending:' || r.id, r.actor);
            IF v_answer ->> 'status' = 'gate_closed' THEN
                RETURN v_answer;
            END IF;
            UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
             WHERE id = r.id;
            IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
        EXCEPTION WHEN OTHERS THEN
            UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = r.id;
            v_failed := v_failed + 1;
        END;
    END LOOP;

    -- delayed lane: quiet groups
    FOR g IN
        SELECT p.event_type, coalesce(p.stable_key, 'pending:' || p.id) AS group_key,
               array_agg(p.id ORDER BY p.id) AS ids, max(p.captured_at) AS last_at, min(p.captured_at) AS first_at,
               count(*) AS n, max(p.id) AS last_id, min(p.id) AS first_id
        FROM event_pending p JOIN event_type_registry t USING (event_type)
        WHERE p.processed_at IS NULL AND t.delivery_lane = 'delayed' AND p.error_count < v_max_errors
        GROUP BY p.event_type, coalesce(p.stable_key, 'pending:' || p.id)
        HAVING max(p.captured_at) <= v_now - v_quiet
        ORDER BY min(p.id)
        LIMIT p_batch_size
    LOOP
        BEGIN
            SELECT * INTO r FROM event_pending WHERE id = g.last_id;
            v_answer := fn_event_emit(
                g.event_type, r.event_subject_table, r.event_subject_ref,
                r.capture_payload || jsonb_build_object('captures', g.n, 'first_captured_at', g.first_at,
                                                        'last_captured_at', g.last_at, 'stable_key', g.group_key),
                NULL, r.correlation_id, r.causation_id, g.last_at, 'safe_metadata', 'group:' || g.first_id, r.actor);
            IF v_answer ->> 'status' = 'gate_closed' THEN
                RETURN v_answer;
            END IF;
            UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
             WHERE id = ANY (g.ids);
            v_groups := v_groups + 1;
            IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
        EXCEPTION WHEN OTHERS THEN
            UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = ANY (g.ids);
            v_failed := v_failed + 1;
        END;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed);
END;
$$;

-- ---------------------------------------------------------------------------
-- The route worker, in three functions
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_route_deliver(p_event event_outbox, p_route iu_outbound_route, p_worker_name text, p_max integer)
RETURNS text
LANGUAGE plpgsql AS $$
-- One route for one event, once: 'done' (routed, dry-run or dead-lettered
-- before), 'waiting' (a retry not yet due), 'dry_run', 'succeeded',
-- 'retrying' (failed, retried after fn_retry_delay) or 'dead_lettered' (failed
-- for the p_max-th time: iu_route_dead_letter, and system.route_dead_lettered).
DECLARE
    d iu_route_delivery%ROWTYPE;
    v_attempt integer;
    v_started timestamptz;
    v_result jsonb;
    v_error text;
    v_dl bigint;
BEGIN
    SELECT * INTO d FROM iu_route_delivery WHERE event_id = p_event.id AND route_id = p_route.id;
    IF FOUND AND d.status <> 'pending' THEN
        RETURN 'done';
    END IF;
    IF FOUND AND d.next_attempt_at > now() THEN
        RETURN 'waiting';
    END IF;
    v_attempt := coalesce(d.attempts, 0) + 1;
    v_started := clock_timestamp();
    IF p_route.dry_run THEN
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'dry_run', NULL,
            jsonb_build_object('would', p_route.action_kind, 'target', p_route.target), v_started);
        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts)
        VALUES (p_event.id, p_route.id, 'dry_run', v_attempt)
        ON CONFLICT (event_id, route_id) DO UPDATE SET status = 'dry_run', attempts = EXCLUDED.attempts, updated_at = now();
        RETURN 'dry_run';
    END IF;
    BEGIN
        v_result := fn_iu_route_dispatch(p_event, p_route);
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'succeeded', NULL, v_result,
                                           v_started);
        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts)
        VALUES (p_event.id, p_route.id, 'succeeded', v_attempt)
        ON CONFLICT (event_id, route_id) DO UPDATE
            SET status = 'succeeded', attempts = EXCLUDED.attempts, last_error = NULL, updated_at = now();
        RETURN 'succeeded';
    EXCEPTION WHEN OTHERS THEN
        v_error := left(SQLERRM, 2000);
    END;
    PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'failed', v_error, NULL, v_started);
    IF v_attempt < p_max THEN
        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, next_attempt_at, last_error)
        VALUES (p_event.id, p_route.id, 'pending', v_attempt, now() + fn_retry_delay('default', v_attempt), v_error)
        ON CONFLICT (event_id, route_id) DO UPDATE
            SET status = 'pending', attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at,
                last_error = EXCLUDED.last_error, updated_at = now();
        RETURN 'retrying';
    END IF;
    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, last_error)
    VALUES (p_event.id, p_route.id, 'dead_lettered', v_attempt, v_error)
    ON CONFLICT (event_id, route_id) DO UPDATE
        SET status = 'dead_lettered', attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
            next_attempt_at = NULL, updated_at = now();
    INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                      attempts, last_error, event_snapshot)
    VALUES (p_event.id, p_event.created_at, p_event.event_type, p_route.id, p_worker_name, v_attempt, v_error,
            to_jsonb(p_event) - 'tx_id')
    ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
    RETURNING id INTO v_dl;
    PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
        jsonb_build_object('event_id', p_event.id, 'event_type', p_event.event_type, 'route', p_route.route_name,
                           'attempts', v_attempt),
        NULL, p_event.correlation_id, 'event:' || p_event.id);
    RETURN 'dead_lettered';
END;
$$;

CREATE FUNCTION fn_iu_route_cursor_run(c iu_route_worker_cursor, p_batch_size integer, p_horizon xid8, p_max integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Drain one cursor's domain: every matching enabled route of each event committed
-- before p_horizon, in commit-safe order (tx_id, id). The cursor moves only past a
-- prefix of fully routed events, so a failing route holds back its domain.
-- Answers {processed, dispatched, failed, dead_lettered, blocked, last_event_id}.
DECLARE
    ev event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    v_outcome text;
    v_event_done boolean;
    v_blocked boolean := false;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
BEGIN
    FOR ev IN
        SELECT * FROM event_outbox
        WHERE event_domain = c.event_domain AND (tx_id, id) > (c.last_tx_id, c.last_event_id) AND tx_id < p_horizon
        ORDER BY tx_id, id LIMIT p_batch_size
    LOOP
        v_event_done := true;
        FOR rt IN
            SELECT * FROM iu_outbound_route r
            WHERE r.enabled AND (r.event_type = ev.event_type
                  OR (right(r.event_type, 1) = '*' AND starts_with(ev.event_type, left(r.event_type, -1))))
            ORDER BY r.id
        LOOP
            v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name, p_max);
            CASE v_outcome
                WHEN 'waiting' THEN
                    v_event_done := false;
                WHEN 'succeeded' THEN
                    v_routed := v_routed + 1;
                WHEN 'retrying' THEN
                    v_failed := v_failed + 1;
                    v_event_done := false;
                WHEN 'dead_lettered' THEN
                    v_failed := v_failed + 1;
                    v_dead := v_dead + 1;
                    UPDATE iu_route_worker_cursor SET dead_lettered_count = dead_lettered_count + 1
                     WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
                ELSE
                    NULL;  -- done, dry_run
            END CASE;
        END LOOP;
        IF v_event_done AND NOT v_blocked THEN
            c.last_tx_id := ev.tx_id;
            c.last_event_id := ev.id;
            c.processed_count := c.processed_count + 1;
            v_processed := v_processed + 1;
        ELSE
            v_blocked := true;
        END IF;
    END LOOP;
    UPDATE iu_route_worker_cursor
       SET last_tx_id = c.last_tx_id, last_event_id = c.last_event_id, processed_count = c.processed_count,
           last_run_at = now()
     WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
    RETURN jsonb_build_object('processed', v_processed, 'dispatched', v_routed, 'failed', v_failed,
                              'dead_lettered', v_dead, 'blocked', v_blocked, 'last_event_id', c.last_event_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_worker_run(p_worker_name text, p_batch_size integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- One tick of a route worker: each of its enabled cursors not held by another
-- tick is drained by fn_iu_route_cursor_run; then the worker's heartbeat.
DECLARE
    c iu_route_worker_cursor%ROWTYPE;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_max integer := fn_setting_int('event.retry.max_attempts');
    v_any_cursor boolean := false;
    v_run jsonb;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_domains jsonb := '[]'::jsonb;
BEGIN
    IF NOT fn_gate_open('event.routes_master.enabled') THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF NOT fn_gate_open('event.route_worker.enabled') THEN
        RETURN fn_gate_closed_result('event.route_worker.enabled');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM iu_route_worker_cursor WHERE worker_name = p_worker_name) THEN
        RAISE EXCEPTION 'unknown_route_worker: % has no iu_route_worker_cursor row', p_worker_name USING ERRCODE = 'QG005';
    END IF;

    FOR c IN
        SELECT * FROM iu_route_worker_cursor WHERE worker_name = p_worker_name AND enabled
        ORDER BY event_domain FOR UPDATE SKIP LOCKED
    LOOP
        v_any_cursor := true;
        v_run := fn_iu_route_cursor_run(c, p_batch_size, v_horizon, v_max);
        v_processed := v_processed + (v_run ->> 'processed')::integer;
        v_routed := v_routed + (v_run ->> 'dispatched')::integer;
        v_failed := v_failed + (v_run ->> 'failed')::integer;
        v_dead := v_dead + (v_run ->> 'dead_lettered')::integer;
        v_domains := v_domains || jsonb_build_object('event_domain', c.event_domain,
                                                     'last_event_id', (v_run -> 'last_event_id'),
                                                     'blocked', (v_run -> 'blocked'));
    END LOOP;

    IF NOT v_any_cursor THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', format('another tick of %s holds its cursors (or all are disabled)', p_worker_name));
    END IF;
    IF fn_gate_open('queue.heartbeat.enabled') THEN
        PERFORM fn_queue_heartbeat_tick(p_worker_name, 'PG_worker',
                                        jsonb_build_object('role', 'route_worker', 'processed', v_processed));
    END IF;
    RETURN jsonb_build_object(
        'status', CASE WHEN v_processed + v_routed + v_failed = 0 THEN 'nothing_to_do' ELSE 'routed' END,
        'processed', v_processed, 'dispatched', v_routed, 'failed', v_failed, 'dead_lettered', v_dead,
        'cursors', v_domains);
END;
$$;

-- ---------------------------------------------------------------------------
-- Trigger-IN routes: the prohibited keys from their one list
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_sql_event_route_register(
    p_route_name text,
    p_source_table text,
    p_operation text,
    p_target_event_type text,
    p_condition jsonb DEFAULT '{}',
    p_subject_column text DEFAULT 'id',
    p_payload_columns text[] DEFAULT '{}',
    p_correlation_column text DEFAULT NULL,
    p_description text DEFAULT ''
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
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture ON %I', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture AFTER INSERT OR UPDATE OR DELETE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    RETURN jsonb_build_object('status', 'registered', 'route_id', v_id, 'gate', v_gate);
END;
$$;

-- The route worker's dead letters are now emitted by fn_iu_route_deliver.
UPDATE event_type_registry SET producer_ref = 'fn_iu_route_deliver'
 WHERE event_type = 'system.route_dead_lettered' AND producer_ref = 'fn_iu_route_worker_run';
