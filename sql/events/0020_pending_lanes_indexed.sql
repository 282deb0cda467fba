-- Pending processing costs the same whatever the backlog (docs/architecture.md,
-- "The event pipeline"). Measured (bench/event_bench.py (5)): with 1,000,000
-- immediate captures waiting, each call spent 117 ms of its 170 ms looking for
-- quiet delayed-lane groups: the query joined the type registry and scanned
-- every unprocessed capture. The delayed lane is now read one delayed type at a
-- time (event_pending_unprocessed is keyed by type), and the immediate lane's
-- one-at-a-time path through the immediate types in id order, so a backlog of
-- one lane is never scanned by the other.

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
    v_type text;
    v_failed_groups integer := 0;
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
        SELECT p.* FROM event_pending p
        WHERE p.processed_at IS NULL AND p.error_count < v_max_errors
          AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
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

    -- delayed lane: quiet groups, one delayed type at a time. EXECUTE plans each
    -- with its type's value, so the planner sees how few of the waiting captures
    -- it has and reads them from event_pending_unprocessed (keyed by type)
    -- instead of scanning every waiting capture.
    FOR v_type IN SELECT event_type FROM event_type_registry WHERE delivery_lane = 'delayed' ORDER BY event_type LOOP
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
                v_failed_groups := v_failed_groups + 1;
            END;
        END LOOP;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed);
END;
$$;
