-- Why: the operator's governed acts on jobs (SPEC §6, §9): cancel, retry now,
-- dead-letter triage and replay, queue pause/resume. Each needs an actor and
-- records it; the admin wraps each call with its audit row.

CREATE FUNCTION fn_job_cancel_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Queued and running jobs become cancelled; a running job's late ack is then
-- refused by the fence. Finished jobs are reported, not touched.
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: cancelling jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    WITH c AS (
        UPDATE job_queue
           SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL,
               last_error = format('cancelled by %s: %s', v_actor, btrim(p_reason))
         WHERE id = ANY (p_job_ids) AND status IN ('queued', 'running')
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM c;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'cancelled' END,
        'cancelled', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)),
        'unknown', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT id FROM job_queue WHERE id = ANY (p_job_ids))));
END;
$$;

CREATE FUNCTION fn_job_cancel(p_job_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN fn_job_cancel_many(ARRAY[p_job_id], p_reason);
END;
$$;

CREATE FUNCTION fn_job_retry_now_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Queued jobs run now; cancelled jobs are queued again (with one more attempt
-- allowed if they had none left). Dead jobs go through the dead-letter replay.
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: retrying jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    WITH r AS (
        UPDATE job_queue
           SET status = 'queued', run_at = now(), finished_at = NULL,
               max_attempts = greatest(max_attempts, attempts + 1),
               last_error = CASE WHEN status = 'cancelled'
                                 THEN format('requeued by %s: %s (was: %s)', v_actor, btrim(p_reason), last_error)
                                 ELSE last_error END
         WHERE id = ANY (p_job_ids) AND status IN ('queued', 'cancelled')
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM r;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'requeued' END,
        'requeued', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status,
                        'why', CASE status WHEN 'dead' THEN 'dead jobs are replayed from their dead letter'
                                           WHEN 'running' THEN 'already running'
                                           ELSE 'already finished' END) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)));
END;
$$;

CREATE FUNCTION fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- open -> manual_replay | discarded; manual_replay -> open | discarded;
-- discarded -> open (transitions enforced by the FSM trigger on the table).
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_triage_status NOT IN ('open', 'manual_replay', 'discarded') THEN
        RAISE EXCEPTION 'invalid_triage_status: % (allowed: open, manual_replay, discarded; replayed is set by the replay)',
            p_triage_status USING ERRCODE = 'QG004';
    END IF;
    IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
        RAISE EXCEPTION 'reason_required: triage needs a note' USING ERRCODE = 'QG008';
    END IF;
    SELECT triage_status INTO v_old FROM job_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: job dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_triage_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'dead_letter_id', p_dead_letter_id, 'triage_status', v_old);
    END IF;
    UPDATE job_dead_letter SET triage_status = p_triage_status, triaged_by = v_actor, triaged_at = now(),
                               note = btrim(p_note)
     WHERE id = p_dead_letter_id;
    RETURN jsonb_build_object('status', 'triaged', 'dead_letter_id', p_dead_letter_id,
                              'from', v_old, 'to', p_triage_status);
END;
$$;

CREATE FUNCTION fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new job (same kind, payload, queue, priority, correlation) linked to the
-- dead letter; once per dead letter.
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

CREATE FUNCTION fn_queue_register(p_queue_name text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    INSERT INTO queue_state (queue_name) VALUES (p_queue_name) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name);
    END IF;
    RETURN jsonb_build_object('status', 'registered', 'queue_name', p_queue_name, 'by', v_actor);
END;
$$;

CREATE FUNCTION fn_queue_pause(p_queue_name text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    q queue_state%ROWTYPE;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: pausing a queue needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO q FROM queue_state WHERE queue_name = p_queue_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    IF q.paused THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name, 'paused_by', q.paused_by);
    END IF;
    UPDATE queue_state SET paused = true, paused_by = v_actor, paused_at = now(), reason = btrim(p_reason),
                           updated_at = now()
     WHERE queue_name = p_queue_name;
    RETURN jsonb_build_object('status', 'paused', 'queue_name', p_queue_name);
END;
$$;

CREATE FUNCTION fn_queue_resume(p_queue_name text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    q queue_state%ROWTYPE;
BEGIN
    SELECT * INTO q FROM queue_state WHERE queue_name = p_queue_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    IF NOT q.paused THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name);
    END IF;
    UPDATE queue_state SET paused = false, paused_by = NULL, paused_at = NULL,
                           reason = nullif(btrim(coalesce(p_reason, '')), ''), updated_at = now()
     WHERE queue_name = p_queue_name;
    RETURN jsonb_build_object('status', 'resumed', 'queue_name', p_queue_name, 'by', v_actor);
END;
$$;
