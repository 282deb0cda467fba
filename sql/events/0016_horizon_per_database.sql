-- The route workers' commit-safe horizon counts only this database's
-- transactions (docs/architecture.md, "The event pipeline").
--
-- Before: a worker routed only events older than pg_snapshot_xmin of its
-- snapshot, the oldest transaction still running in the whole cluster, so one
-- long transaction in any other database of the server stalled every route
-- worker. Transactions of another database never write this one's event_outbox,
-- so they are left out: the horizon is the oldest transaction id still running
-- (or prepared) in this database, and at most the snapshot's xmax. Every xid
-- below it is finished, so a later statement's snapshot sees all its events.

CREATE FUNCTION fn_event_horizon() RETURNS xid8
LANGUAGE sql STABLE AS $$
    -- pg_current_snapshot() is the statement's snapshot, taken before pg_locks
    -- is read: an xid assigned while this runs is at or above the snapshot's xmax.
    -- pg_locks holds each transaction's ExclusiveLock on its own xid (32 bits);
    -- it becomes an xid8 in the epoch of the snapshot's xmax (or the one before).
    WITH ref AS (
        SELECT pg_snapshot_xmax(pg_current_snapshot()) AS xmax,
               (pg_snapshot_xmax(pg_current_snapshot())::text)::numeric AS n
    ), running AS (
        SELECT l.transactionid AS xid
          FROM pg_locks l
          JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
           AND a.datname = current_database()
        UNION ALL
        SELECT p.transaction FROM pg_prepared_xacts p WHERE p.database = current_database()
    ), widened AS (
        SELECT CASE WHEN c > ref.n THEN c - 4294967296 ELSE c END AS n
          FROM running, ref,
               LATERAL (SELECT floor(ref.n / 4294967296) * 4294967296 + (running.xid::text)::numeric AS c) x
    )
    SELECT least(ref.xmax, (SELECT min(widened.n) FROM widened)::text::xid8) FROM ref;
$$;

CREATE OR REPLACE FUNCTION fn_iu_route_worker_run(p_worker_name text, p_batch_size integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- One tick of a route worker: each of its enabled cursors not held by another
-- tick is drained by fn_iu_route_cursor_run below fn_event_horizon(); then the
-- worker's heartbeat.
DECLARE
    c iu_route_worker_cursor%ROWTYPE;
    v_horizon xid8 := fn_event_horizon();
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

-- A new cursor starts below the same horizon.
CREATE OR REPLACE FUNCTION fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean,
                                                        p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- A new cursor starts after the domain's newest event below fn_event_horizon()
-- (so an event still being committed is not skipped), or with
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
         WHERE event_domain = p_event_domain AND tx_id < fn_event_horizon()
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
