-- The set-based pipeline, after review (docs/architecture.md, "The event pipeline"):
-- * a batch's events get ids in capture order (the ids are drawn after sorting;
--   before, a join could hand them out grouped by type, and routing and the
--   routes' order per subject follow event ids);
-- * the immediate lane reads ready captures (not failed, not processed) from an
--   index of their own, event_pending_ready, so captures parked after
--   event.retry.max_attempts are never scanned (delayed-lane captures still
--   debouncing are, at most one debounce window of them); captures that failed
--   before are read from event_pending_retrying;
-- * the delayed lane takes its types in a random order each call, so a type
--   with many quiet groups cannot starve the others;
-- * the answer says when a batch went one at a time (one_at_a_time);
-- * trigger-IN capture reads the statement's rows where they are (the
--   transition table, once per route) instead of copying them all into memory,
--   and refuses tables whose statements it cannot see row for row
--   (partitioned tables, partitions, foreign tables).

CREATE INDEX event_pending_ready ON event_pending (id) WHERE processed_at IS NULL AND error_count = 0;
CREATE INDEX event_pending_retrying ON event_pending (id) WHERE processed_at IS NULL AND error_count > 0;

CREATE OR REPLACE FUNCTION fn_event_pending_emit_batch(p_batch_size integer, p_now timestamptz, OUT emitted integer,
                                            OUT duplicates integer)
LANGUAGE plpgsql AS $$
-- One set-based batch of the immediate lane: captures never failed before,
-- oldest first, locked (SKIP LOCKED), each checked by fn_event_emit_check (a
-- broken rule raises and undoes the whole batch: the caller then goes row by
-- row). Answers how many became events and how many were already emitted.
DECLARE
    v_domains text[];
    -- the immediate lane's types, so the batch is read in id order from the unprocessed
    -- captures' index and costs the same whatever the backlog behind it
    v_types text[] := ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate');
BEGIN
    WITH batch AS (  -- the oldest ready captures of the immediate types, read from event_pending_ready
        SELECT p.id, p.event_type, p.event_subject_table, p.event_subject_ref, p.capture_payload, p.correlation_id,
               p.causation_id, p.captured_at, p.actor
          FROM event_pending p
         WHERE p.processed_at IS NULL AND p.error_count = 0 AND p.event_type = ANY (v_types)
         ORDER BY p.id
         LIMIT p_batch_size
           FOR UPDATE SKIP LOCKED
    ), ordered AS MATERIALIZED (  -- sorted before the ids are drawn: events get ids in capture order
        SELECT b.*, t AS type_row, t.event_domain
          FROM batch b
          JOIN event_type_registry t USING (event_type)
         WHERE fn_event_emit_check(t, b.event_type, b.event_subject_table, b.event_subject_ref,
                                   b.correlation_id, b.causation_id, 'pending:' || b.id, b.capture_payload)
         ORDER BY b.id
    ), checked AS MATERIALIZED (
        SELECT o.*, nextval('event_outbox_id_seq') AS event_id FROM ordered o
    ), keys AS (
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        SELECT c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id, c.event_id
          FROM checked c WHERE c.event_subject_ref IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING event_id
    ), earlier AS (  -- a capture emitted before (its key committed earlier): that event; probed only
                     -- for keys this batch did not insert, so the cost never grows with the key table
        SELECT c.id AS pending_id, k.event_id
          FROM checked c
          CROSS JOIN LATERAL (
                SELECT k.event_id FROM event_subject_key k
                 WHERE (k.event_domain, k.event_type, k.event_subject_table, k.event_subject_ref, k.fact_key)
                     = (c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id)
                 LIMIT 1) k
         WHERE c.event_subject_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keys WHERE keys.event_id = c.event_id)
    ), outbox AS (
        INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                                  payload_classification, event_subject_table, event_subject_ref, correlation_id,
                                  causation_id, actor, occurred_at)
        SELECT c.event_id, c.event_domain, (c.type_row).event_stream, c.event_type, (c.type_row).delivery_lane,
               (c.type_row).default_severity, coalesce(c.capture_payload, '{}'), 'safe_metadata',
               c.event_subject_table, c.event_subject_ref, c.correlation_id, c.causation_id, fn_event_actor(c.actor),
               c.captured_at
          FROM checked c
         WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.pending_id = c.id)
        RETURNING event_domain
    ), marked AS (
        UPDATE event_pending p
           SET processed_at = p_now, emitted_event_id = coalesce(e.event_id, c.event_id)
          FROM checked c LEFT JOIN earlier e ON e.pending_id = c.id
         WHERE p.id = c.id
        RETURNING e.event_id IS NOT NULL AS duplicate
    )
    SELECT (SELECT count(*) FILTER (WHERE NOT duplicate) FROM marked), (SELECT count(*) FILTER (WHERE duplicate) FROM marked),
           (SELECT array_agg(DISTINCT event_domain) FROM outbox)
      INTO emitted, duplicates, v_domains;
    IF v_domains IS NOT NULL AND fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || d, 'batch') FROM unnest(v_domains) AS d;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Immediate lane: captures become events, a batch per statement
-- (fn_event_pending_emit_batch); a batch with a capture that breaks a rule,
-- and captures that failed before, go one at a time. Delayed lane: the
-- captures of one (stable_key, event_type) group become one event once the
-- group has been quiet for event.debounce_seconds. A failing row or group
-- records error_count/last_error and never blocks the others.
DECLARE
    v_now timestamptz := coalesce(p_now, clock_timestamp());
    v_quiet interval;
    r record;
    g record;
    v_answer jsonb;
    v_emitted integer := 0;
    v_duplicates integer := 0;
    v_groups integer := 0;
    v_failed integer := 0;
    v_max_errors integer;
    v_batch record;
    v_set_based boolean := true;
    v_type text;
    v_failed_groups integer := 0;
    v_rows refcursor;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.event_pending_process')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another fn_event_pending_process is running');
    END IF;
    v_quiet := make_interval(secs => fn_setting_int('event.debounce_seconds'));
    -- rows that failed event.retry.max_attempts times are parked (visible in the admin's pending backlog)
    v_max_errors := fn_setting_int('event.retry.max_attempts');

    -- immediate lane: one set-based batch; on a broken rule, row by row
    BEGIN
        v_batch := fn_event_pending_emit_batch(p_batch_size, v_now);
        v_emitted := v_batch.emitted;
        v_duplicates := v_batch.duplicates;
    EXCEPTION WHEN OTHERS THEN
        v_set_based := false;
    END;
    -- one at a time: captures that failed before (event_pending_retrying), or the whole
    -- batch when the set-based statement refused it
    IF v_set_based THEN
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count > 0 AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT greatest(p_batch_size - v_emitted - v_duplicates, 0);
    ELSE
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT p_batch_size;
    END IF;
    LOOP
        FETCH v_rows INTO r;
        EXIT WHEN NOT FOUND;
        BEGIN
            v_answer := fn_event_emit(r.event_type, r.event_subject_table, r.event_subject_ref, r.capture_payload,
                                      NULL, r.correlation_id, r.causation_id, r.captured_at, 'safe_metadata',
                                      'pending:' || r.id, r.actor);
            IF v_answer ->> 'status' = 'gate_closed' THEN
                RETURN v_answer;
            END IF;
            UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
             WHERE id = r.id;
            IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
        EXCEPTION WHEN OTHERS THEN
            UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = r.id;
            v_failed := v_failed + 1;
        END;
    END LOOP;
    CLOSE v_rows;

    -- delayed lane: quiet groups, one delayed type at a time. EXECUTE plans each
    -- with its type's value, so the planner sees how few of the waiting captures
    -- it has and reads them from event_pending_unprocessed (keyed by type)
    -- instead of scanning every waiting capture.
    -- in a random order each call: a type with many quiet groups never starves the others
    FOR v_type IN SELECT event_type FROM event_type_registry WHERE delivery_lane = 'delayed' ORDER BY random() LOOP
        EXIT WHEN v_groups + v_failed_groups >= p_batch_size;
        FOR g IN EXECUTE
            'SELECT p.event_type, coalesce(p.stable_key, ''pending:'' || p.id) AS group_key,
                    array_agg(p.id ORDER BY p.id) AS ids, max(p.captured_at) AS last_at, min(p.captured_at) AS first_at,
                    count(*) AS n, max(p.id) AS last_id, min(p.id) AS first_id
               FROM event_pending p
              WHERE p.event_type = $1 AND p.processed_at IS NULL AND p.error_count < $2
              GROUP BY p.event_type, coalesce(p.stable_key, ''pending:'' || p.id)
             HAVING max(p.captured_at) <= $3
              ORDER BY min(p.id)
              LIMIT $4'
            USING v_type, v_max_errors, v_now - v_quiet, p_batch_size - v_groups - v_failed_groups
        LOOP
            BEGIN
                SELECT * INTO r FROM event_pending WHERE id = g.last_id;
                v_answer := fn_event_emit(
                    g.event_type, r.event_subject_table, r.event_subject_ref,
                    r.capture_payload || jsonb_build_object('captures', g.n, 'first_captured_at', g.first_at,
                                                            'last_captured_at', g.last_at, 'stable_key', g.group_key),
                    NULL, r.correlation_id, r.causation_id, g.last_at, 'safe_metadata', 'group:' || g.first_id, r.actor);
                IF v_answer ->> 'status' = 'gate_closed' THEN
                    RETURN v_answer;
                END IF;
                UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
                 WHERE id = ANY (g.ids);
                v_groups := v_groups + 1;
                IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
            EXCEPTION WHEN OTHERS THEN
                UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = ANY (g.ids);
                v_failed := v_failed + 1;
                v_failed_groups := v_failed_groups + 1;
            END;
        END LOOP;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed, 'one_at_a_time', NOT v_set_based);
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_capture_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH
-- STATEMENT, the statement's rows in the transition table qg_rows (NEW rows;
-- OLD rows for DELETE), read once per matching route. A capture fires on
-- whatever table it watches, written by whoever may write it; the capture
-- itself is the owner's.
DECLARE
    v_actor text;
    r iu_sql_event_route%ROWTYPE;
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
         WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
         ORDER BY id
    LOOP
        v_actor := coalesce(v_actor, fn_actor());
        IF r.enabled AND NOT r.dry_run THEN
            INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,
                                       capture_payload, actor)
            SELECT r.target_event_type, TG_TABLE_NAME, x.j ->> r.subject_column,
                   CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END,
                   jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || coalesce((SELECT jsonb_object_agg(col, x.j -> col) FROM unnest(r.payload_columns) AS col), '{}'),
                   v_actor
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition
               -- a long reference is asked of its named rule (which refuses it, and nothing is written)
               AND (coalesce(length(x.j ->> r.subject_column), 0) <= 200
                    AND (r.correlation_column IS NULL OR coalesce(length(x.j ->> r.correlation_column), 0) <= 200)
                    OR fn_event_refs_pass(x.j ->> r.subject_column,
                                          CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END));
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            SELECT r.id, TG_TABLE_NAME, TG_OP, x.j ->> r.subject_column,
                   jsonb_build_object('event_type', r.target_event_type, 'payload',
                       jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || coalesce((SELECT jsonb_object_agg(col, x.j -> col) FROM unnest(r.payload_columns) AS col), '{}'))
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_capture_attach(p_source_table text) RETURNS void
LANGUAGE plpgsql AS $$
-- The capture's three statement triggers on a watched table (transition tables
-- name the statement's rows qg_rows). A statement trigger sees only the table
-- a statement names: partitioned tables, their partitions and foreign tables
-- (no transition tables) are refused.
DECLARE
    c pg_class%ROWTYPE;
BEGIN
    SELECT * INTO c FROM pg_class WHERE oid = to_regclass(p_source_table);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_table: % does not exist', p_source_table USING ERRCODE = 'QG005';
    END IF;
    IF c.relkind <> 'r' OR c.relispartition
       OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid) THEN
        RAISE EXCEPTION 'unsupported_table: % is partitioned, a partition, inherited or foreign; a trigger-IN route watches a plain table',
                p_source_table USING ERRCODE = 'QG004';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_insert ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_update ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_delete ON %I', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_update AFTER UPDATE ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
END;
$$;

-- A job the batch neither enqueued nor found is an error (the route then goes one at a time).
CREATE OR REPLACE FUNCTION fn_iu_route_deliver_set(p_events event_outbox[], p_route iu_outbound_route, p_worker_name text)
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
            IF EXISTS (SELECT 1 FROM unnest(v_events) AS e
                        WHERE NOT EXISTS (SELECT 1 FROM job_queue j
                                           WHERE j.idempotency_key = format('route:%s:event:%s', p_route.id, e.id))) THEN
                RAISE EXCEPTION 'job_missing: a job of route % was neither enqueued nor there before', p_route.route_name
                    USING ERRCODE = 'QG003';  -- the route's events then go one at a time
            END IF;
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

