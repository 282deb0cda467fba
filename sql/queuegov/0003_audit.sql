-- Why: one append-only row per admin/command action attempt (SPEC §9), written
-- in the same transaction as the effect. The append-only triggers are declared
-- on the Django model (queuegov.models.AdminActionAudit) and installed by
-- migration 0005, after this table exists.

CREATE TABLE admin_action_audit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor         text NOT NULL,
    actor_user_id integer,
    roles         text[] NOT NULL DEFAULT '{}',
    action        text NOT NULL CONSTRAINT audit_action_not_blank CHECK (action <> ''),
    target_table  text,
    target_ids    text[] NOT NULL DEFAULT '{}',
    reason        text,
    before_state  jsonb,
    after_state   jsonb,
    outcome       text NOT NULL
        CONSTRAINT audit_outcome_allowed CHECK (outcome IN (
            'applied',   -- the effect happened
            'refused',   -- not allowed: permission, gate closed, four-eyes, ineligible rows
            'failed',    -- allowed but the effect raised an error and was rolled back
            'dry_run'    -- evaluated without effect
        )),
    detail        text,
    source        text NOT NULL DEFAULT 'admin'
        CONSTRAINT audit_source_allowed CHECK (source IN ('admin', 'command', 'worker', 'sql')),
    request_id    text,
    request_ip    inet,
    request_path  text,
    user_agent    text,
    txid          bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX admin_action_audit_occurred_at ON admin_action_audit (occurred_at DESC);
CREATE INDEX admin_action_audit_actor ON admin_action_audit (actor, occurred_at DESC);
CREATE INDEX admin_action_audit_action ON admin_action_audit (action, occurred_at DESC);
CREATE INDEX admin_action_audit_outcome ON admin_action_audit (outcome, occurred_at DESC);
CREATE INDEX admin_action_audit_targets ON admin_action_audit USING gin (target_ids);

CREATE FUNCTION fn_audit_record(
    p_action       text,
    p_outcome      text,
    p_target_table text DEFAULT NULL,
    p_target_ids   text[] DEFAULT '{}',
    p_reason       text DEFAULT NULL,
    p_before       jsonb DEFAULT NULL,
    p_after        jsonb DEFAULT NULL,
    p_detail       text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Who, roles and request metadata come from the actor context.
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO admin_action_audit (actor, actor_user_id, roles, action, target_table, target_ids,
                                    reason, before_state, after_state, outcome, detail, source,
                                    request_id, request_ip, request_path, user_agent)
    VALUES (
        fn_actor_required(),
        nullif(current_setting('queuegov.actor_user_id', true), '')::integer,
        coalesce(string_to_array(nullif(current_setting('queuegov.actor_roles', true), ''), ','), '{}'),
        p_action, p_target_table, coalesce(p_target_ids, '{}'), p_reason, p_before, p_after, p_outcome, p_detail,
        coalesce(nullif(current_setting('queuegov.source', true), ''), 'sql'),
        nullif(current_setting('queuegov.request_id', true), ''),
        nullif(current_setting('queuegov.request_ip', true), '')::inet,
        nullif(current_setting('queuegov.request_path', true), ''),
        nullif(current_setting('queuegov.user_agent', true), '')
    )
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
