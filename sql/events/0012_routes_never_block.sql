-- Routes never block their domain (docs/events.md, "Routes never block
-- their domain"). Before: the cursor stopped before the first event a route
-- had not finished, so one failing route held back every later event of its
-- domain (beyond one batch) for ~2.5 min until it was dead-lettered. Now a
-- failed delivery is parked in iu_route_delivery (pending, next_attempt_at)
-- and the cursor moves on; each tick first retries the domain's parked
-- deliveries that are due. A route that asks for it (ordered_per_subject)
-- keeps the order of one subject's events: a later event of a subject waits
-- behind the same route's parked delivery of that subject, nothing else does.
--
-- Retry timing: a route's own retry_policy (retry_policy_registry), else the
-- defaults event.retry.max_attempts and event.retry.backoff_seconds.

CREATE FUNCTION fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    -- One subject of the events a route orders: table and reference (none without a reference).
    SELECT CASE WHEN p_subject_ref IS NULL THEN NULL ELSE coalesce(p_subject_table, '') || ':' || p_subject_ref END;
$$;

-- What the retry pass needs, kept on the delivery so it never scans event_outbox.
ALTER TABLE iu_route_delivery
    ADD COLUMN event_created_at timestamptz,
    ADD COLUMN event_domain text,
    ADD COLUMN event_type text,
    ADD COLUMN subject_key text;
UPDATE iu_route_delivery d
   SET event_created_at = e.created_at, event_domain = e.event_domain, event_type = e.event_type,
       subject_key = fn_iu_route_subject_key(e.event_subject_table, e.event_subject_ref)
  FROM event_outbox e
 WHERE e.id = d.event_id AND d.status = 'pending';  -- only parked deliveries are read by these columns
CREATE INDEX iu_route_delivery_parked ON iu_route_delivery (event_domain, next_attempt_at, event_id)
    WHERE status = 'pending';
CREATE INDEX iu_route_delivery_subject_parked ON iu_route_delivery (route_id, subject_key, event_id)
    WHERE status = 'pending';

ALTER TABLE iu_outbound_route
    ADD COLUMN retry_policy text REFERENCES retry_policy_registry (code),
    ADD COLUMN ordered_per_subject boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN iu_outbound_route.retry_policy IS
    'The route''s own retry policy; NULL: event.retry.max_attempts attempts, event.retry.backoff_seconds apart and doubling.';
COMMENT ON COLUMN iu_outbound_route.ordered_per_subject IS
    'A later event of a subject waits behind this route''s parked (failed, retrying) delivery of the same subject.';
COMMENT ON CONSTRAINT iu_outbound_route_retry_policy_fkey ON iu_outbound_route IS
    'a route''s retry policy is one of retry_policy_registry: name an existing policy, or none for the event.retry.* defaults';

SELECT fn_config_guard_set(false);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description) VALUES
    ('event.retry.backoff_seconds', '5', 'setting', 'integer', 1, 3600,
     'Seconds before a failed route delivery''s first retry; each next retry waits twice as long, at most an hour (routes without a retry policy)');
SELECT fn_config_guard_set(true);

CREATE FUNCTION fn_iu_route_retry(p_route iu_outbound_route, p_attempts integer, OUT max_attempts integer,
                                  OUT delay interval)
LANGUAGE plpgsql STABLE AS $$
-- The one place a route's retry timing is read: its policy, else the event.retry.* defaults.
BEGIN
    IF p_route.retry_policy IS NOT NULL THEN
        SELECT r.max_attempts INTO max_attempts FROM retry_policy_registry r WHERE r.code = p_route.retry_policy;
        delay := fn_retry_delay(p_route.retry_policy, p_attempts);
    ELSE
        max_attempts := fn_setting_int('event.retry.max_attempts');
        delay := make_interval(secs => least(fn_setting_int('event.retry.backoff_seconds')
                                             * power(2::numeric, least(greatest(p_attempts, 1) - 1, 30)), 3600)::double precision);
    END IF;
END;
$$;

CREATE FUNCTION fn_iu_route_delivery_set(p_event event_outbox, p_route_id bigint, p_status text, p_attempts integer,
                                         p_next_attempt_at timestamptz, p_error text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, next_attempt_at, last_error,
                                   event_created_at, event_domain, event_type, subject_key)
    VALUES (p_event.id, p_route_id, p_status, p_attempts, p_next_attempt_at, p_error, p_event.created_at,
            p_event.event_domain, p_event.event_type,
            fn_iu_route_subject_key(p_event.event_subject_table, p_event.event_subject_ref))
    ON CONFLICT (event_id, route_id) DO UPDATE
        SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at,
            last_error = EXCLUDED.last_error, updated_at = now();
$$;

DROP FUNCTION fn_iu_route_deliver(event_outbox, iu_outbound_route, text, integer);
CREATE FUNCTION fn_iu_route_deliver(p_event event_outbox, p_route iu_outbound_route, p_worker_name text)
RETURNS text
LANGUAGE plpgsql AS $$
-- One route for one event, once: 'done' (routed, dry-run or dead-lettered
-- before), 'waiting' (a retry not yet due), 'held' (parked behind the route's
-- earlier parked delivery of the same subject, ordered routes only),
-- 'dry_run', 'succeeded', 'retrying' (failed, parked until fn_iu_route_retry's
-- delay) or 'dead_lettered' (failed for the last time: iu_route_dead_letter,
-- and system.route_dead_lettered).
DECLARE
    d iu_route_delivery%ROWTYPE;
    v_attempt integer;
    v_started timestamptz;
    v_result jsonb;
    v_error text;
    v_dl bigint;
    v_retry record;
    v_ahead timestamptz;
BEGIN
    SELECT * INTO d FROM iu_route_delivery WHERE event_id = p_event.id AND route_id = p_route.id;
    IF FOUND AND d.status <> 'pending' THEN
        RETURN 'done';
    END IF;
    IF FOUND AND d.next_attempt_at > now() THEN
        RETURN 'waiting';
    END IF;
    IF p_route.ordered_per_subject AND p_event.event_subject_ref IS NOT NULL THEN
        SELECT min(a.next_attempt_at) INTO v_ahead
          FROM iu_route_delivery a
         WHERE a.route_id = p_route.id AND a.status = 'pending' AND a.event_id < p_event.id
           AND a.subject_key = fn_iu_route_subject_key(p_event.event_subject_table, p_event.event_subject_ref);
        IF v_ahead IS NOT NULL THEN
            PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'pending', coalesce(d.attempts, 0),
                                             greatest(v_ahead, now()), coalesce(d.last_error, 'held: an earlier event of this subject is not routed yet'));
            RETURN 'held';
        END IF;
    END IF;
    v_attempt := coalesce(d.attempts, 0) + 1;
    v_started := clock_timestamp();
    IF p_route.dry_run THEN
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'dry_run', NULL,
            jsonb_build_object('would', p_route.action_kind, 'target', p_route.target), v_started);
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'dry_run', v_attempt, NULL, NULL);
        RETURN 'dry_run';
    END IF;
    BEGIN
        v_result := fn_iu_route_dispatch(p_event, p_route);
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'succeeded', NULL, v_result,
                                           v_started);
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'succeeded', v_attempt, NULL, NULL);
        RETURN 'succeeded';
    EXCEPTION WHEN OTHERS THEN
        v_error := left(SQLERRM, 2000);
    END;
    PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'failed', v_error, NULL, v_started);
    v_retry := fn_iu_route_retry(p_route, v_attempt);
    IF v_attempt < v_retry.max_attempts THEN
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'pending', v_attempt, now() + v_retry.delay, v_error);
        RETURN 'retrying';
    END IF;
    PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'dead_lettered', v_attempt, NULL, v_error);
    INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                      attempts, last_error, event_snapshot)
    VALUES (p_event.id, p_event.created_at, p_event.event_type, p_route.id, p_worker_name, v_attempt, v_error,
            to_jsonb(p_event) - 'tx_id')
    ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
    RETURNING id INTO v_dl;
    PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
        jsonb_build_object('event_id', p_event.id, 'event_type', p_event.event_type, 'route', p_route.route_name,
                           'attempts', v_attempt),
        NULL, p_event.correlation_id, 'event:' || p_event.id);
    RETURN 'dead_lettered';
END;
$$;

DROP FUNCTION fn_iu_route_cursor_run(iu_route_worker_cursor, integer, xid8, integer);
CREATE FUNCTION fn_iu_route_cursor_run(c iu_route_worker_cursor, p_batch_size integer, p_horizon xid8)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Drain one cursor's domain. First the domain's parked deliveries that are
-- due (oldest event first), then every matching enabled route of each event
-- committed before p_horizon, in commit-safe order (tx_id, id). The cursor
-- moves past every event it read: what failed is parked, never in the way.
-- Answers {processed, dispatched, failed, dead_lettered, parked, retried, last_event_id}.
DECLARE
    ev event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    d iu_route_delivery%ROWTYPE;
    v_outcome text;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_parked integer := 0;
    v_retried integer := 0;
    v_error text;
    v_dl bigint;
BEGIN
    -- Only live routes' parked deliveries: a disabled or dry-run route's wait for
    -- it to be live again (filtered before the LIMIT, so they never crowd out others).
    FOR d IN
        SELECT dl.* FROM iu_route_delivery dl
          JOIN iu_outbound_route r ON r.id = dl.route_id AND r.enabled AND NOT r.dry_run
         WHERE dl.status = 'pending' AND dl.event_domain = c.event_domain AND dl.next_attempt_at <= now()
         ORDER BY dl.event_id, dl.route_id LIMIT p_batch_size
           FOR UPDATE OF dl SKIP LOCKED
    LOOP
        SELECT * INTO rt FROM iu_outbound_route WHERE id = d.route_id;
        SELECT * INTO ev FROM event_outbox WHERE id = d.event_id AND created_at = d.event_created_at;
        IF NOT FOUND THEN
            -- Retention removed the event before its retry: dead-lettered with what is known of it.
            v_error := format('event_gone: event %s is no longer in event_outbox (retention) before its retry', d.event_id);
            UPDATE iu_route_delivery SET status = 'dead_lettered', next_attempt_at = NULL, last_error = v_error,
                                         updated_at = now()
             WHERE event_id = d.event_id AND route_id = d.route_id;
            INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                              attempts, last_error, event_snapshot)
            VALUES (d.event_id, d.event_created_at, coalesce(d.event_type, 'unknown'), d.route_id, c.worker_name,
                    d.attempts, v_error,
                    jsonb_build_object('id', d.event_id, 'created_at', d.event_created_at, 'event_type', d.event_type,
                                       'gone', true))
            ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
            RETURNING id INTO v_dl;
            PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
                jsonb_build_object('event_id', d.event_id, 'event_type', d.event_type, 'route', rt.route_name,
                                   'attempts', d.attempts),
                NULL, NULL, 'event:' || d.event_id);
            v_dead := v_dead + 1;
            CONTINUE;
        END IF;
        v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name);
        v_retried := v_retried + 1;
        CASE v_outcome
            WHEN 'succeeded' THEN v_routed := v_routed + 1;
            WHEN 'retrying' THEN v_failed := v_failed + 1;
            WHEN 'dead_lettered' THEN v_failed := v_failed + 1; v_dead := v_dead + 1;
            ELSE NULL;  -- held, waiting, dry_run, done
        END CASE;
    END LOOP;

    FOR ev IN
        SELECT * FROM event_outbox
        WHERE event_domain = c.event_domain AND (tx_id, id) > (c.last_tx_id, c.last_event_id) AND tx_id < p_horizon
        ORDER BY tx_id, id LIMIT p_batch_size
    LOOP
        FOR rt IN
            SELECT * FROM iu_outbound_route r
            WHERE r.enabled AND (r.event_type = ev.event_type
                  OR (right(r.event_type, 1) = '*' AND starts_with(ev.event_type, left(r.event_type, -1))))
            ORDER BY r.id
        LOOP
            v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name);
            CASE v_outcome
                WHEN 'succeeded' THEN v_routed := v_routed + 1;
                WHEN 'retrying' THEN v_failed := v_failed + 1; v_parked := v_parked + 1;
                WHEN 'held' THEN v_parked := v_parked + 1;
                WHEN 'dead_lettered' THEN v_failed := v_failed + 1; v_dead := v_dead + 1;
                ELSE NULL;  -- done, dry_run, waiting
            END CASE;
        END LOOP;
        c.last_tx_id := ev.tx_id;
        c.last_event_id := ev.id;
        c.processed_count := c.processed_count + 1;
        v_processed := v_processed + 1;
    END LOOP;
    UPDATE iu_route_worker_cursor
       SET last_tx_id = c.last_tx_id, last_event_id = c.last_event_id, processed_count = c.processed_count,
           dead_lettered_count = dead_lettered_count + v_dead, last_run_at = now()
     WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
    RETURN jsonb_build_object('processed', v_processed, 'dispatched', v_routed, 'failed', v_failed,
                              'dead_lettered', v_dead, 'parked', v_parked, 'retried', v_retried,
                              'last_event_id', c.last_event_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_worker_run(p_worker_name text, p_batch_size integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- One tick of a route worker: each of its enabled cursors not held by another
-- tick is drained by fn_iu_route_cursor_run; then the worker's heartbeat.
DECLARE
    c iu_route_worker_cursor%ROWTYPE;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_any_cursor boolean := false;
    v_run jsonb;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_parked integer := 0;
    v_retried integer := 0;
    v_domains jsonb := '[]'::jsonb;
BEGIN
    IF NOT fn_gate_open('event.routes_master.enabled') THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF NOT fn_gate_open('event.route_worker.enabled') THEN
        RETURN fn_gate_closed_result('event.route_worker.enabled');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM iu_route_worker_cursor WHERE worker_name = p_worker_name) THEN
        RAISE EXCEPTION 'unknown_route_worker: % has no iu_route_worker_cursor row', p_worker_name USING ERRCODE = 'QG005';
    END IF;

    FOR c IN
        SELECT * FROM iu_route_worker_cursor WHERE worker_name = p_worker_name AND enabled
        ORDER BY event_domain FOR UPDATE SKIP LOCKED
    LOOP
        v_any_cursor := true;
        v_run := fn_iu_route_cursor_run(c, p_batch_size, v_horizon);
        v_processed := v_processed + (v_run ->> 'processed')::integer;
        v_routed := v_routed + (v_run ->> 'dispatched')::integer;
        v_failed := v_failed + (v_run ->> 'failed')::integer;
        v_dead := v_dead + (v_run ->> 'dead_lettered')::integer;
        v_parked := v_parked + (v_run ->> 'parked')::integer;
        v_retried := v_retried + (v_run ->> 'retried')::integer;
        v_domains := v_domains || jsonb_build_object('event_domain', c.event_domain,
                                                     'last_event_id', (v_run -> 'last_event_id'),
                                                     'parked', (v_run -> 'parked'), 'retried', (v_run -> 'retried'));
    END LOOP;

    IF NOT v_any_cursor THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', format('another tick of %s holds its cursors (or all are disabled)', p_worker_name));
    END IF;
    IF fn_gate_open('queue.heartbeat.enabled') THEN
        PERFORM fn_queue_heartbeat_tick(p_worker_name, 'PG_worker',
                                        jsonb_build_object('role', 'route_worker', 'processed', v_processed));
    END IF;
    RETURN jsonb_build_object(
        'status', CASE WHEN v_processed + v_routed + v_failed + v_retried = 0 THEN 'nothing_to_do' ELSE 'routed' END,
        'processed', v_processed, 'dispatched', v_routed, 'failed', v_failed, 'dead_lettered', v_dead,
        'parked', v_parked, 'retried', v_retried, 'cursors', v_domains);
END;
$$;
