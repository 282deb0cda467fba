-- Routing is set-based (docs/architecture.md, "The event pipeline").
--
-- Before: each event of a batch went through each matching route one at a
-- time (a delivery lookup, a subtransaction, an attempt row, a delivery row
-- and a fn_job_enqueue per event and route: ~3,500 events/s through one
-- enqueue_job route). Now a batch of events is read once, and each matching
-- route takes its events in one go: a dry-run route records them in two
-- statements; an enqueue_job route enqueues them with one fn_job_enqueue_many
-- (same idempotency keys, payloads and correlation as one by one) and records
-- attempts and deliveries in two statements; a notify route sends its NOTIFYs
-- in one statement. When anything of a route's set fails, that route's events
-- of the batch go one at a time (fn_iu_route_deliver: its failures are parked
-- and retried as before), so the outcome of each event is the same as before;
-- only the order in which routes take turns within a batch differs (route by
-- route instead of event by event), each route still in event order.
-- call_function routes (one call per event by nature), and ordered routes
-- with parked deliveries (whose holds are decided per event), go one at a time.

CREATE FUNCTION fn_iu_route_matches(p_route_event_type text, p_event_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    -- A route's event type is an exact type, or a prefix ending in * (staging.*).
    SELECT p_route_event_type = p_event_type
        OR (right(p_route_event_type, 1) = '*' AND starts_with(p_event_type, left(p_route_event_type, -1)));
$$;

CREATE FUNCTION fn_iu_route_job_spec(p_event event_outbox, p_route iu_outbound_route) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    -- The job an enqueue_job route makes of an event: references only, one per event and route.
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'job_kind', p_route.target,
        'payload', jsonb_strip_nulls(jsonb_build_object(
            'event_id', p_event.id, 'event_type', p_event.event_type, 'event_domain', p_event.event_domain,
            'subject_table', p_event.event_subject_table, 'subject_ref', p_event.event_subject_ref,
            'route', p_route.route_name)),
        'queue_name', p_route.target_queue,
        'idempotency_key', format('route:%s:event:%s', p_route.id, p_event.id),
        'correlation_id', coalesce(p_event.correlation_id, 'event:' || p_event.id)));
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_dispatch(p_event event_outbox, p_route iu_outbound_route) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
    v_target regprocedure;
    v_job jsonb;
BEGIN
    IF p_route.action_kind = 'call_function' THEN
        v_target := fn_iu_route_target_callable(p_route.target);
        EXECUTE format('SELECT to_jsonb(%s($1))', v_target::oid::regproc) INTO v_result USING to_jsonb(p_event);
        RETURN coalesce(v_result, 'null'::jsonb);
    ELSIF p_route.action_kind = 'enqueue_job' THEN
        v_job := fn_iu_route_job_spec(p_event, p_route);
        v_result := fn_job_enqueue(
            p_job_kind => v_job ->> 'job_kind',
            p_payload => v_job -> 'payload',
            p_queue_name => v_job ->> 'queue_name',
            p_idempotency_key => v_job ->> 'idempotency_key',
            p_correlation_id => v_job ->> 'correlation_id');
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

CREATE FUNCTION fn_iu_route_deliver_set(p_events event_outbox[], p_route iu_outbound_route, p_worker_name text)
RETURNS integer
LANGUAGE plpgsql AS $$
-- One route takes the events of a batch it matches in one go; answers how
-- many it delivered (dry-run records included). Raises when any part fails:
-- the caller then delivers them one at a time.
DECLARE
    v_started timestamptz := clock_timestamp();
    v_events event_outbox[];
    v_answer jsonb;
    v_new bigint[];
    v_n integer;
BEGIN
    -- New events have no delivery yet (the cursor is past every routed one); one
    -- that had would fail the delivery insert's key and send the route one at a time.
    SELECT array_agg(e ORDER BY e.tx_id, e.id) INTO v_events
      FROM unnest(p_events) AS e
     WHERE fn_iu_route_matches(p_route.event_type, e.event_type);
    v_n := coalesce(cardinality(v_events), 0);
    IF v_n = 0 THEN
        RETURN 0;
    END IF;
    IF p_route.dry_run THEN
        INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
        SELECT e.id, p_route.id, p_worker_name, 1, 'dry_run', NULL,
               jsonb_build_object('would', p_route.action_kind, 'target', p_route.target), v_started, clock_timestamp()
          FROM unnest(v_events) AS e;
    ELSIF p_route.action_kind = 'enqueue_job' THEN
        v_answer := fn_job_enqueue_many((SELECT jsonb_agg(fn_iu_route_job_spec(e, p_route) ORDER BY e.tx_id, e.id)
                                           FROM unnest(v_events) AS e));
        IF v_answer ->> 'status' <> 'enqueued' THEN
            RAISE EXCEPTION '%: % is closed; jobs not enqueued', v_answer ->> 'status', v_answer ->> 'gate' USING ERRCODE = 'QG003';
        END IF;
        v_new := ARRAY(SELECT jsonb_array_elements_text(v_answer -> 'job_ids')::bigint);
        IF cardinality(v_new) = v_n THEN
            -- every job is new: inserted in event order, their ids ascend with it
            INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at,
                                          finished_at)
            SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
                   jsonb_build_object('status', 'enqueued', 'job_id', v_new[e.ordinality]), v_started, clock_timestamp()
              FROM unnest(v_events) WITH ORDINALITY AS e;
        ELSE
            INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at,
                                          finished_at)
            SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
                   jsonb_build_object('status', CASE WHEN j.id = ANY (v_new) THEN 'enqueued' ELSE 'duplicate' END,
                                      'job_id', j.id),
                   v_started, clock_timestamp()
              FROM unnest(v_events) AS e
              LEFT JOIN job_queue j ON j.idempotency_key = format('route:%s:event:%s', p_route.id, e.id);
        END IF;
    ELSIF p_route.action_kind = 'notify' THEN
        PERFORM pg_notify(p_route.target, jsonb_build_object('event_id', e.id, 'event_type', e.event_type)::text)
           FROM unnest(v_events) AS e;
        INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
        SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
               jsonb_build_object('status', 'notified', 'channel', p_route.target), v_started, clock_timestamp()
          FROM unnest(v_events) AS e;
    ELSE
        RAISE EXCEPTION 'not_set_based: % routes deliver one event at a time', p_route.action_kind USING ERRCODE = 'QG004';
    END IF;
    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, event_created_at, event_domain, event_type,
                                   subject_key)
    SELECT e.id, p_route.id, CASE WHEN p_route.dry_run THEN 'dry_run' ELSE 'succeeded' END, 1, e.created_at,
           e.event_domain, e.event_type, fn_iu_route_subject_key(e.event_subject_table, e.event_subject_ref)
      FROM unnest(v_events) AS e;
    RETURN v_n;
END;
$$;

DROP FUNCTION fn_iu_route_cursor_run(iu_route_worker_cursor, integer, xid8);
CREATE FUNCTION fn_iu_route_cursor_run(c iu_route_worker_cursor, p_batch_size integer, p_horizon xid8)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Drain one cursor's domain. First the domain's parked deliveries of live
-- routes that are due (oldest event first, one at a time), then one batch of
-- events committed before p_horizon, in commit-safe order (tx_id, id): each
-- matching enabled route takes the batch's events in one go
-- (fn_iu_route_deliver_set) or, if that fails or the route calls a function
-- or holds subjects, one at a time (fn_iu_route_deliver). The cursor moves
-- past every event it read: what failed is parked, never in the way.
-- Answers {processed, dispatched, failed, dead_lettered, parked, retried, last_event_id}.
DECLARE
    ev event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    d iu_route_delivery%ROWTYPE;
    v_batch event_outbox[];
    v_outcome text;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_parked integer := 0;
    v_retried integer := 0;
    v_error text;
    v_dl bigint;
    v_n integer;
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

    SELECT array_agg(e ORDER BY e.tx_id, e.id) INTO v_batch
      FROM (SELECT * FROM event_outbox
             WHERE event_domain = c.event_domain AND (tx_id, id) > (c.last_tx_id, c.last_event_id) AND tx_id < p_horizon
             ORDER BY tx_id, id LIMIT p_batch_size) e;

    IF v_batch IS NOT NULL THEN
        FOR rt IN
            SELECT * FROM iu_outbound_route r
             WHERE r.enabled
               AND EXISTS (SELECT 1 FROM unnest(v_batch) AS e WHERE fn_iu_route_matches(r.event_type, e.event_type))
             ORDER BY r.id
        LOOP
            IF rt.action_kind <> 'call_function'
               AND NOT (rt.ordered_per_subject
                        AND EXISTS (SELECT 1 FROM iu_route_delivery p WHERE p.route_id = rt.id AND p.status = 'pending')) THEN
                BEGIN
                    v_n := fn_iu_route_deliver_set(v_batch, rt, c.worker_name);
                    v_routed := v_routed + CASE WHEN rt.dry_run THEN 0 ELSE v_n END;
                    CONTINUE;
                EXCEPTION WHEN OTHERS THEN
                    NULL;  -- undone: this route's events go one at a time below
                END;
            END IF;
            FOREACH ev IN ARRAY v_batch LOOP
                CONTINUE WHEN NOT fn_iu_route_matches(rt.event_type, ev.event_type);
                v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name);
                CASE v_outcome
                    WHEN 'succeeded' THEN v_routed := v_routed + 1;
                    WHEN 'retrying' THEN v_failed := v_failed + 1; v_parked := v_parked + 1;
                    WHEN 'held' THEN v_parked := v_parked + 1;
                    WHEN 'dead_lettered' THEN v_failed := v_failed + 1; v_dead := v_dead + 1;
                    ELSE NULL;  -- done, dry_run, waiting
                END CASE;
            END LOOP;
        END LOOP;
        c.last_tx_id := v_batch[cardinality(v_batch)].tx_id;
        c.last_event_id := v_batch[cardinality(v_batch)].id;
        c.processed_count := c.processed_count + cardinality(v_batch);
    END IF;
    UPDATE iu_route_worker_cursor
       SET last_tx_id = c.last_tx_id, last_event_id = c.last_event_id, processed_count = c.processed_count,
           dead_lettered_count = dead_lettered_count + v_dead, last_run_at = now()
     WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
    RETURN jsonb_build_object('processed', coalesce(cardinality(v_batch), 0), 'dispatched', v_routed,
                              'failed', v_failed, 'dead_lettered', v_dead, 'parked', v_parked, 'retried', v_retried,
                              'last_event_id', c.last_event_id);
END;
$$;
