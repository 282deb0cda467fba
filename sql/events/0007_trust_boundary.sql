-- Why: the event substrate behind the database's trust boundary
-- (docs/security.md, sql/queuegov/0010).
--
-- * Captures and events record the resolved actor: an executor login is
--   db:<login> whatever it sets, and only the app (or the owner, e.g. the L2
--   processor carrying a capture's actor) may pass p_actor to fn_event_emit.
-- * Subject, correlation and causation references have length caps (they are
--   index keys: an oversize one used to fail with a raw "index row requires").
-- * The governed acts on events write their audit rows themselves.
-- * A route's call_function target must be a function the app role may call:
--   routes run as the owner, and must not reach what the app itself cannot.

-- ---------------------------------------------------------------------------
-- Capture and emit
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text,
                                      p_source_document_ref text DEFAULT NULL, p_import_batch_ref text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF length(p_subject_ref) > 500 THEN
        RAISE EXCEPTION 'event_ref_too_long: the subject ref is % characters; at most 500', length(p_subject_ref)
            USING ERRCODE = 'QG004';
    END IF;
    IF length(p_correlation_id) > 200 OR length(p_causation_id) > 200 THEN
        RAISE EXCEPTION 'correlation_id_length: correlation and causation ids are at most 200 characters (got %, %)',
                coalesce(length(p_correlation_id), 0), coalesce(length(p_causation_id), 0)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'correlation_id_length';
    END IF;
    IF length(p_source_document_ref) > 500 OR length(p_import_batch_ref) > 500 THEN
        RAISE EXCEPTION 'event_ref_too_long: source document and import batch refs are at most 500 characters (got %, %)',
                coalesce(length(p_source_document_ref), 0), coalesce(length(p_import_batch_ref), 0)
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

CREATE FUNCTION fn_event_pending_insert(
    p_event_type          text,
    p_subject_table       text,
    p_subject_ref         text,
    p_payload             jsonb,
    p_correlation_id      text,
    p_source_document_ref text,
    p_import_batch_ref    text,
    p_causation_id        text
) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Internal: the L1 capture itself, for fn_event_capture and the trigger-IN
-- capture, which both already run as the owner with a pinned search_path (a
-- second definer hop per captured row cost a fifth of a bulk INSERT's speed).
-- O(1): the payload's key check runs in its DOMAIN, the type in its FOREIGN KEY.
DECLARE
    v_id bigint;
BEGIN
    -- (the named refusal only when a reference is long: a call per captured row costs)
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200
       OR length(p_source_document_ref) > 200 OR length(p_import_batch_ref) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id, p_source_document_ref,
                                      p_import_batch_ref);
    END IF;
    INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id, causation_id,
                               source_document_ref, import_batch_ref, capture_payload, actor)
    VALUES (p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
            p_source_document_ref, p_import_batch_ref, coalesce(p_payload, '{}'), fn_actor())
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_capture(
    p_event_type          text,
    p_subject_table       text DEFAULT NULL,
    p_subject_ref         text DEFAULT NULL,
    p_payload             jsonb DEFAULT '{}',
    p_correlation_id      text DEFAULT NULL,
    p_source_document_ref text DEFAULT NULL,
    p_import_batch_ref    text DEFAULT NULL,
    p_causation_id        text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_event_pending_insert(p_event_type, p_subject_table, p_subject_ref, p_payload, p_correlation_id,
                                   p_source_document_ref, p_import_batch_ref, p_causation_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_capture_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH ROW.
-- A capture fires on whatever table it watches, written by whoever may write it;
-- the capture itself is the owner's (0005's body; captures go through
-- fn_event_pending_insert, without a second definer hop per row).
DECLARE
    r iu_sql_event_route%ROWTYPE;
    v_row jsonb;
    v_payload jsonb;
    v_subject text;
    v_col text;
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
        WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
    LOOP
        v_row := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
        CONTINUE WHEN NOT (v_row @> r.condition);
        v_subject := v_row ->> r.subject_column;
        v_payload := jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name);
        FOREACH v_col IN ARRAY r.payload_columns LOOP
            v_payload := v_payload || jsonb_build_object(v_col, v_row -> v_col);
        END LOOP;
        IF r.enabled AND NOT r.dry_run THEN
            PERFORM fn_event_pending_insert(r.target_event_type, TG_TABLE_NAME, v_subject, v_payload,
                                            CASE WHEN r.correlation_column IS NOT NULL THEN v_row ->> r.correlation_column END,
                                            NULL, NULL, NULL);
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            VALUES (r.id, TG_TABLE_NAME, TG_OP, v_subject,
                    jsonb_build_object('event_type', r.target_event_type, 'payload', v_payload));
        END IF;
    END LOOP;
    RETURN NULL;
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
    IF (SELECT value FROM dot_config WHERE key = 'event.emit_enabled') IS DISTINCT FROM 'true'::jsonb THEN
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
    IF (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled') = 'true'::jsonb THEN
        PERFORM pg_notify('queue_wake_' || t.event_domain, v_id::text);
    END IF;
    RETURN jsonb_build_object('status', 'emitted', 'event_id', v_id);
END;
$$;

-- ---------------------------------------------------------------------------
-- Routes reach only what the app may call
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_iu_route_dispatch(p_event event_outbox, p_route iu_outbound_route) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
    v_target regprocedure;
BEGIN
    IF p_route.action_kind = 'call_function' THEN
        v_target := to_regprocedure(format('%I(jsonb)', p_route.target));
        IF v_target IS NULL THEN
            RAISE EXCEPTION 'unknown_function: route % calls %(jsonb), which does not exist', p_route.route_name, p_route.target
                USING ERRCODE = 'QG005';
        END IF;
        IF NOT has_function_privilege(fn_db_role('app'), v_target, 'EXECUTE') THEN
            RAISE EXCEPTION 'route_target_refused: route % calls %, which the app role may not call; routes reach only the SQL API',
                    p_route.route_name, v_target
                USING ERRCODE = 'QG002';
        END IF;
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

-- ---------------------------------------------------------------------------
-- Governed acts on events, audited where they apply. The rules stay in the
-- *_unaudited functions, which only the owner may call.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_event_type_set_status(text, text, text) RENAME TO fn_event_type_set_status_unaudited;
ALTER FUNCTION fn_event_subscribe(text, text, text, text, text, text) RENAME TO fn_event_subscribe_unaudited;
ALTER FUNCTION fn_event_subscription_set_enabled(bigint, boolean) RENAME TO fn_event_subscription_set_enabled_unaudited;
ALTER FUNCTION fn_event_mark_read(bigint[]) RENAME TO fn_event_mark_read_unaudited;
ALTER FUNCTION fn_iu_route_dead_letter_triage(bigint, text, text) RENAME TO fn_iu_route_dead_letter_triage_unaudited;
ALTER FUNCTION fn_iu_route_dead_letter_replay(bigint, text) RENAME TO fn_iu_route_dead_letter_replay_unaudited;
ALTER FUNCTION fn_iu_outbound_route_set(bigint, boolean, boolean, text) RENAME TO fn_iu_outbound_route_set_unaudited;
ALTER FUNCTION fn_iu_outbound_route_create(text, text, text, text, text, text) RENAME TO fn_iu_outbound_route_create_unaudited;

CREATE FUNCTION fn_event_type_set_status(p_event_type text, p_status text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_type_set_status_unaudited(p_event_type, p_status, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'event_type.set_' || p_status, 'event_type_registry', ARRAY[p_event_type], p_reason, NULL,
                        format('event type %s: %s → %s', p_event_type, coalesce(v ->> 'from', p_status), p_status));
END;
$$;

CREATE FUNCTION fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text,
                                   p_recipient_kind text, p_recipient_ref text, p_note text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_subscribe_unaudited(p_event_type, p_event_domain, p_event_stream, p_recipient_kind, p_recipient_ref,
                                      fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'subscription.add', 'event_subscription', ARRAY[v ->> 'subscription_id'], p_note, NULL,
        format('subscription #%s: %s %s gets %s', v ->> 'subscription_id', p_recipient_kind, p_recipient_ref,
               concat_ws(' ', 'type ' || p_event_type, 'domain ' || p_event_domain, 'stream ' || p_event_stream)));
END;
$$;

CREATE FUNCTION fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_verb  text := CASE WHEN p_enabled THEN 'enable' ELSE 'disable' END;
BEGIN
    RETURN fn_act_audit(fn_event_subscription_set_enabled_unaudited(p_subscription_id, p_enabled),
                        'subscription.' || v_verb, 'event_subscription', ARRAY[p_subscription_id::text], NULL, NULL,
                        format('subscription #%s %sd', p_subscription_id, v_verb));
END;
$$;

CREATE FUNCTION fn_event_mark_read(p_event_read_ids bigint[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Reading one's inbox is audited like every act; entries addressed to someone
-- else are listed as refused (and the act is refused when nothing was one's own).
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb := fn_event_mark_read_unaudited(p_event_read_ids);
    v_refused jsonb := v -> 'refused';
BEGIN
    IF jsonb_array_length(v_refused) > 0 AND (v ->> 'marked')::integer = 0 THEN
        RETURN fn_act_audit(v || jsonb_build_object('status', 'refused'), 'inbox.mark_read', 'event_read',
                            p_event_read_ids::text[], NULL, NULL,
                            format('permission: inbox entries %s are not addressed to %s', v_refused, v_actor))
               || jsonb_build_object('status', v ->> 'status');
    END IF;
    RETURN fn_act_audit(v, 'inbox.mark_read', 'event_read', p_event_read_ids::text[], NULL, NULL,
        format('marked %s read', v ->> 'marked')
        || CASE WHEN jsonb_array_length(v_refused) > 0
                THEN format('; refused %s (not addressed to %s)', v_refused, v_actor) ELSE '' END);
END;
$$;

CREATE FUNCTION fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id, p_triage_status, fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'route_dead_letter.triage_' || p_triage_status, 'iu_route_dead_letter',
                        ARRAY[p_dead_letter_id::text], p_note, NULL,
                        format('routing dead letter #%s: %s → %s', p_dead_letter_id, coalesce(v ->> 'from', p_triage_status),
                               p_triage_status));
END;
$$;

CREATE FUNCTION fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'route_dead_letter.replay', 'iu_route_dead_letter', ARRAY[p_dead_letter_id::text],
                        p_reason, NULL,
                        CASE WHEN v ->> 'status' = 'failed' THEN format('failed: %s', v ->> 'error')
                             ELSE format('routing dead letter #%s replayed', p_dead_letter_id) END);
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_before jsonb := (SELECT jsonb_build_object('enabled', enabled, 'dry_run', dry_run) FROM iu_outbound_route
                        WHERE id = p_route_id);
BEGIN
    RETURN fn_act_audit(fn_iu_outbound_route_set_unaudited(p_route_id, p_enabled, p_dry_run, fn_reason_checked(p_reason)),
                        CASE WHEN NOT p_enabled THEN 'outbound_route.set_disabled'
                             WHEN p_dry_run THEN 'outbound_route.set_dry-run'
                             ELSE 'outbound_route.set_live' END,
                        'iu_outbound_route', ARRAY[p_route_id::text], p_reason, v_before,
                        format('route #%s: enabled=%s, dry_run=%s', p_route_id, p_enabled, p_dry_run));
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text,
                                            p_target_queue text DEFAULT NULL, p_description text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_outbound_route_create_unaudited(p_route_name, p_event_type, p_action_kind, p_target, p_target_queue,
                                               fn_reason_checked(p_description, 'description'));
    RETURN fn_act_audit(v, 'outbound_route.create', 'iu_outbound_route', ARRAY[v ->> 'route_id'], NULL, NULL,
                        format('route %s: %s → %s %s (disabled, dry-run)', p_route_name, p_event_type, p_action_kind,
                               p_target));
END;
$$;

-- ---------------------------------------------------------------------------
-- The rest runs as the owner with a pinned search_path.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_event_pending_process(integer, timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_event_deliver(integer) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_event_outbox_ensure_partitions(integer, timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_iu_route_worker_run(text, integer) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_governance_problem_raise(text, text, text, jsonb, text) SECURITY DEFINER SET search_path = public, pg_temp;

-- The renamed rule-holders were executable by PUBLIC until now; they must not be
-- between here and the end of `migrate` (queuegov/privileges.py then grants).
REVOKE EXECUTE ON FUNCTION fn_event_type_set_status_unaudited(text, text, text),
    fn_event_subscribe_unaudited(text, text, text, text, text, text),
    fn_event_subscription_set_enabled_unaudited(bigint, boolean), fn_event_mark_read_unaudited(bigint[]),
    fn_iu_route_dead_letter_triage_unaudited(bigint, text, text), fn_iu_route_dead_letter_replay_unaudited(bigint, text),
    fn_iu_outbound_route_set_unaudited(bigint, boolean, boolean, text),
    fn_iu_outbound_route_create_unaudited(text, text, text, text, text, text) FROM PUBLIC;
