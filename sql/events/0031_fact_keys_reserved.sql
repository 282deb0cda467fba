-- Why: a caller could take the fact key the engine gives a capture. The
-- pending processor emits a capture under 'pending:<capture id>' and a delayed
-- group under 'group:<first capture id>', through the public fn_event_emit. Any
-- login allowed to emit (the app, an executor) could write an event of the same
-- type and subject under that key first; processing then found the key taken,
-- answered "duplicate" and pointed the capture at the caller's event, payload
-- and all: the captured fact was replaced by a forged one and nothing said so.
--
-- fn_event_emit now refuses a fact key beginning with 'pending:' or 'group:'
-- (reserved_fact_key, QG004) and otherwise calls fn_event_emit_keyed, the old
-- body, which the processor now calls directly (docs/events.md, "Once per
-- subject"). tests/events/test_emit.py::test_a_caller_cannot_take_the_fact_key_the_engine_gives_a_capture.

CREATE FUNCTION fn_event_emit_keyed(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- fn_event_emit under any fact key, the engine's own included: for the pending
-- processor (pending:<capture id>, group:<first capture id>). Internal: it runs
-- in its caller's definer context.
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed.
DECLARE
    t  event_type_registry%ROWTYPE;
    v_id bigint;
    v_existing bigint;
    v_actor text := fn_event_actor(p_actor);
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type;
    PERFORM fn_event_emit_check(t, p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
                                p_fact_key, p_payload);
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

CREATE OR REPLACE FUNCTION fn_event_emit(p_event_type text, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text, p_payload jsonb DEFAULT '{}'::jsonb, p_severity text DEFAULT NULL::text, p_correlation_id text DEFAULT NULL::text, p_causation_id text DEFAULT NULL::text, p_occurred_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_classification text DEFAULT 'safe_metadata'::text, p_fact_key text DEFAULT ''::text, p_actor text DEFAULT NULL::text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed. The fact keys the
-- pending processor gives captures are the engine's: a caller may not write one.
BEGIN
    IF p_fact_key LIKE 'pending:%' OR p_fact_key LIKE 'group:%' THEN
        RAISE EXCEPTION 'reserved_fact_key: % is a fact key the engine gives captures (pending:<id>, group:<id>); choose another',
            p_fact_key USING ERRCODE = 'QG004';
    END IF;
    RETURN fn_event_emit_keyed(p_event_type, p_subject_table, p_subject_ref, p_payload, p_severity, p_correlation_id, p_causation_id, p_occurred_at, p_classification, p_fact_key, p_actor);
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Immediate lane: captures become events, a batch per statement
-- (fn_event_pending_emit_batch); a batch with a capture that breaks a rule,
-- and captures that failed before, go one at a time. Delayed lane: the
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
    v_batch record;
    v_set_based boolean := true;
    v_type text;
    v_failed_groups integer := 0;
    v_rows refcursor;
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

    -- immediate lane: one set-based batch; on a broken rule, row by row
    BEGIN
        v_batch := fn_event_pending_emit_batch(p_batch_size, v_now);
        v_emitted := v_batch.emitted;
        v_duplicates := v_batch.duplicates;
    EXCEPTION WHEN OTHERS THEN
        v_set_based := false;
    END;
    -- one at a time: captures that failed before (event_pending_retrying), or the whole
    -- batch when the set-based statement refused it
    IF v_set_based THEN
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count > 0 AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT greatest(p_batch_size - v_emitted - v_duplicates, 0);
    ELSE
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT p_batch_size;
    END IF;
    LOOP
        FETCH v_rows INTO r;
        EXIT WHEN NOT FOUND;
        BEGIN
            v_answer := fn_event_emit_keyed(r.event_type, r.event_subject_table, r.event_subject_ref, r.capture_payload,
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
    CLOSE v_rows;

    -- delayed lane: quiet groups, one delayed type at a time. EXECUTE plans each
    -- with its type's value, so the planner sees how few of the waiting captures
    -- it has and reads them from event_pending_unprocessed (keyed by type)
    -- instead of scanning every waiting capture.
    -- in a random order each call: a type with many quiet groups never starves the others
    FOR v_type IN SELECT event_type FROM event_type_registry WHERE delivery_lane = 'delayed' ORDER BY random() LOOP
        EXIT WHEN v_groups + v_failed_groups >= p_batch_size;
        FOR g IN EXECUTE
            'SELECT p.event_type, coalesce(p.stable_key, ''pending:'' || p.id) AS group_key,
                    array_agg(p.id ORDER BY p.id) AS ids, max(p.captured_at) AS last_at, min(p.captured_at) AS first_at,
                    count(*) AS n, max(p.id) AS last_id, min(p.id) AS first_id
               FROM event_pending p
              WHERE p.event_type = $1 AND p.processed_at IS NULL AND p.error_count < $2
              GROUP BY p.event_type, coalesce(p.stable_key, ''pending:'' || p.id)
             HAVING max(p.captured_at) <= $3
              ORDER BY min(p.id)
              LIMIT $4'
            USING v_type, v_max_errors, v_now - v_quiet, p_batch_size - v_groups - v_failed_groups
        LOOP
            BEGIN
                SELECT * INTO r FROM event_pending WHERE id = g.last_id;
                v_answer := fn_event_emit_keyed(
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
                v_failed_groups := v_failed_groups + 1;
            END;
        END LOOP;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed, 'one_at_a_time', NOT v_set_based);
END;
$$;
