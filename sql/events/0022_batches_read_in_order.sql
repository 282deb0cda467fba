-- Pending processing reads one batch, whatever the statistics say (docs/architecture.md,
-- "Implementation notes"). The machine's PostgreSQL runs without autovacuum: event_pending's
-- statistics are as old as its last ANALYZE, or absent. From the sixth call on,
-- PL/pgSQL plans the immediate lane's batch generically; with no statistics it
-- estimated two ready captures and chose a bitmap scan of event_pending_ready,
-- which reads every ready capture and sorts them (on disk at 100,000) to keep the
-- first 1,000: each batch cost the whole backlog (83 µs an event instead of 42 in
-- the event bench). Without bitmap scans the batch is read from
-- event_pending_ready in id order and stops at its LIMIT; the function's other
-- statements find their rows by key. tests/events/test_stale_statistics.py.
ALTER FUNCTION fn_event_pending_emit_batch(integer, timestamptz) SET enable_bitmapscan = off;

-- An enqueue_job route's job spec is built by format() and jsonb_build_object,
-- which are STABLE: declared IMMUTABLE, the function could not be inlined, and
-- routing called it once per event (3 µs an event of 58 in the event bench).
ALTER FUNCTION fn_iu_route_job_spec(event_outbox, iu_outbound_route) STABLE;

-- A route worker's batch is read in (tx_id, id) order and stops at its LIMIT,
-- whatever the statistics say. With statistics taken while the outbox was small
-- the planner expected a few dozen events past the cursor, appended the monthly
-- partitions unordered and sorted what they held: every event past the cursor
-- was read for each batch (the event bench, 1,000,000 waiting: 287 µs an event
-- instead of 54). Without sorts the partitions' (event_domain, tx_id, id)
-- indexes are merged in order. The read is its own function so the setting
-- reaches no other statement (the event bench's backlog check, bench/event_bench.py (5)).
CREATE FUNCTION fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8,
                                  p_batch_size integer) RETURNS event_outbox[]
LANGUAGE plpgsql STABLE SET enable_sort = off AS $$
-- The next p_batch_size events of p_domain past the cursor (p_last_tx_id,
-- p_last_event_id) committed before p_horizon, in commit-safe order (tx_id, id).
BEGIN
    RETURN (SELECT array_agg(e ORDER BY e.tx_id, e.id)
              FROM (SELECT * FROM event_outbox
                     WHERE event_domain = p_domain AND (tx_id, id) > (p_last_tx_id, p_last_event_id)
                       AND tx_id < p_horizon
                     ORDER BY tx_id, id LIMIT p_batch_size) e);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_cursor_run(c iu_route_worker_cursor, p_batch_size integer, p_horizon xid8)
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

    v_batch := fn_iu_route_batch(c.event_domain, c.last_tx_id, c.last_event_id, p_horizon, p_batch_size);

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
