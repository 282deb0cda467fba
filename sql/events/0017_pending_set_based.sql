-- Pending processing is set-based (docs/architecture.md, "The event pipeline").
--
-- Before: fn_event_pending_process emitted the immediate lane one capture at
-- a time (a fn_event_emit call, a subject-key insert, an outbox insert, a
-- pending update and a subtransaction per row: ~5,400 events/s). Now a batch
-- is one statement: lock the batch, check every capture by the emit's own
-- rules (fn_event_emit_check), insert its subject keys, its events and mark it
-- processed, and wake each domain once. If any capture of the batch breaks a
-- rule, the statement is undone and the batch goes the row-by-row way, which
-- records the error on that capture alone and emits the others. Captures that
-- failed before always go row by row.

CREATE FUNCTION fn_event_emit_check(t event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text,
                                    p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
-- The rules an event obeys before it is emitted, written once (fn_event_emit,
-- and each capture of a set-based batch): true, or the rule's error.
BEGIN
    IF t.event_type IS NULL THEN
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
    RETURN true;
END;
$$;

CREATE FUNCTION fn_event_actor(p_actor text) RETURNS text
LANGUAGE sql STABLE AS $$
    -- Who an event names: the actor a trusted caller passes on (a capture's), else who acts now.
    SELECT CASE WHEN fn_caller_names_actor() THEN coalesce(p_actor, fn_actor()) ELSE fn_actor() END;
$$;

CREATE OR REPLACE FUNCTION fn_event_emit(
    p_event_type text, p_subject_table text DEFAULT NULL, p_subject_ref text DEFAULT NULL,
    p_payload jsonb DEFAULT '{}', p_severity text DEFAULT NULL, p_correlation_id text DEFAULT NULL,
    p_causation_id text DEFAULT NULL, p_occurred_at timestamptz DEFAULT NULL,
    p_classification text DEFAULT 'safe_metadata', p_fact_key text DEFAULT '', p_actor text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_event_pending_emit_batch(p_batch_size integer, p_now timestamptz, OUT emitted integer,
                                            OUT duplicates integer)
LANGUAGE plpgsql AS $$
-- One set-based batch of the immediate lane: captures never failed before,
-- oldest first, locked (SKIP LOCKED), each checked by fn_event_emit_check (a
-- broken rule raises and undoes the whole batch: the caller then goes row by
-- row). Answers how many became events and how many were already emitted.
DECLARE
    v_domains text[];
    -- the immediate lane's types, so the batch is read in id order from the unprocessed
    -- captures' index and costs the same whatever the backlog behind it
    v_types text[] := ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate');
BEGIN
    WITH batch AS (
        SELECT p.id, p.event_type, p.event_subject_table, p.event_subject_ref, p.capture_payload, p.correlation_id,
               p.causation_id, p.captured_at, p.actor
          FROM event_pending p
         WHERE p.processed_at IS NULL AND p.event_type = ANY (v_types) AND p.error_count = 0
         ORDER BY p.id
         LIMIT p_batch_size
           FOR UPDATE OF p SKIP LOCKED
    ), checked AS (
        SELECT b.*, t AS type_row, t.event_domain, nextval('event_outbox_id_seq') AS event_id
          FROM batch b
          JOIN event_type_registry t USING (event_type)
         WHERE fn_event_emit_check(t, b.event_type, b.event_subject_table, b.event_subject_ref,
                                   b.correlation_id, b.causation_id, 'pending:' || b.id, b.capture_payload)
    ), keys AS (
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        SELECT c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id, c.event_id
          FROM checked c WHERE c.event_subject_ref IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING event_id
    ), earlier AS (  -- a capture emitted before (its key committed earlier): that event; probed only
                     -- for keys this batch did not insert, so the cost never grows with the key table
        SELECT c.id AS pending_id, k.event_id
          FROM checked c
          CROSS JOIN LATERAL (
                SELECT k.event_id FROM event_subject_key k
                 WHERE (k.event_domain, k.event_type, k.event_subject_table, k.event_subject_ref, k.fact_key)
                     = (c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id)
                 LIMIT 1) k
         WHERE c.event_subject_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keys WHERE keys.event_id = c.event_id)
    ), outbox AS (
        INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                                  payload_classification, event_subject_table, event_subject_ref, correlation_id,
                                  causation_id, actor, occurred_at)
        SELECT c.event_id, c.event_domain, (c.type_row).event_stream, c.event_type, (c.type_row).delivery_lane,
               (c.type_row).default_severity, coalesce(c.capture_payload, '{}'), 'safe_metadata',
               c.event_subject_table, c.event_subject_ref, c.correlation_id, c.causation_id, fn_event_actor(c.actor),
               c.captured_at
          FROM checked c
         WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.pending_id = c.id)
        RETURNING event_domain
    ), marked AS (
        UPDATE event_pending p
           SET processed_at = p_now, emitted_event_id = coalesce(e.event_id, c.event_id)
          FROM checked c LEFT JOIN earlier e ON e.pending_id = c.id
         WHERE p.id = c.id
        RETURNING e.event_id IS NOT NULL AS duplicate
    )
    SELECT (SELECT count(*) FILTER (WHERE NOT duplicate) FROM marked), (SELECT count(*) FILTER (WHERE duplicate) FROM marked),
           (SELECT array_agg(DISTINCT event_domain) FROM outbox)
      INTO emitted, duplicates, v_domains;
    IF v_domains IS NOT NULL AND fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || d, 'batch') FROM unnest(v_domains) AS d;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
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
    FOR r IN
        SELECT p.* FROM event_pending p JOIN event_type_registry t USING (event_type)
        WHERE p.processed_at IS NULL AND t.delivery_lane = 'immediate' AND p.error_count < v_max_errors
          AND (NOT v_set_based OR p.error_count > 0)
        ORDER BY p.id LIMIT greatest(p_batch_size - v_emitted - v_duplicates, 0)
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
