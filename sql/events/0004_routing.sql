-- Why: trigger-OUT routing (SPEC §5 L4). A route worker drains the durable
-- events of its domain past its cursor and dispatches each through the
-- matching iu_outbound_route rows: call a SQL function, enqueue a job (the
-- event → job bridge, idempotent per event and route) or notify a channel.
--
-- Order and the cursor: ids come from a sequence, so a transaction that
-- started earlier can commit an event with a smaller id after a later one
-- was routed. The worker therefore drains in commit-safe order — events whose
-- emitting transaction is older than every running transaction
-- (tx_id < pg_snapshot_xmin), by (tx_id, id) — and the cursor keeps both
-- last_tx_id and last_event_id. Nothing is skipped, nothing routed twice.

CREATE TABLE iu_route_worker_cursor (
    id                  bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    worker_name         text NOT NULL CONSTRAINT route_worker_name_format CHECK (worker_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    event_domain        text NOT NULL REFERENCES event_domain_registry (event_domain),
    last_event_id       bigint NOT NULL DEFAULT 0,
    last_tx_id          xid8 NOT NULL DEFAULT '0',
    last_run_at         timestamptz,
    processed_count     bigint NOT NULL DEFAULT 0,
    dead_lettered_count bigint NOT NULL DEFAULT 0,
    enabled             boolean NOT NULL DEFAULT true,
    PRIMARY KEY (worker_name, event_domain)
);
INSERT INTO iu_route_worker_cursor (worker_name, event_domain) VALUES
    ('iu_outbound_default', 'iu'),
    ('iu_cutting_default',  'staging'),
    ('system_default',      'system'),
    ('governance_default',  'governance'),
    ('job_default',         'job');

CREATE TABLE iu_outbound_route (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_name    text NOT NULL UNIQUE CONSTRAINT outbound_route_name_format CHECK (route_name ~ '^[a-z][a-z0-9_.-]{0,99}$'),
    event_type    text NOT NULL CONSTRAINT outbound_route_event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_.]*\*?$'),
    action_kind   text NOT NULL
        CONSTRAINT outbound_route_action_allowed CHECK (action_kind IN (
            'call_function',  -- SELECT target(event jsonb)
            'enqueue_job',    -- fn_job_enqueue(target, …) with an idempotency key per event and route
            'notify'          -- pg_notify(target, event id and type)
        )),
    target        text NOT NULL,
    target_queue  text,
    enabled       boolean NOT NULL DEFAULT false,
    dry_run       boolean NOT NULL DEFAULT true,
    description   text NOT NULL DEFAULT '',
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outbound_route_target_format CHECK (
        (action_kind = 'call_function' AND target ~ '^fn_[a-z0-9_]{1,60}$')
        OR (action_kind = 'enqueue_job' AND target ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$')
        OR (action_kind = 'notify' AND target ~ '^[a-z][a-z0-9_]{0,62}$'))
);

CREATE TABLE iu_route_delivery (
    id              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    event_id        bigint NOT NULL,
    route_id        bigint NOT NULL REFERENCES iu_outbound_route (id),
    status          text NOT NULL
        CONSTRAINT route_delivery_status_allowed CHECK (status IN ('pending', 'succeeded', 'dry_run', 'dead_lettered')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, route_id)
);

CREATE TABLE iu_route_attempt (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint NOT NULL,
    route_id    bigint NOT NULL REFERENCES iu_outbound_route (id),
    worker_name text NOT NULL,
    attempt_no  integer NOT NULL,
    status      text NOT NULL CONSTRAINT route_attempt_status_allowed CHECK (status IN ('succeeded', 'failed', 'dry_run')),
    error       text,
    result      jsonb,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms numeric GENERATED ALWAYS AS (round(extract(epoch FROM finished_at - started_at) * 1000, 3)) STORED
);
CREATE INDEX iu_route_attempt_event ON iu_route_attempt (event_id, route_id);
CREATE INDEX iu_route_attempt_started ON iu_route_attempt (started_at DESC);

CREATE TABLE iu_route_dead_letter (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         bigint NOT NULL,
    event_created_at timestamptz NOT NULL,
    event_type       text NOT NULL,
    route_id         bigint NOT NULL REFERENCES iu_outbound_route (id),
    worker_name      text NOT NULL,
    attempts         integer NOT NULL,
    last_error       text,
    event_snapshot   qg_safe_payload NOT NULL,
    dead_at          timestamptz NOT NULL DEFAULT now(),
    triage_status    text NOT NULL DEFAULT 'open'
        CONSTRAINT route_dead_letter_triage_allowed CHECK (triage_status IN ('open', 'manual_replay', 'discarded', 'replayed')),
    triaged_by       text,
    triaged_at       timestamptz,
    note             text,
    replayed_by      text,
    replayed_at      timestamptz,
    CONSTRAINT route_dead_letter_once UNIQUE (event_id, route_id)
);
CREATE INDEX iu_route_dead_letter_open ON iu_route_dead_letter (dead_at DESC) WHERE triage_status IN ('open', 'manual_replay');

-- ---------------------------------------------------------------------------
-- Dispatch one event through one route (raises on failure)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_route_dispatch(p_event event_outbox, p_route iu_outbound_route) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
BEGIN
    IF p_route.action_kind = 'call_function' THEN
        EXECUTE format('SELECT to_jsonb(%I($1))', p_route.target) INTO v_result USING to_jsonb(p_event);
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

CREATE FUNCTION fn_iu_route_record_attempt(p_event_id bigint, p_route_id bigint, p_worker text, p_attempt integer,
                                           p_status text, p_error text, p_result jsonb, p_started timestamptz)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
    VALUES (p_event_id, p_route_id, p_worker, p_attempt, p_status, p_error, p_result, p_started, clock_timestamp());
$$;

-- ---------------------------------------------------------------------------
-- The route worker tick
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_route_worker_run(p_worker_name text, p_batch_size integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    c iu_route_worker_cursor%ROWTYPE;
    e event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    d iu_route_delivery%ROWTYPE;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_max integer := fn_setting_int('event.retry.max_attempts');
    v_any_cursor boolean := false;
    v_event_done boolean;
    v_blocked boolean;
    v_attempt integer;
    v_started timestamptz;
    v_result jsonb;
    v_error text;
    v_dl bigint;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_domains jsonb := '[]'::jsonb;
BEGIN
    IF (SELECT value FROM dot_config WHERE key = 'event.routes_master.enabled') IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF (SELECT value FROM dot_config WHERE key = 'event.route_worker.enabled') IS DISTINCT FROM 'true'::jsonb THEN
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
        v_blocked := false;
        FOR e IN
            SELECT * FROM event_outbox
            WHERE event_domain = c.event_domain AND (tx_id, id) > (c.last_tx_id, c.last_event_id) AND tx_id < v_horizon
            ORDER BY tx_id, id LIMIT p_batch_size
        LOOP
            v_event_done := true;
            FOR rt IN
                SELECT * FROM iu_outbound_route r
                WHERE r.enabled AND (r.event_type = e.event_type
                      OR (right(r.event_type, 1) = '*' AND starts_with(e.event_type, left(r.event_type, -1))))
                ORDER BY r.id
            LOOP
                SELECT * INTO d FROM iu_route_delivery WHERE event_id = e.id AND route_id = rt.id;
                IF FOUND AND d.status <> 'pending' THEN
                    CONTINUE;
                END IF;
                IF FOUND AND d.next_attempt_at > now() THEN
                    v_event_done := false;
                    CONTINUE;
                END IF;
                v_attempt := coalesce(d.attempts, 0) + 1;
                v_started := clock_timestamp();
                IF rt.dry_run THEN
                    PERFORM fn_iu_route_record_attempt(e.id, rt.id, p_worker_name, v_attempt, 'dry_run', NULL,
                        jsonb_build_object('would', rt.action_kind, 'target', rt.target), v_started);
                    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts)
                    VALUES (e.id, rt.id, 'dry_run', v_attempt)
                    ON CONFLICT (event_id, route_id) DO UPDATE SET status = 'dry_run', attempts = EXCLUDED.attempts, updated_at = now();
                    CONTINUE;
                END IF;
                BEGIN
                    v_result := fn_iu_route_dispatch(e, rt);
                    PERFORM fn_iu_route_record_attempt(e.id, rt.id, p_worker_name, v_attempt, 'succeeded', NULL, v_result, v_started);
                    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts)
                    VALUES (e.id, rt.id, 'succeeded', v_attempt)
                    ON CONFLICT (event_id, route_id) DO UPDATE
                        SET status = 'succeeded', attempts = EXCLUDED.attempts, last_error = NULL, updated_at = now();
                    v_routed := v_routed + 1;
                EXCEPTION WHEN OTHERS THEN
                    v_error := left(SQLERRM, 2000);
                    PERFORM fn_iu_route_record_attempt(e.id, rt.id, p_worker_name, v_attempt, 'failed', v_error, NULL, v_started);
                    v_failed := v_failed + 1;
                    IF v_attempt >= v_max THEN
                        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, last_error)
                        VALUES (e.id, rt.id, 'dead_lettered', v_attempt, v_error)
                        ON CONFLICT (event_id, route_id) DO UPDATE
                            SET status = 'dead_lettered', attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
                                next_attempt_at = NULL, updated_at = now();
                        INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                                          attempts, last_error, event_snapshot)
                        VALUES (e.id, e.created_at, e.event_type, rt.id, p_worker_name, v_attempt, v_error,
                                to_jsonb(e) - 'tx_id')
                        ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
                        RETURNING id INTO v_dl;
                        PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
                            jsonb_build_object('event_id', e.id, 'event_type', e.event_type, 'route', rt.route_name,
                                               'attempts', v_attempt),
                            NULL, e.correlation_id, 'event:' || e.id);
                        v_dead := v_dead + 1;
                        UPDATE iu_route_worker_cursor SET dead_lettered_count = dead_lettered_count + 1
                         WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
                    ELSE
                        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, next_attempt_at, last_error)
                        VALUES (e.id, rt.id, 'pending', v_attempt, now() + fn_retry_delay('default', v_attempt), v_error)
                        ON CONFLICT (event_id, route_id) DO UPDATE
                            SET status = 'pending', attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at,
                                last_error = EXCLUDED.last_error, updated_at = now();
                        v_event_done := false;
                    END IF;
                END;
            END LOOP;
            -- The cursor moves only past a prefix of fully routed events.
            IF v_event_done AND NOT v_blocked THEN
                c.last_tx_id := e.tx_id;
                c.last_event_id := e.id;
                c.processed_count := c.processed_count + 1;
                v_processed := v_processed + 1;
            ELSE
                v_blocked := true;
            END IF;
        END LOOP;
        UPDATE iu_route_worker_cursor
           SET last_tx_id = c.last_tx_id, last_event_id = c.last_event_id, processed_count = c.processed_count,
               last_run_at = now()
         WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
        v_domains := v_domains || jsonb_build_object('event_domain', c.event_domain, 'last_event_id', c.last_event_id,
                                                     'blocked', v_blocked);
    END LOOP;

    IF NOT v_any_cursor THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', format('another tick of %s holds its cursors (or all are disabled)', p_worker_name));
    END IF;
    IF (SELECT value FROM dot_config WHERE key = 'queue.heartbeat.enabled') = 'true'::jsonb THEN
        PERFORM fn_queue_heartbeat_tick(p_worker_name, 'PG_worker',
                                        jsonb_build_object('role', 'route_worker', 'processed', v_processed));
    END IF;
    RETURN jsonb_build_object(
        'status', CASE WHEN v_processed + v_routed + v_failed = 0 THEN 'nothing_to_do' ELSE 'routed' END,
        'processed', v_processed, 'dispatched', v_routed, 'failed', v_failed, 'dead_lettered', v_dead,
        'cursors', v_domains);
END;
$$;

-- ---------------------------------------------------------------------------
-- Routing dead letters: triage and replay (gate event.routes_master.enabled,
-- not the jobs' DLQ gate)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_triage_status NOT IN ('open', 'manual_replay', 'discarded') THEN
        RAISE EXCEPTION 'invalid_triage_status: % (allowed: open, manual_replay, discarded)', p_triage_status USING ERRCODE = 'QG004';
    END IF;
    IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
        RAISE EXCEPTION 'reason_required: triage needs a note' USING ERRCODE = 'QG008';
    END IF;
    SELECT triage_status INTO v_old FROM iu_route_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: routing dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_triage_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'dead_letter_id', p_dead_letter_id);
    END IF;
    UPDATE iu_route_dead_letter SET triage_status = p_triage_status, triaged_by = v_actor, triaged_at = now(),
                                    note = btrim(p_note)
     WHERE id = p_dead_letter_id;
    RETURN jsonb_build_object('status', 'triaged', 'dead_letter_id', p_dead_letter_id, 'from', v_old, 'to', p_triage_status);
END;
$$;

CREATE FUNCTION fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Dispatch the event through its route once more, now. Success marks the
-- dead letter replayed; a failure is recorded and the dead letter stays.
DECLARE
    v_actor text := fn_actor_required();
    dl iu_route_dead_letter%ROWTYPE;
    e event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    v_started timestamptz := clock_timestamp();
    v_result jsonb;
    v_attempt integer;
BEGIN
    IF NOT fn_gate_open('event.routes_master.enabled') THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: replaying a routing dead letter needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO dl FROM iu_route_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: routing dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF dl.triage_status <> 'manual_replay' THEN
        RAISE EXCEPTION 'triage_required: routing dead letter % is %, replay needs triage_status manual_replay',
            p_dead_letter_id, dl.triage_status USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO e FROM event_outbox WHERE id = dl.event_id AND created_at = dl.event_created_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event_gone: event % of routing dead letter % is no longer in event_outbox (retention)', dl.event_id, dl.id
            USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO rt FROM iu_outbound_route WHERE id = dl.route_id;
    IF NOT rt.enabled OR rt.dry_run THEN
        RAISE EXCEPTION 'route_not_live: route % is %; put it live before replaying its dead letters', rt.route_name,
            CASE WHEN NOT rt.enabled THEN 'disabled' ELSE 'in dry-run' END USING ERRCODE = 'QG003';
    END IF;
    v_attempt := dl.attempts + 1;
    BEGIN
        v_result := fn_iu_route_dispatch(e, rt);
    EXCEPTION WHEN OTHERS THEN
        PERFORM fn_iu_route_record_attempt(e.id, rt.id, 'replay:' || v_actor, v_attempt, 'failed', left(SQLERRM, 2000), NULL, v_started);
        UPDATE iu_route_dead_letter SET attempts = v_attempt, last_error = left(SQLERRM, 2000) WHERE id = dl.id;
        RETURN jsonb_build_object('status', 'failed', 'dead_letter_id', dl.id, 'error', left(SQLERRM, 2000));
    END;
    PERFORM fn_iu_route_record_attempt(e.id, rt.id, 'replay:' || v_actor, v_attempt, 'succeeded', NULL, v_result, v_started);
    UPDATE iu_route_delivery SET status = 'succeeded', attempts = v_attempt, last_error = NULL, updated_at = now()
     WHERE event_id = e.id AND route_id = rt.id;
    UPDATE iu_route_dead_letter SET triage_status = 'replayed', attempts = v_attempt, replayed_by = v_actor,
                                    replayed_at = now(), note = coalesce(note || E'\n', '') || 'replayed: ' || btrim(p_reason)
     WHERE id = dl.id;
    PERFORM fn_event_emit('system.route_replayed', 'iu_route_dead_letter', dl.id::text,
                          jsonb_build_object('event_id', e.id, 'route', rt.route_name), NULL, e.correlation_id,
                          'event:' || e.id);
    RETURN jsonb_build_object('status', 'replayed', 'dead_letter_id', dl.id, 'result', v_result);
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
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
    IF r.action_kind = 'call_function' AND to_regproc(r.target) IS NULL AND p_enabled THEN
        RAISE EXCEPTION 'unknown_function: route % calls %, which does not exist', r.route_name, r.target USING ERRCODE = 'QG005';
    END IF;
    UPDATE iu_outbound_route SET enabled = p_enabled, dry_run = p_dry_run, updated_by = v_actor, updated_at = now()
     WHERE id = p_route_id;
    RETURN jsonb_build_object('status', 'updated', 'route_id', p_route_id, 'enabled', p_enabled, 'dry_run', p_dry_run);
END;
$$;

CREATE FUNCTION fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text,
                                            p_target_queue text DEFAULT NULL, p_description text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- New routes start disabled and dry-run.
DECLARE
    v_actor text := fn_actor_required();
    v_id bigint;
BEGIN
    INSERT INTO iu_outbound_route (route_name, event_type, action_kind, target, target_queue, description, created_by, updated_by)
    VALUES (p_route_name, p_event_type, p_action_kind, p_target, p_target_queue, coalesce(p_description, ''), v_actor, v_actor)
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('status', 'created', 'route_id', v_id);
END;
$$;

-- The event substrate drives itself through the job substrate: built-in job
-- kinds (events/builtin.py) on schedules, each still behind its own gate.
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.event_pending_process', 'pg_worker', 'maintenance', 'no_retry', 'events.builtin.event_pending_process', 'L2: pending captures → events'),
    ('queuegov.route_worker_tick',     'pg_worker', 'maintenance', 'no_retry', 'events.builtin.route_worker_tick',     'route every worker''s events'),
    ('queuegov.event_deliver',         'pg_worker', 'maintenance', 'no_retry', 'events.builtin.event_deliver',         'fan events out to inboxes'),
    ('queuegov.event_partitions',      'pg_worker', 'maintenance', 'no_retry', 'events.builtin.event_partitions',      'create upcoming event_outbox partitions');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.event_pending_process', '* * * * *', 'queuegov.event_pending_process', 'maintenance', 'process captures every minute'),
    ('maintenance.route_worker_tick',     '* * * * *', 'queuegov.route_worker_tick',     'maintenance', 'route events every minute'),
    ('maintenance.event_deliver',         '* * * * *', 'queuegov.event_deliver',         'maintenance', 'deliver events every minute'),
    ('maintenance.event_partitions',      '0 3 * * *', 'queuegov.event_partitions',      'maintenance', 'keep 3 months of partitions ahead');
