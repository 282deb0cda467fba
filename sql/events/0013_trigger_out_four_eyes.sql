-- Trigger-OUT routes go live through four-eyes, and call only registered
-- route targets (docs/events.md, "Going live").
--
-- Before: one operator's fn_iu_outbound_route_set put a route live, and a
-- call_function route could call any fn_*(jsonb) the app role may execute.
-- Now each outbound route has its own gate event.outbound_route.<name>.live
-- (born OFF, like every gate): a route is live (enabled, not dry-run) only
-- while that gate is open, and the gate opens only by an approved gate-change
-- request (one person requests, another approves). Approval puts the route
-- live; closing the gate puts it back in dry-run. While the gate is open an
-- operator may still pause the route (dry-run, disabled) and resume it: the
-- approval is "this route may be live"; withdrawing it is a gate change too.
-- A call_function route may target only a function in iu_route_target, a
-- registry an operator adds to (permission events.register_routetarget;
-- audited, fn_iu_route_target_register).

-- ---------------------------------------------------------------------------
-- Gates made at run time (routes, event types): the one way they are born
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_gate_create(p_key text, p_description text) RETURNS text
LANGUAGE plpgsql AS $$
-- A subject's own gate, born OFF. A subject made again under the same name
-- never inherits the old approval: an existing gate of that key is closed.
-- The dot_config guard admits exactly this write (OFF, for the key named in
-- queuegov.subject_gate), so no DDL runs at run time.
BEGIN
    PERFORM set_config('queuegov.subject_gate', p_key, true);
    INSERT INTO dot_config (key, value, kind, value_type, description, updated_by)
    VALUES (p_key, 'false', 'gate', 'boolean', p_description, coalesce(fn_actor(), 'system:migration'))
    ON CONFLICT (key) DO UPDATE
        SET value = 'false', description = EXCLUDED.description, updated_at = clock_timestamp(),
            updated_by = EXCLUDED.updated_by
        WHERE dot_config.value <> 'false' OR dot_config.description <> EXCLUDED.description;
    PERFORM set_config('queuegov.subject_gate', '', true);
    RETURN p_key;
END;
$$;

CREATE FUNCTION fn_gate_open_locked(p_key text) RETURNS boolean
LANGUAGE sql AS $$
    -- A subject's gate read under a share lock: a write that depends on it waits for a
    -- concurrent approval of a change of that gate, then reads the approved value.
    SELECT coalesce((SELECT value = 'true'::jsonb FROM dot_config WHERE key = p_key FOR SHARE), false);
$$;

-- ---------------------------------------------------------------------------
-- Route targets
-- ---------------------------------------------------------------------------
CREATE TABLE iu_route_target (
    function_name text PRIMARY KEY,
    description   text NOT NULL,
    status        text NOT NULL DEFAULT 'active',
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT route_target_name_format CHECK (function_name ~ '^fn_[a-z0-9_]{1,60}$'),
    CONSTRAINT route_target_status_allowed CHECK (status IN ('active', 'retired')),
    CONSTRAINT route_target_described CHECK (length(btrim(description)) >= 3)
);
COMMENT ON TABLE iu_route_target IS
    'The functions a call_function route may call (docs/events.md, "Going live"); registered by an operator, audited.';
COMMENT ON CONSTRAINT iu_route_target_pkey ON iu_route_target IS
    'a function is registered as a route target once: retire or re-register the existing row';
COMMENT ON CONSTRAINT route_target_name_format ON iu_route_target IS
    'a route target is a function named fn_<name> (lowercase letters, digits, _): register the function by that name';
COMMENT ON CONSTRAINT route_target_status_allowed ON iu_route_target IS
    'a route target is active or retired: use one of those two';
COMMENT ON CONSTRAINT route_target_described ON iu_route_target IS
    'a route target says what it does in at least 3 characters: describe it';

-- Targets of routes that exist already stay callable: registered by the migration.
INSERT INTO iu_route_target (function_name, description, registered_by, updated_by)
SELECT DISTINCT target, 'registered with an existing route by the migration', 'system:migration', 'system:migration'
  FROM iu_outbound_route WHERE action_kind = 'call_function'
ON CONFLICT DO NOTHING;

CREATE FUNCTION fn_iu_route_target_callable(p_function text) RETURNS regprocedure
LANGUAGE plpgsql STABLE AS $$
-- A function a route may call: registered and active, taking one jsonb, and
-- executable by the app role (routes reach only the SQL API). Raises why not.
DECLARE
    v_status text;
    v_target regprocedure;
BEGIN
    SELECT status INTO v_status FROM iu_route_target WHERE function_name = p_function;
    IF v_status IS DISTINCT FROM 'active' THEN
        RAISE EXCEPTION 'unregistered_route_target: % is % as a route target; an admin registers it (fn_iu_route_target_register) before a route may call it',
                p_function, coalesce(v_status, 'not registered') USING ERRCODE = 'QG002';
    END IF;
    v_target := to_regprocedure(format('%I(jsonb)', p_function));
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'unknown_function: %(jsonb) does not exist', p_function USING ERRCODE = 'QG005';
    END IF;
    IF NOT has_function_privilege(fn_db_role('app'), v_target, 'EXECUTE') THEN
        RAISE EXCEPTION 'route_target_refused: % is not one the app role may call; routes reach only the SQL API', v_target
            USING ERRCODE = 'QG002';
    END IF;
    RETURN v_target;
END;
$$;

CREATE FUNCTION fn_iu_route_target_register_unaudited(p_function text, p_description text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_function IS NULL OR p_function !~ '^fn_[a-z0-9_]{1,60}$' THEN
        RAISE EXCEPTION 'invalid_route_target: % is not a function name of the form fn_<name>', quote_nullable(p_function)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT status INTO v_old FROM iu_route_target WHERE function_name = p_function FOR UPDATE;
    IF v_old = 'active' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'function', p_function);
    END IF;
    INSERT INTO iu_route_target (function_name, description, registered_by, updated_by)
    VALUES (p_function, btrim(p_description), v_actor, v_actor)
    ON CONFLICT (function_name) DO UPDATE
        SET status = 'active', description = EXCLUDED.description, updated_by = v_actor, updated_at = now();
    PERFORM fn_iu_route_target_callable(p_function);  -- refuses (and undoes) a target no route could call
    RETURN jsonb_build_object('status', 'registered', 'function', p_function);
END;
$$;

CREATE FUNCTION fn_iu_route_target_register(p_function text, p_description text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_iu_route_target_register_unaudited(p_function, fn_reason_checked(p_description, 'description')),
        'route_target.register', 'iu_route_target', ARRAY[p_function], p_description, NULL,
        format('route target %s registered', p_function));
END;
$$;

CREATE FUNCTION fn_iu_route_target_retire_unaudited(p_function text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A retired target is refused to every route: its live routes' deliveries fail
-- and are parked, then dead-lettered, until it is registered again.
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    SELECT status INTO v_old FROM iu_route_target WHERE function_name = p_function FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_route_target: % is not a registered route target', p_function USING ERRCODE = 'QG005';
    END IF;
    IF v_old = 'retired' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'function', p_function);
    END IF;
    UPDATE iu_route_target SET status = 'retired', updated_by = v_actor, updated_at = now() WHERE function_name = p_function;
    RETURN jsonb_build_object('status', 'retired', 'function', p_function,
                              'routes', (SELECT coalesce(jsonb_agg(route_name ORDER BY route_name), '[]')
                                           FROM iu_outbound_route
                                          WHERE action_kind = 'call_function' AND target = p_function AND enabled));
END;
$$;

CREATE FUNCTION fn_iu_route_target_retire(p_function text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_iu_route_target_retire_unaudited(p_function, fn_reason_checked(p_reason)),
                        'route_target.retire', 'iu_route_target', ARRAY[p_function], p_reason, NULL,
                        format('route target %s retired', p_function));
END;
$$;

-- ---------------------------------------------------------------------------
-- Each outbound route's gate
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_outbound_route_gate_key(p_route_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    -- Gate keys are dotted lowercase words: the route name's - and . become _.
    SELECT 'event.outbound_route.' || translate(p_route_name, '-.', '__') || '.live';
$$;

ALTER TABLE iu_outbound_route ADD COLUMN gate_key text;
UPDATE iu_outbound_route SET gate_key = fn_iu_outbound_route_gate_key(route_name);
ALTER TABLE iu_outbound_route
    ALTER COLUMN gate_key SET NOT NULL,
    ADD CONSTRAINT outbound_route_gate_key_once UNIQUE (gate_key);
COMMENT ON CONSTRAINT outbound_route_gate_key_once ON iu_outbound_route IS
    'two route names that differ only in - . _ would share one gate: choose a name that differs in a letter or digit';
COMMENT ON COLUMN iu_outbound_route.gate_key IS
    'The route''s own four-eyes gate: it is live (enabled, not dry-run) only while this gate is open.';

-- Existing routes keep their state: a live one's gate is born open (on a
-- fresh install there is none), every other one OFF.
SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_gate_create(gate_key, format('outbound route %s goes live (%s → %s %s)', route_name, event_type, action_kind, target))
  FROM iu_outbound_route;
SELECT fn_config_guard_set(false);
UPDATE dot_config c SET value = 'true', updated_at = clock_timestamp()
  FROM iu_outbound_route r WHERE c.key = r.gate_key AND r.enabled AND NOT r.dry_run;
SELECT fn_config_guard_set(true);

CREATE FUNCTION fn_iu_outbound_route_escalates(o iu_outbound_route, n iu_outbound_route) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    -- A change that makes a route do more: another target or action, enabling it, putting it live.
    -- Pausing, disabling or closing its gate never does, so they are always allowed.
    SELECT n.target IS DISTINCT FROM o.target OR n.action_kind IS DISTINCT FROM o.action_kind
        OR (n.enabled AND NOT o.enabled) OR (n.enabled AND NOT n.dry_run AND o.dry_run);
$$;

CREATE FUNCTION fn_iu_outbound_route_live_check() RETURNS trigger
LANGUAGE plpgsql AS $$
-- The rule of going live, written once: a route is live only while its gate
-- is open (read under a share lock: fn_gate_open_locked), and a call_function
-- route is created or made to do more only towards a callable target.
BEGIN
    IF NEW.enabled AND NOT NEW.dry_run AND NOT fn_gate_open_locked(NEW.gate_key) THEN
        RAISE EXCEPTION 'four_eyes_required: route % goes live only by an approved change of its gate % (one person requests it, another approves)',
                NEW.route_name, NEW.gate_key USING ERRCODE = 'QG002';
    END IF;
    IF NEW.action_kind = 'call_function' AND (TG_OP = 'INSERT' OR fn_iu_outbound_route_escalates(OLD, NEW)) THEN
        PERFORM fn_iu_route_target_callable(NEW.target);
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER iu_outbound_route_live_check BEFORE INSERT OR UPDATE ON iu_outbound_route
    FOR EACH ROW EXECUTE FUNCTION fn_iu_outbound_route_live_check();

-- The job-kind rule (sql/events/0009_route_job_kind.sql) follows the same
-- reading: a retired kind refuses creating, enabling or putting live a route,
-- never pausing it or closing its gate.
CREATE OR REPLACE FUNCTION fn_iu_outbound_route_kind_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR fn_iu_outbound_route_escalates(OLD, NEW) THEN
        PERFORM fn_job_kind_class(NEW.target);
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_follow_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
-- An approved opening of event.outbound_route.<name>.live puts the route live;
-- closing it puts the route back in dry-run.
BEGIN
    IF NEW.value = 'true'::jsonb THEN
        UPDATE iu_outbound_route SET enabled = true, dry_run = false, updated_by = coalesce(fn_actor(), updated_by),
                                     updated_at = now()
         WHERE gate_key = NEW.key AND NOT (enabled AND NOT dry_run);
    ELSE
        UPDATE iu_outbound_route SET dry_run = true, updated_by = coalesce(fn_actor(), updated_by), updated_at = now()
         WHERE gate_key = NEW.key AND NOT dry_run;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER dot_config_outbound_route_follow AFTER UPDATE OF value ON dot_config
    FOR EACH ROW WHEN (NEW.key LIKE 'event.outbound\_route.%') EXECUTE FUNCTION fn_iu_outbound_route_follow_gate();

DROP FUNCTION fn_iu_outbound_route_create(text, text, text, text, text, text);
DROP FUNCTION fn_iu_outbound_route_create_unaudited(text, text, text, text, text, text);
CREATE FUNCTION fn_iu_outbound_route_create_unaudited(p_route_name text, p_event_type text, p_action_kind text,
                                                      p_target text, p_target_queue text DEFAULT NULL,
                                                      p_description text DEFAULT '', p_retry_policy text DEFAULT NULL,
                                                      p_ordered_per_subject boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- New routes start disabled and dry-run, with their own gate OFF.
DECLARE
    v_actor text := fn_actor_required();
    v_id bigint;
    v_gate text := fn_iu_outbound_route_gate_key(p_route_name);
BEGIN
    IF p_retry_policy IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM retry_policy_registry WHERE code = p_retry_policy AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not an active retry policy (retry_policy_registry)', p_retry_policy
            USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO iu_outbound_route (route_name, event_type, action_kind, target, target_queue, description, created_by,
                                   updated_by, gate_key, retry_policy, ordered_per_subject)
    VALUES (p_route_name, p_event_type, p_action_kind, p_target, p_target_queue, coalesce(p_description, ''), v_actor,
            v_actor, v_gate, p_retry_policy, coalesce(p_ordered_per_subject, false))
    RETURNING id INTO v_id;
    PERFORM fn_gate_create(v_gate, format('outbound route %s goes live (%s → %s %s)', p_route_name, p_event_type,
                                          p_action_kind, p_target));
    RETURN jsonb_build_object('status', 'created', 'route_id', v_id, 'gate', v_gate);
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text,
                                            p_target_queue text DEFAULT NULL, p_description text DEFAULT '',
                                            p_retry_policy text DEFAULT NULL, p_ordered_per_subject boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_outbound_route_create_unaudited(p_route_name, p_event_type, p_action_kind, p_target, p_target_queue,
                                               fn_reason_checked(p_description, 'description'), p_retry_policy,
                                               p_ordered_per_subject);
    RETURN fn_act_audit(v, 'outbound_route.create', 'iu_outbound_route', ARRAY[v ->> 'route_id'], NULL, NULL,
                        format('route %s: %s → %s %s (disabled, dry-run; live by four-eyes on %s)', p_route_name,
                               p_event_type, p_action_kind, p_target, v ->> 'gate'));
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_outbound_route_set_unaudited(p_route_id bigint, p_enabled boolean, p_dry_run boolean,
                                                              p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Enable, disable, pause to dry-run, or resume live while the route's gate is
-- open (fn_iu_outbound_route_live_check refuses live without it).
DECLARE
    v_actor text := fn_actor_required();
    r iu_outbound_route%ROWTYPE;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: changing a route needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO r FROM iu_outbound_route WHERE id = p_route_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_route: outbound route % does not exist', p_route_id USING ERRCODE = 'QG005';
    END IF;
    IF r.enabled = p_enabled AND r.dry_run = p_dry_run THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'route_id', p_route_id);
    END IF;
    UPDATE iu_outbound_route SET enabled = p_enabled, dry_run = p_dry_run, updated_by = v_actor, updated_at = now()
     WHERE id = p_route_id;
    RETURN jsonb_build_object('status', 'updated', 'route_id', p_route_id, 'enabled', p_enabled, 'dry_run', p_dry_run,
                              'gate', r.gate_key);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_dispatch(p_event event_outbox, p_route iu_outbound_route) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
    v_target regprocedure;
BEGIN
    IF p_route.action_kind = 'call_function' THEN
        v_target := fn_iu_route_target_callable(p_route.target);
        EXECUTE format('SELECT to_jsonb(%s($1))', v_target::oid::regproc) INTO v_result USING to_jsonb(p_event);
        RETURN coalesce(v_result, 'null'::jsonb);
    ELSIF p_route.action_kind = 'enqueue_job' THEN
        v_result := fn_job_enqueue(
            p_job_kind => p_route.target,
            p_payload => jsonb_strip_nulls(jsonb_build_object(
                'event_id', p_event.id, 'event_type', p_event.event_type, 'event_domain', p_event.event_domain,
                'subject_table', p_event.event_subject_table, 'subject_ref', p_event.event_subject_ref,
                'route', p_route.route_name)),
            p_queue_name => p_route.target_queue,
            p_idempotency_key => format('route:%s:event:%s', p_route.id, p_event.id),
            p_correlation_id => coalesce(p_event.correlation_id, 'event:' || p_event.id));
        IF v_result ->> 'status' = 'gate_closed' THEN
            RAISE EXCEPTION 'gate_closed: % is closed; job not enqueued', v_result ->> 'gate' USING ERRCODE = 'QG003';
        END IF;
        RETURN v_result;
    ELSE
        PERFORM pg_notify(p_route.target, jsonb_build_object('event_id', p_event.id, 'event_type', p_event.event_type)::text);
        RETURN jsonb_build_object('status', 'notified', 'channel', p_route.target);
    END IF;
END;
$$;
