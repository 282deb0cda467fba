-- Why: who receives what (SPEC §5 L4/L5). Subscriptions match events by type
-- (exact, or a prefix pattern ending in '*'), domain and stream; an event no
-- subscription matches goes to its domain's default audience (the
-- default-broadcast fallback). Fan-out into event_read (the inbox) is gated
-- by event.delivery.enabled.

CREATE TABLE event_subscription (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type     text CONSTRAINT subscription_event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_.]*\*?$'),
    event_domain   text REFERENCES event_domain_registry (event_domain),
    event_stream   qg_event_stream,
    recipient_kind text NOT NULL
        CONSTRAINT subscription_recipient_kind_allowed CHECK (recipient_kind IN (
            'user',      -- one staff user (recipient_ref = username)
            'group',     -- an auth group
            'role',      -- a role group: reviewer, approver, operator, auditor
            'executor'   -- an executor (queue_heartbeat.executor_name), for routing
        )),
    recipient_ref  text NOT NULL CONSTRAINT subscription_recipient_ref_not_blank CHECK (btrim(recipient_ref) <> ''),
    enabled        boolean NOT NULL DEFAULT true,
    note           text NOT NULL DEFAULT '',
    created_by     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subscription_matches_something CHECK (event_type IS NOT NULL OR event_domain IS NOT NULL OR event_stream IS NOT NULL),
    CONSTRAINT subscription_unique UNIQUE NULLS NOT DISTINCT (event_type, event_domain, event_stream, recipient_kind, recipient_ref)
);

CREATE FUNCTION fn_event_subscription_matches(s event_subscription, p_event_type text, p_domain text, p_stream text)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT s.enabled
       AND (s.event_type IS NULL OR s.event_type = p_event_type
            OR (right(s.event_type, 1) = '*' AND starts_with(p_event_type, left(s.event_type, -1))))
       AND (s.event_domain IS NULL OR s.event_domain = p_domain)
       AND (s.event_stream IS NULL OR s.event_stream::text = p_stream);
$$;

CREATE VIEW v_event_recipient AS
    SELECT e.id AS event_id, e.created_at AS event_created_at, s.recipient_kind, s.recipient_ref,
           'subscription'::text AS via, s.id AS subscription_id
    FROM event_outbox e
    JOIN event_subscription s ON fn_event_subscription_matches(s, e.event_type, e.event_domain, e.event_stream)
    UNION ALL
    SELECT e.id, e.created_at, 'role', d.default_audience, 'default_broadcast', NULL
    FROM event_outbox e
    JOIN event_domain_registry d ON d.event_domain = e.event_domain
    WHERE NOT EXISTS (SELECT 1 FROM event_subscription s
                      WHERE fn_event_subscription_matches(s, e.event_type, e.event_domain, e.event_stream));
COMMENT ON VIEW v_event_recipient IS 'Recipients of each event: matching subscriptions, else the domain default audience.';

CREATE TABLE event_read (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         bigint NOT NULL,
    event_created_at timestamptz NOT NULL,
    recipient_kind   text NOT NULL,
    recipient_ref    text NOT NULL,
    via              text NOT NULL,
    delivered_at     timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    read_by          text,
    CONSTRAINT event_read_once_per_recipient UNIQUE (event_id, recipient_kind, recipient_ref),
    CONSTRAINT event_read_by_whom CHECK ((read_at IS NULL) = (read_by IS NULL))
);
CREATE INDEX event_read_inbox ON event_read (recipient_kind, recipient_ref, read_at, event_id DESC);

CREATE FUNCTION fn_event_deliver(p_batch_size integer DEFAULT 1000) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Fan undelivered events out to their recipients' inboxes.
DECLARE
    v_events integer;
    v_rows integer;
BEGIN
    IF (SELECT value FROM dot_config WHERE key = 'event.delivery.enabled') IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('event.delivery.enabled');
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _qg_deliver (id bigint, created_at timestamptz) ON COMMIT DROP;
    TRUNCATE _qg_deliver;
    WITH picked AS (
        SELECT id, created_at FROM event_outbox WHERE delivered_at IS NULL
        ORDER BY id LIMIT p_batch_size FOR UPDATE SKIP LOCKED
    )
    INSERT INTO _qg_deliver SELECT id, created_at FROM picked;
    GET DIAGNOSTICS v_events = ROW_COUNT;
    IF v_events = 0 THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'events', 0, 'inbox_rows', 0);
    END IF;
    INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)
    SELECT DISTINCT ON (r.event_id, r.recipient_kind, r.recipient_ref)
           r.event_id, r.event_created_at, r.recipient_kind, r.recipient_ref, r.via
    FROM v_event_recipient r JOIN _qg_deliver d ON d.id = r.event_id AND d.created_at = r.event_created_at
    WHERE r.recipient_kind <> 'executor'
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    UPDATE event_outbox e SET delivered_at = now() FROM _qg_deliver d WHERE e.id = d.id AND e.created_at = d.created_at;
    IF (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled') = 'true'::jsonb THEN
        PERFORM pg_notify('queue_wake_inbox', v_events::text);
    END IF;
    RETURN jsonb_build_object('status', 'delivered', 'events', v_events, 'inbox_rows', v_rows);
END;
$$;

CREATE FUNCTION fn_event_mark_read(p_event_read_ids bigint[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Marks read only entries addressed to the acting user, one of their groups
-- or one of their roles (Django's auth tables); others are listed as refused.
DECLARE
    v_actor text := fn_actor_required();
    v_marked bigint[];
BEGIN
    WITH me AS (
        SELECT u.id, u.username FROM auth_user u WHERE 'user:' || u.username = v_actor AND u.is_active
    ), mine AS (
        SELECT 'user'::text AS kind, me.username AS ref FROM me
        UNION ALL
        SELECT k.kind, g.name FROM me JOIN auth_user_groups ug ON ug.user_id = me.id
        JOIN auth_group g ON g.id = ug.group_id CROSS JOIN (VALUES ('group'), ('role')) AS k(kind)
    ), marked AS (
        UPDATE event_read e SET read_at = now(), read_by = v_actor
         WHERE e.id = ANY (p_event_read_ids) AND e.read_at IS NULL
           AND EXISTS (SELECT 1 FROM mine WHERE mine.kind = e.recipient_kind AND mine.ref = e.recipient_ref)
        RETURNING e.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_marked FROM marked;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_marked) = 0 THEN 'nothing_to_do' ELSE 'read' END,
        'marked', cardinality(v_marked),
        'refused', to_jsonb(ARRAY(
            SELECT e.id FROM event_read e WHERE e.id = ANY (p_event_read_ids) AND e.read_at IS NULL
               AND e.id <> ALL (v_marked) ORDER BY e.id)));
END;
$$;

CREATE FUNCTION fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text,
                                   p_recipient_kind text, p_recipient_ref text, p_note text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_id bigint;
BEGIN
    IF p_event_type IS NOT NULL AND right(p_event_type, 1) <> '*'
       AND NOT EXISTS (SELECT 1 FROM event_type_registry WHERE event_type = p_event_type) THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO event_subscription (event_type, event_domain, event_stream, recipient_kind, recipient_ref, note, created_by)
    VALUES (p_event_type, p_event_domain, p_event_stream, p_recipient_kind, btrim(p_recipient_ref), coalesce(p_note, ''), v_actor)
    ON CONFLICT ON CONSTRAINT subscription_unique DO UPDATE SET enabled = true
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('status', 'subscribed', 'subscription_id', v_id);
END;
$$;

CREATE FUNCTION fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    UPDATE event_subscription SET enabled = p_enabled WHERE id = p_subscription_id AND enabled <> p_enabled;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM event_subscription WHERE id = p_subscription_id) THEN
            RAISE EXCEPTION 'unknown_subscription: % does not exist', p_subscription_id USING ERRCODE = 'QG005';
        END IF;
        RETURN jsonb_build_object('status', 'nothing_to_do', 'subscription_id', p_subscription_id);
    END IF;
    RETURN jsonb_build_object('status', CASE WHEN p_enabled THEN 'enabled' ELSE 'disabled' END,
                              'subscription_id', p_subscription_id, 'by', v_actor);
END;
$$;
