-- Why: changing a gate or setting is a governed, four-eyes act (SPEC §4). A
-- request names the key, the new value and a reason; a different person
-- approves (which applies the change in the same transaction) or rejects it.
-- Status transitions are enforced by the pgtrigger FSM declared on the model
-- (installed by migration 0005); four-eyes is a CHECK so no path avoids it.

CREATE TABLE gate_change_request (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    config_key      text NOT NULL REFERENCES dot_config (key),
    old_value       jsonb NOT NULL,
    new_value       jsonb NOT NULL,
    reason          text NOT NULL CONSTRAINT gate_change_reason_required CHECK (length(btrim(reason)) >= 3),
    status          text NOT NULL DEFAULT 'pending'
        CONSTRAINT gate_change_status_allowed CHECK (status IN (
            'pending',    -- waiting for a second person
            'applied',    -- approved and written to dot_config
            'rejected',   -- refused by a second person
            'withdrawn'   -- taken back by the requester
        )),
    requested_by    text NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    CONSTRAINT four_eyes_decider_differs CHECK (
        status NOT IN ('applied', 'rejected') OR decided_by IS DISTINCT FROM requested_by),
    CONSTRAINT gate_change_decision_complete CHECK (
        (status = 'pending') = (decided_at IS NULL) AND (status = 'pending') = (decided_by IS NULL)),
    CONSTRAINT gate_change_changes_something CHECK (new_value IS DISTINCT FROM old_value)
);
CREATE UNIQUE INDEX gate_change_request_one_pending_per_key
    ON gate_change_request (config_key) WHERE status = 'pending';
CREATE INDEX gate_change_request_status ON gate_change_request (status, requested_at DESC);

CREATE FUNCTION fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old   jsonb;
    v_id    bigint;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: a gate change request needs a reason' USING ERRCODE = 'QG008';
    END IF;
    PERFORM fn_config_validate(p_key, p_new_value);
    SELECT value INTO v_old FROM dot_config WHERE key = p_key FOR SHARE;
    IF v_old = p_new_value THEN
        RAISE EXCEPTION 'no_change: % is already %', p_key, v_old::text USING ERRCODE = 'QG004';
    END IF;
    IF EXISTS (SELECT 1 FROM gate_change_request WHERE config_key = p_key AND status = 'pending') THEN
        RAISE EXCEPTION 'request_pending: % already has a pending change request; approve, reject or withdraw it first', p_key
            USING ERRCODE = 'QG003';
    END IF;
    INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)
    VALUES (p_key, v_old, p_new_value, btrim(p_reason), v_actor)
    RETURNING id INTO v_id;
    -- L1 capture (the event substrate turns it into governance.gate_change_requested)
    PERFORM fn_event_capture('governance.gate_change_requested', 'gate_change_request', v_id::text,
                             jsonb_build_object('key', p_key, 'old_value', v_old, 'new_value', p_new_value,
                                                'requested_by', v_actor));
    RETURN v_id;
END;
$$;

CREATE FUNCTION fn_gate_change_lock_pending(p_request_id bigint) RETURNS gate_change_request
LANGUAGE plpgsql AS $$
DECLARE
    r gate_change_request%ROWTYPE;
BEGIN
    SELECT * INTO r FROM gate_change_request WHERE id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_request: gate change request % does not exist', p_request_id USING ERRCODE = 'QG005';
    END IF;
    IF r.status <> 'pending' THEN
        RAISE EXCEPTION 'not_pending: gate change request % is % and cannot be decided again', p_request_id, r.status
            USING ERRCODE = 'QG003';
    END IF;
    RETURN r;
END;
$$;

CREATE FUNCTION fn_gate_change_approve(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Approval applies the change in this transaction.
DECLARE
    v_actor   text := fn_actor_required();
    r         gate_change_request%ROWTYPE;
    v_current jsonb;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by = v_actor THEN
        RAISE EXCEPTION 'four_eyes: approver must differ from requester (% requested gate change %)', v_actor, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: approving a gate change needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT value INTO v_current FROM dot_config WHERE key = r.config_key FOR UPDATE;
    IF v_current IS DISTINCT FROM r.old_value THEN
        RAISE EXCEPTION 'stale_request: % changed since request % was filed (was %, now %); reject it and file a new one',
                r.config_key, p_request_id, r.old_value::text, v_current::text
            USING ERRCODE = 'QG003';
    END IF;
    PERFORM fn_config_validate(r.config_key, r.new_value);

    -- The dot_config guard (dot_config_four_eyes_only) admits exactly this write.
    PERFORM set_config('queuegov.gate_change_request_id', p_request_id::text, true);
    UPDATE dot_config
       SET value = r.new_value, updated_at = clock_timestamp(), updated_by = v_actor
     WHERE key = r.config_key;
    PERFORM set_config('queuegov.gate_change_request_id', '', true);

    UPDATE gate_change_request
       SET status = 'applied', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = btrim(p_reason)
     WHERE id = p_request_id;
    PERFORM fn_event_capture('governance.gate_changed', 'gate_change_request', p_request_id::text,
                             jsonb_build_object('key', r.config_key, 'old_value', r.old_value, 'new_value', r.new_value,
                                                'requested_by', r.requested_by, 'approved_by', v_actor));

    RETURN jsonb_build_object('status', 'applied', 'request_id', p_request_id, 'key', r.config_key,
                              'old_value', r.old_value, 'new_value', r.new_value);
END;
$$;

CREATE FUNCTION fn_gate_change_reject(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    r       gate_change_request%ROWTYPE;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by = v_actor THEN
        RAISE EXCEPTION 'four_eyes: rejecter must differ from requester (% requested gate change %; withdraw it instead)', v_actor, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: rejecting a gate change needs a reason' USING ERRCODE = 'QG008';
    END IF;
    UPDATE gate_change_request
       SET status = 'rejected', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = btrim(p_reason)
     WHERE id = p_request_id;
    PERFORM fn_event_capture('governance.gate_change_rejected', 'gate_change_request', p_request_id::text,
                             jsonb_build_object('key', r.config_key, 'new_value', r.new_value,
                                                'requested_by', r.requested_by, 'rejected_by', v_actor));
    RETURN jsonb_build_object('status', 'rejected', 'request_id', p_request_id, 'key', r.config_key);
END;
$$;

CREATE FUNCTION fn_gate_change_withdraw(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    r       gate_change_request%ROWTYPE;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by <> v_actor THEN
        RAISE EXCEPTION 'not_requester: only % can withdraw gate change %', r.requested_by, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    UPDATE gate_change_request
       SET status = 'withdrawn', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = nullif(btrim(coalesce(p_reason, '')), '')
     WHERE id = p_request_id;
    RETURN jsonb_build_object('status', 'withdrawn', 'request_id', p_request_id, 'key', r.config_key);
END;
$$;
