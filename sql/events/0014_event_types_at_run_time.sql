-- Event types and route-worker cursors at run time, governed
-- (docs/events.md, "Registering an event type").
--
-- Before: a new type or a cursor for a new domain needed a migration or a raw
-- INSERT, and "no orphan types" meant only "producer_ref is not empty".
-- Now:
-- * fn_event_type_register adds (or revises) a draft type with its producer
--   and its answers to the inclusion rubric (fn_event_type_rubric: three
--   questions, what belongs in the queue), and gives it its own gate
--   event.type.<type>.active, born OFF;
-- * the type becomes active only by an approved change of that gate (one
--   person requests, another approves), and only when it is ready
--   (fn_event_type_activation_problems): its producer exists — a function in
--   the database, or a code producer registered in event_producer_registry —
--   and the rubric is answered;
-- * fn_iu_route_worker_cursor_add gives a route worker a cursor on a domain.
-- Types shipped active by migrations have no gate; they answer the rubric too.

-- ---------------------------------------------------------------------------
-- The inclusion rubric
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_type_rubric() RETURNS TABLE (question_no integer, question_key text, question text)
LANGUAGE sql IMMUTABLE AS $$
    -- The three questions a type answers before it may be active; the admin shows them from here.
    VALUES
        (1, 'decision', 'Which decision, approval or audit needs this event: who acts on it, or must be able to show it later?'),
        (2, 'consumer', 'Who consumes it: which route, subscription or inbox (a type nobody consumes is an activity log)?'),
        (3, 'loss', 'What goes wrong if it is lost or late: why is a table row or a log line not enough?');
$$;

ALTER TABLE event_type_registry
    ADD COLUMN rubric jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN gate_key text,
    ADD COLUMN registered_by text NOT NULL DEFAULT 'system:migration',
    ADD CONSTRAINT event_type_rubric_is_object CHECK (jsonb_typeof(rubric) = 'object'),
    ADD CONSTRAINT event_type_gate_key_own CHECK (gate_key IS NULL OR gate_key = 'event.type.' || event_type || '.active');
COMMENT ON COLUMN event_type_registry.rubric IS
    'Answers to the inclusion rubric (fn_event_type_rubric: decision, consumer, loss); required to activate.';
COMMENT ON COLUMN event_type_registry.gate_key IS
    'A type registered at run time (or seeded as a draft) becomes active only while this four-eyes gate is open.';
COMMENT ON CONSTRAINT event_type_rubric_is_object ON event_type_registry IS
    'a type''s rubric is a JSON object of answers keyed decision, consumer and loss: give an object';
COMMENT ON CONSTRAINT event_type_gate_key_own ON event_type_registry IS
    'a type''s gate is event.type.<the type>.active: let fn_event_type_register name it';

-- ---------------------------------------------------------------------------
-- Code producers
-- ---------------------------------------------------------------------------
CREATE TABLE event_producer_registry (
    producer_ref  text PRIMARY KEY,
    description   text NOT NULL,
    status        text NOT NULL DEFAULT 'active',
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_producer_ref_format CHECK (producer_ref ~ '^[a-z][a-z0-9_]*([.:-][a-z0-9_]+)*$' AND producer_ref !~ '^fn_'),
    CONSTRAINT event_producer_status_allowed CHECK (status IN ('active', 'retired')),
    CONSTRAINT event_producer_described CHECK (length(btrim(description)) >= 3)
);
COMMENT ON TABLE event_producer_registry IS
    'Producers the database cannot see (a Python module, an executor such as a Mother): registered by an admin so a type they emit may be activated.';
COMMENT ON CONSTRAINT event_producer_registry_pkey ON event_producer_registry IS
    'a code producer is registered once: retire or re-register the existing row';
COMMENT ON CONSTRAINT event_producer_ref_format ON event_producer_registry IS
    'a code producer is named like a module or executor (mothers.factory, hermes:mother_output), not fn_…: a function in the database needs no registration';
COMMENT ON CONSTRAINT event_producer_status_allowed ON event_producer_registry IS
    'a code producer is active or retired: use one of those two';
COMMENT ON CONSTRAINT event_producer_described ON event_producer_registry IS
    'a code producer says what it is in at least 3 characters: describe it';

CREATE FUNCTION fn_event_producer_problem(p_producer_ref text) RETURNS text
LANGUAGE sql STABLE AS $$
    -- Why p_producer_ref is not a producer that exists (NULL when it is).
    SELECT CASE
        WHEN p_producer_ref IS NULL OR btrim(p_producer_ref) = '' THEN 'it names no producer'
        WHEN p_producer_ref ~ '^fn_' THEN
            CASE WHEN EXISTS (SELECT 1 FROM pg_proc WHERE proname = p_producer_ref AND pronamespace = 'public'::regnamespace)
                 THEN NULL ELSE format('its producer %s is not a function in the database', p_producer_ref) END
        WHEN EXISTS (SELECT 1 FROM event_producer_registry WHERE producer_ref = p_producer_ref AND status = 'active') THEN NULL
        ELSE format('its producer %s is not a registered code producer (event_producer_registry)', p_producer_ref)
    END;
$$;

CREATE FUNCTION fn_event_type_activation_problems(p_event_type text) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
-- What keeps a type from being active: its producer, its rubric, its domain.
DECLARE
    t event_type_registry%ROWTYPE;
    v_problems text[] := '{}';
    v_question text;
BEGIN
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF fn_event_producer_problem(t.producer_ref) IS NOT NULL THEN
        v_problems := v_problems || fn_event_producer_problem(t.producer_ref);
    END IF;
    FOR v_question IN SELECT q.question_key FROM fn_event_type_rubric() q ORDER BY q.question_no LOOP
        IF length(btrim(coalesce(t.rubric ->> v_question, ''))) < 10 THEN
            v_problems := v_problems || format('the rubric question "%s" has no answer of 10 characters or more', v_question);
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = t.event_domain AND status <> 'active') THEN
        v_problems := v_problems || format('its domain %s is retired', t.event_domain);
    END IF;
    RETURN v_problems;
END;
$$;

CREATE FUNCTION fn_event_type_ready(p_event_type text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF cardinality(fn_event_type_activation_problems(p_event_type)) > 0 THEN
        RAISE EXCEPTION 'event_type_not_ready: % cannot be active: %', p_event_type,
                array_to_string(fn_event_type_activation_problems(p_event_type), '; ') USING ERRCODE = 'QG003';
    END IF;
END;
$$;

CREATE FUNCTION fn_event_type_rubric_checked(p_rubric jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
-- Answers keyed by the rubric's questions, trimmed; anything else is refused.
DECLARE
    v_key text;
BEGIN
    IF p_rubric IS NULL THEN
        RETURN '{}';
    END IF;
    IF jsonb_typeof(p_rubric) <> 'object' THEN
        RAISE EXCEPTION 'invalid_rubric: the rubric is a JSON object of answers keyed decision, consumer and loss, not %', p_rubric
            USING ERRCODE = 'QG004';
    END IF;
    FOR v_key IN SELECT jsonb_object_keys(p_rubric) LOOP
        IF NOT EXISTS (SELECT 1 FROM fn_event_type_rubric() q WHERE q.question_key = v_key) THEN
            RAISE EXCEPTION 'invalid_rubric: % is not a rubric question (decision, consumer, loss)', v_key USING ERRCODE = 'QG004';
        END IF;
        IF jsonb_typeof(p_rubric -> v_key) <> 'string' THEN
            RAISE EXCEPTION 'invalid_rubric: the answer to % is text, not %', v_key, p_rubric -> v_key USING ERRCODE = 'QG004';
        END IF;
    END LOOP;
    RETURN (SELECT coalesce(jsonb_object_agg(key, btrim(value)), '{}') FROM jsonb_each_text(p_rubric)
             WHERE btrim(value) <> '');
END;
$$;

-- ---------------------------------------------------------------------------
-- Registering a type (a draft, with its own gate OFF)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_type_register_unaudited(p_event_type text, p_event_stream text, p_delivery_lane text,
                                                 p_default_severity text, p_description text, p_producer_ref text,
                                                 p_rubric jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new type is a draft; registering a draft again revises it (and closes its
-- gate: an approval covers what was approved). Active and retired types are
-- not revised here.
DECLARE
    v_actor text := fn_actor_required();
    v_domain text := split_part(coalesce(p_event_type, ''), '.', 1);
    v_old event_type_registry%ROWTYPE;
    v_gate text := 'event.type.' || p_event_type || '.active';
BEGIN
    IF p_event_type IS NULL OR p_event_type !~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' THEN
        RAISE EXCEPTION 'invalid_event_type: % is not a dotted lowercase name of two or more parts (domain.what_happened)',
                quote_nullable(p_event_type) USING ERRCODE = 'QG004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = v_domain AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_event_domain: % is not an active event domain (its first part names the domain)', v_domain
            USING ERRCODE = 'QG005';
    END IF;
    IF p_description IS NULL OR length(btrim(p_description)) < 3 THEN
        RAISE EXCEPTION 'reason_required: an event type needs a description' USING ERRCODE = 'QG008';
    END IF;
    IF nullif(btrim(p_producer_ref), '') IS NULL THEN
        RAISE EXCEPTION 'producer_required: % needs the name of its producer (a fn_… function or a code producer)', p_event_type
            USING ERRCODE = 'QG004';
    END IF;
    SELECT * INTO v_old FROM event_type_registry WHERE event_type = p_event_type FOR UPDATE;
    IF FOUND AND v_old.status <> 'draft' THEN
        RAISE EXCEPTION 'event_type_exists: % is already % and is not revised by registering it again', p_event_type, v_old.status
            USING ERRCODE = 'QG003';
    END IF;
    -- An approver decides what they were shown: no revision under a pending request.
    IF EXISTS (SELECT 1 FROM gate_change_request WHERE config_key = v_gate AND status = 'pending') THEN
        RAISE EXCEPTION 'request_pending: % has a pending gate change request (#%) on %; withdraw it, or have it decided, before revising the type',
                p_event_type, (SELECT min(id) FROM gate_change_request WHERE config_key = v_gate AND status = 'pending'), v_gate
            USING ERRCODE = 'QG003';
    END IF;
    INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, description,
                                     status, producer_ref, rubric, gate_key, registered_by)
    VALUES (p_event_type, v_domain, p_event_stream, p_delivery_lane, p_default_severity,
            btrim(fn_reason_checked(p_description, 'description')), 'draft',
            btrim(p_producer_ref), fn_event_type_rubric_checked(p_rubric), v_gate, v_actor)
    ON CONFLICT (event_type) DO UPDATE
        SET event_stream = EXCLUDED.event_stream, delivery_lane = EXCLUDED.delivery_lane,
            default_severity = EXCLUDED.default_severity, description = EXCLUDED.description,
            producer_ref = EXCLUDED.producer_ref, rubric = EXCLUDED.rubric, gate_key = EXCLUDED.gate_key;
    -- A revised draft is approved afresh: its gate is (re)born OFF.
    PERFORM fn_gate_create(v_gate, format('event type %s becomes active', p_event_type));
    RETURN jsonb_build_object('status', CASE WHEN v_old.event_type IS NULL THEN 'registered' ELSE 'revised' END,
                              'event_type', p_event_type, 'gate', v_gate,
                              'not_ready', to_jsonb(fn_event_type_activation_problems(p_event_type)));
END;
$$;

CREATE FUNCTION fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text,
                                       p_default_severity text, p_description text, p_producer_ref text,
                                       p_rubric jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_type_register_unaudited(p_event_type, p_event_stream, p_delivery_lane, p_default_severity,
                                          p_description, p_producer_ref, p_rubric);
    RETURN fn_act_audit(v, 'event_type.register', 'event_type_registry', ARRAY[p_event_type], p_description, NULL,
                        format('event type %s %s as a draft (producer %s); active only by four-eyes on %s',
                               p_event_type, v ->> 'status', p_producer_ref, v ->> 'gate'));
END;
$$;

-- ---------------------------------------------------------------------------
-- Registering a code producer
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_producer_register_unaudited(p_producer_ref text, p_description text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_producer_ref IS NULL OR p_producer_ref ~ '^fn_' THEN
        RAISE EXCEPTION 'invalid_producer: % is not a code producer name; a function in the database (fn_…) is a producer without registration',
                quote_nullable(p_producer_ref) USING ERRCODE = 'QG004';
    END IF;
    SELECT status INTO v_old FROM event_producer_registry WHERE producer_ref = p_producer_ref FOR UPDATE;
    IF v_old = 'active' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'producer', p_producer_ref);
    END IF;
    INSERT INTO event_producer_registry (producer_ref, description, registered_by, updated_by)
    VALUES (p_producer_ref, btrim(p_description), v_actor, v_actor)
    ON CONFLICT (producer_ref) DO UPDATE
        SET status = 'active', description = EXCLUDED.description, updated_by = v_actor, updated_at = now();
    RETURN jsonb_build_object('status', 'registered', 'producer', p_producer_ref);
END;
$$;

CREATE FUNCTION fn_event_producer_register(p_producer_ref text, p_description text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_event_producer_register_unaudited(p_producer_ref, fn_reason_checked(p_description, 'description')),
        'event_producer.register', 'event_producer_registry', ARRAY[p_producer_ref], p_description, NULL,
        format('code producer %s registered', p_producer_ref));
END;
$$;

-- ---------------------------------------------------------------------------
-- Status changes: active only through the type's gate (if it has one)
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_event_type_set_status_unaudited(p_event_type text, p_status text, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- The registry's governed edit: draft ↔ retired, and back to active. A type
-- with a gate becomes active only while its gate is open (four-eyes);
-- becoming active needs fn_event_type_ready either way.
DECLARE
    v_actor text := fn_actor_required();
    t event_type_registry%ROWTYPE;
BEGIN
    IF p_status NOT IN ('draft', 'active', 'retired') THEN
        RAISE EXCEPTION 'invalid_event_type_status: % (allowed: draft, active, retired)', p_status USING ERRCODE = 'QG004';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: changing an event type''s status needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF t.status = p_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'event_type', p_event_type);
    END IF;
    IF p_status = 'active' THEN
        IF t.gate_key IS NOT NULL AND NOT fn_gate_open_locked(t.gate_key) THEN
            RAISE EXCEPTION 'four_eyes_required: % becomes active only by an approved change of its gate % (one person requests it, another approves)',
                    p_event_type, t.gate_key USING ERRCODE = 'QG002';
        END IF;
        PERFORM fn_event_type_ready(p_event_type);
    END IF;
    UPDATE event_type_registry SET status = p_status WHERE event_type = p_event_type;
    RETURN jsonb_build_object('status', 'updated', 'event_type', p_event_type, 'from', t.status, 'to', p_status,
                              'by', v_actor);
END;
$$;

CREATE FUNCTION fn_event_type_follow_gate() RETURNS trigger
LANGUAGE plpgsql AS $$
-- An approved opening of event.type.<type>.active activates the type (when it
-- is ready, else the approval fails saying why); closing it retires an active type.
BEGIN
    IF NEW.value = 'true'::jsonb THEN
        PERFORM fn_event_type_ready(t.event_type) FROM event_type_registry t WHERE t.gate_key = NEW.key;
        UPDATE event_type_registry SET status = 'active' WHERE gate_key = NEW.key AND status <> 'active';
    ELSE
        UPDATE event_type_registry SET status = 'retired' WHERE gate_key = NEW.key AND status = 'active';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER dot_config_event_type_follow AFTER UPDATE OF value ON dot_config
    FOR EACH ROW WHEN (NEW.key LIKE 'event.type.%') EXECUTE FUNCTION fn_event_type_follow_gate();

-- ---------------------------------------------------------------------------
-- Opening a subject's gate: refused at request time when it could not apply
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_gate_subject_ready(p_key text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
-- A gate that switches a subject (an event type, an outbound route) opens only
-- when the subject could follow; asked when the opening is requested, so
-- nobody is asked to approve what cannot apply.
DECLARE
    r iu_outbound_route%ROWTYPE;
BEGIN
    PERFORM fn_event_type_ready(t.event_type) FROM event_type_registry t WHERE t.gate_key = p_key;
    SELECT * INTO r FROM iu_outbound_route WHERE gate_key = p_key;
    IF FOUND AND r.action_kind = 'call_function' THEN
        PERFORM fn_iu_route_target_callable(r.target);
    ELSIF FOUND AND r.action_kind = 'enqueue_job' THEN
        PERFORM fn_job_kind_class(r.target);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_config_validate(p_key text, p_value jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- Raises invalid_config_value naming the rule; returns the normalised value.
-- Opening a subject's gate also asks fn_gate_subject_ready.
DECLARE
    c dot_config%ROWTYPE;
    v_num numeric;
BEGIN
    SELECT * INTO c FROM dot_config WHERE key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_config_key: % is not a gate or setting', p_key USING ERRCODE = 'QG005';
    END IF;
    IF p_value IS NULL THEN
        RAISE EXCEPTION 'invalid_config_value: % needs a value', p_key USING ERRCODE = 'QG004';
    END IF;
    IF c.value_type = 'boolean' THEN
        IF jsonb_typeof(p_value) <> 'boolean' THEN
            RAISE EXCEPTION 'invalid_config_value: % is a gate and takes true or false, not %', p_key, p_value::text
                USING ERRCODE = 'QG004';
        END IF;
        IF p_value = 'true'::jsonb THEN
            PERFORM fn_gate_subject_ready(p_key);
        END IF;
        RETURN p_value;
    END IF;
    IF jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}') !~ '^-?[0-9]+$' THEN
        RAISE EXCEPTION 'invalid_config_value: % takes a whole number, not %', p_key, p_value::text
            USING ERRCODE = 'QG004';
    END IF;
    v_num := (p_value #>> '{}')::numeric;
    IF (c.min_value IS NOT NULL AND v_num < c.min_value) OR (c.max_value IS NOT NULL AND v_num > c.max_value) THEN
        RAISE EXCEPTION 'invalid_config_value: % must be between % and %, not %',
                p_key, coalesce(c.min_value::text, '-inf'), coalesce(c.max_value::text, 'inf'), v_num
            USING ERRCODE = 'QG004';
    END IF;
    RETURN p_value;
END;
$$;

-- ---------------------------------------------------------------------------
-- A route worker's cursor on a domain
-- ---------------------------------------------------------------------------
CREATE UNIQUE INDEX iu_route_worker_cursor_one_per_domain ON iu_route_worker_cursor (event_domain) WHERE enabled;
COMMENT ON INDEX iu_route_worker_cursor_one_per_domain IS
    'one enabled route worker cursor per domain: two workers would deliver each event twice; disable the other cursor first';

CREATE FUNCTION fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean,
                                                        p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new cursor starts after the domain's newest event older than every running
-- transaction (so an event still being committed is not skipped), or with
-- p_from_start before its oldest, so every kept event of the domain is routed.
-- One enabled cursor per domain (iu_route_worker_cursor_one_per_domain): two
-- would deliver each event twice.
DECLARE
    v_actor text := fn_actor_required();
    v_tx xid8 := '0';
    v_id bigint := 0;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: adding a route worker cursor needs a reason' USING ERRCODE = 'QG008';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = p_event_domain AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_event_domain: % is not an active event domain', quote_nullable(p_event_domain)
            USING ERRCODE = 'QG005';
    END IF;
    IF EXISTS (SELECT 1 FROM iu_route_worker_cursor WHERE worker_name = p_worker_name AND event_domain = p_event_domain) THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'worker', p_worker_name, 'event_domain', p_event_domain);
    END IF;
    IF NOT coalesce(p_from_start, false) THEN
        SELECT tx_id, id INTO v_tx, v_id FROM event_outbox
         WHERE event_domain = p_event_domain AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY tx_id DESC, id DESC LIMIT 1;
    END IF;
    BEGIN
        INSERT INTO iu_route_worker_cursor (worker_name, event_domain, last_tx_id, last_event_id)
        VALUES (p_worker_name, p_event_domain, coalesce(v_tx, '0'), coalesce(v_id, 0));
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'domain_has_worker: % is routed by % already; one route worker per domain (two would deliver each event twice)',
                p_event_domain, (SELECT worker_name FROM iu_route_worker_cursor WHERE event_domain = p_event_domain AND enabled)
            USING ERRCODE = 'QG003';
    END;
    RETURN jsonb_build_object('status', 'added', 'worker', p_worker_name, 'event_domain', p_event_domain,
                              'last_event_id', coalesce(v_id, 0));
END;
$$;

CREATE FUNCTION fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text,
                                              p_from_start boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_iu_route_worker_cursor_add_unaudited(p_worker_name, p_event_domain, p_from_start, fn_reason_checked(p_reason)),
        'route_worker_cursor.add', 'iu_route_worker_cursor', ARRAY[p_worker_name || '/' || p_event_domain], p_reason, NULL,
        format('route worker %s reads domain %s from %s', p_worker_name, p_event_domain,
               CASE WHEN p_from_start THEN 'its oldest event' ELSE 'now on' END));
END;
$$;

-- ---------------------------------------------------------------------------
-- The shipped types answer the rubric
-- ---------------------------------------------------------------------------
UPDATE event_type_registry t SET rubric = a.rubric::jsonb
  FROM (VALUES
    ('governance.gate_change_requested', '{"decision": "An approver must decide the request: it is their to-do.", "consumer": "The approvers'' inbox (review stream) and the audit trail.", "loss": "A lost request leaves a change waiting with nobody told; the request row alone notifies nobody."}'),
    ('governance.gate_change_rejected', '{"decision": "The requester learns their change was refused and why.", "consumer": "The requester''s and operators'' inboxes.", "loss": "Without it the requester keeps waiting on a decision already made."}'),
    ('governance.gate_changed', '{"decision": "Every gate flip is a governed act operators and auditors must see.", "consumer": "Operators'' inboxes, auditors, routes that react to a gate.", "loss": "A silent gate change is exactly what four-eyes exists to prevent being unnoticed."}'),
    ('governance.problem.raised', '{"decision": "Someone must act on a governance problem now (critical, immediate).", "consumer": "Operators'' and approvers'' inboxes; alert routes.", "loss": "A problem nobody hears of is a problem nobody fixes; a log line pages no one."}'),
    ('iu.cut_verified', '{"decision": "Reviewers confirm a cut is sound before relying on its units.", "consumer": "Reviewers'' inbox; downstream routes of the information units.", "loss": "Consumers would use units nobody verified, or wait forever for the verdict."}'),
    ('iu.unit_created', '{"decision": "A new information unit exists: its downstream work (index, link, notify) must start.", "consumer": "Routes to jobs (vector sync, KG), subscriptions of the document''s owners.", "loss": "A unit nobody hears of is never indexed or linked: silent drift."}'),
    ('job.dead_lettered', '{"decision": "An operator triages the dead letter: replay, fix or discard.", "consumer": "Operators'' inbox; the trigger-IN route job_dead_lettered.", "loss": "A job that gave up with nobody told is lost work."}'),
    ('job.replayed', '{"decision": "Replaying a dead letter is a governed act others must be able to see.", "consumer": "Operators'' inbox and the audit trail.", "loss": "Without it a replay looks like a fresh job: the dead letter''s story breaks."}'),
    ('staging.record_approved', '{"decision": "An approved manifest waits for an operator to cut it.", "consumer": "Operators'' inbox; the staging puller''s reminders.", "loss": "Approved work would sit uncut until it expires."}'),
    ('staging.record_cleaned', '{"decision": "Retention removed or archived staged content: auditors must be able to show when.", "consumer": "Auditors and operators (delayed lane).", "loss": "Deleted content without a trace cannot be accounted for."}'),
    ('staging.record_consumed', '{"decision": "A manifest became information units: its review is over.", "consumer": "Reviewers'' and operators'' inboxes; routes on iu.*.", "loss": "Reviewers would keep a finished manifest on their list."}'),
    ('staging.record_created', '{"decision": "A reviewer must verify the new manifest.", "consumer": "The reviewers'' inbox; the staging puller.", "loss": "A manifest nobody is told of expires unreviewed."}'),
    ('staging.record_rejected', '{"decision": "The marker learns the manifest was refused and why.", "consumer": "The marker''s and operators'' inboxes.", "loss": "The source owner would wait on a manifest that will never be cut."}'),
    ('system.queue_worker_recovered', '{"decision": "Operators close the incident a silent executor opened.", "consumer": "Operators'' inbox and health routes.", "loss": "An incident stays open after its cause ended."}'),
    ('system.queue_worker_silent', '{"decision": "An operator must restart or replace an executor that stopped beating.", "consumer": "Operators'' inbox; alert routes.", "loss": "Work piles up behind a dead executor with nobody told."}'),
    ('system.route_dead_lettered', '{"decision": "An operator triages an event a route gave up on.", "consumer": "Operators'' inbox.", "loss": "A trigger-OUT action silently never happens."}'),
    ('system.route_replayed', '{"decision": "Replaying a route''s dead letter is a governed act others must see.", "consumer": "Operators'' inbox and the audit trail.", "loss": "The replay''s effect would appear with no cause on record."}')
  ) AS a(event_type, rubric)
 WHERE t.event_type = a.event_type;

-- ---------------------------------------------------------------------------
-- The documents' Mother, KG and governance.problem types, as drafts
-- ---------------------------------------------------------------------------
-- They activate, by four-eyes on their gates, once their producers exist: a
-- Mother registers as a code producer; the KG and problem functions are
-- written. Seeded by the migration (system:migration), rubric answered.
SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_event_type_register_unaudited(t.event_type, t.stream, t.lane, t.severity, t.description, t.producer,
                                        t.rubric::jsonb)
  FROM (VALUES
    ('mother.factory.registered', 'birth', 'immediate', 'info', 'a Mother factory registered itself with the gateway',
     'mothers.factory',
     '{"decision": "A new Mother may produce only once operators know it exists and can govern it.", "consumer": "Operators'' inbox; the executor registration route.", "loss": "An unknown producer would emit into the queue with nobody accountable for it."}'),
    ('mother.output.created', 'update', 'delayed', 'info', 'a Mother produced an output for review',
     'mothers.output',
     '{"decision": "A reviewer accepts or rejects what the Mother produced.", "consumer": "Reviewers'' inbox; routes that stage the output.", "loss": "Produced work nobody reviews is wasted or, worse, used unreviewed."}'),
    ('mother.output.failed', 'alert', 'immediate', 'warning', 'a Mother failed to produce an output',
     'mothers.output',
     '{"decision": "An operator decides to retry, fix the input or stop the Mother.", "consumer": "Operators'' inbox; alert routes.", "loss": "A failing Mother would keep failing unseen while its consumers wait."}'),
    ('iu.kg.edge.asserted', 'update', 'delayed', 'info', 'an edge between information units was asserted in the knowledge graph',
     'fn_iu_kg_edge_assert',
     '{"decision": "Asserted links between units are reviewed before the graph is trusted.", "consumer": "Reviewers'' inbox; the vector and KG sync routes.", "loss": "The graph and its consumers would disagree about which units are linked."}'),
    ('governance.problem.acknowledged', 'review', 'immediate', 'info', 'someone took a governance problem on',
     'fn_governance_problem_acknowledge',
     '{"decision": "Others stop escalating a problem someone already owns.", "consumer": "Operators'' and approvers'' inboxes.", "loss": "Two people fix the same problem, or each thinks the other did."}'),
    ('governance.problem.resolved', 'update', 'immediate', 'info', 'a governance problem was resolved',
     'fn_governance_problem_resolve',
     '{"decision": "Approvers confirm the fix and close the problem.", "consumer": "Operators'', approvers'' and auditors'' inboxes.", "loss": "Open problems pile up with no record of which were fixed, when and by whom."}')
  ) AS t(event_type, stream, lane, severity, description, producer, rubric);
