-- Why: executor liveness (SPEC §6): every executor beats; a stale check marks
-- silent ones stale once per fresh→stale transition (the event substrate
-- turns those transitions into system.queue_worker_silent / _recovered).

CREATE FUNCTION fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_old text;
BEGIN
    IF NOT fn_gate_open('queue.heartbeat.enabled') THEN
        RETURN fn_gate_closed_result('queue.heartbeat.enabled');
    END IF;
    PERFORM fn_payload_assert_size(p_meta, 'meta');
    SELECT status INTO v_old FROM queue_heartbeat WHERE executor_name = p_executor_name FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO queue_heartbeat (executor_name, executor_kind, meta)
        VALUES (p_executor_name, p_executor_kind, coalesce(p_meta, '{}'));
        RETURN jsonb_build_object('status', 'registered', 'executor_name', p_executor_name);
    END IF;
    UPDATE queue_heartbeat
       SET last_beat_at = now(), beats = beats + 1, executor_kind = p_executor_kind, meta = coalesce(p_meta, meta),
           status = 'fresh', status_changed_at = CASE WHEN status = 'stale' THEN now() ELSE status_changed_at END
     WHERE executor_name = p_executor_name;
    IF v_old = 'stale' THEN
        PERFORM fn_event_capture('system.queue_worker_recovered', 'queue_heartbeat', p_executor_name,
                                 jsonb_build_object('executor_kind', p_executor_kind));
    END IF;
    RETURN jsonb_build_object('status', CASE WHEN v_old = 'stale' THEN 'recovered' ELSE 'fresh' END,
                              'executor_name', p_executor_name);
END;
$$;

CREATE FUNCTION fn_queue_stale_check(p_now timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_after interval;
    v_newly text[];
    v_stale integer;
BEGIN
    IF NOT fn_gate_open('queue.heartbeat.enabled') THEN
        RETURN fn_gate_closed_result('queue.heartbeat.enabled');
    END IF;
    v_after := make_interval(secs => fn_setting_int('queue.heartbeat.stale_after_seconds'));
    WITH s AS (
        UPDATE queue_heartbeat SET status = 'stale', status_changed_at = p_now
         WHERE status = 'fresh' AND last_beat_at < p_now - v_after
        RETURNING executor_name
    )
    SELECT coalesce(array_agg(executor_name ORDER BY executor_name), '{}') INTO v_newly FROM s;
    -- once per fresh→stale transition
    PERFORM fn_event_capture('system.queue_worker_silent', 'queue_heartbeat', h.executor_name,
                             jsonb_build_object('executor_kind', h.executor_kind, 'last_beat_at', h.last_beat_at,
                                                'stale_after_seconds', extract(epoch FROM v_after)))
    FROM queue_heartbeat h WHERE h.executor_name = ANY (v_newly);
    SELECT count(*) INTO v_stale FROM queue_heartbeat WHERE status = 'stale';
    RETURN jsonb_build_object('status', CASE WHEN cardinality(v_newly) = 0 THEN 'nothing_to_do' ELSE 'stale_detected' END,
                              'newly_stale', to_jsonb(v_newly), 'stale_total', v_stale);
END;
$$;
