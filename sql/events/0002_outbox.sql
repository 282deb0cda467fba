-- Why: L1 capture → L2 processing → L3 durable event (SPEC §5).
-- event_outbox is range-partitioned by month (retention drops partitions).
-- A unique index on a partitioned table must include the partition key, so
-- "the same fact about the same subject is recorded once" is kept exact across
-- partitions by its own small key table, event_subject_key.

CREATE SEQUENCE event_outbox_id_seq AS bigint;

CREATE TABLE event_outbox (
    id                     bigint NOT NULL DEFAULT nextval('event_outbox_id_seq'),
    event_domain           text NOT NULL,
    event_stream           qg_event_stream NOT NULL,
    event_type             text NOT NULL,
    delivery_lane          qg_delivery_lane NOT NULL,
    severity               qg_severity,
    payload                qg_safe_payload NOT NULL DEFAULT '{}',
    payload_classification qg_payload_classification NOT NULL DEFAULT 'safe_metadata',
    event_subject_table    text,
    event_subject_ref      text,
    correlation_id         text,
    causation_id           text,
    actor                  text,
    occurred_at            timestamptz NOT NULL DEFAULT now(),
    created_at             timestamptz NOT NULL DEFAULT now(),
    -- the emitting transaction: the route worker drains in commit-safe order
    tx_id                  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    delivered_at           timestamptz,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE event_outbox_id_seq OWNED BY event_outbox.id;
CREATE INDEX event_outbox_domain_tx ON event_outbox (event_domain, tx_id, id);
CREATE INDEX event_outbox_type_created ON event_outbox (event_type, created_at DESC);
CREATE INDEX event_outbox_subject ON event_outbox (event_subject_table, event_subject_ref) WHERE event_subject_ref IS NOT NULL;
CREATE INDEX event_outbox_correlation ON event_outbox (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX event_outbox_undelivered ON event_outbox (id) WHERE delivered_at IS NULL;
CREATE INDEX event_outbox_created ON event_outbox (created_at DESC);
CREATE INDEX event_outbox_id ON event_outbox (id);

-- Rows outside every monthly partition land here; fn_event_outbox_ensure_partitions keeps it empty.
CREATE TABLE event_outbox_default PARTITION OF event_outbox DEFAULT;

CREATE FUNCTION fn_event_outbox_ensure_partitions(p_months_ahead integer DEFAULT 3, p_from timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Create the monthly partitions event_outbox_YYYYMM from p_from's month to
-- p_months_ahead months later (idempotent; run by migration and maintenance).
DECLARE
    v_month date := date_trunc('month', p_from AT TIME ZONE 'UTC')::date;
    v_name text;
    v_lo timestamptz;
    v_hi timestamptz;
    v_created text[] := '{}';
BEGIN
    FOR i IN 0 .. p_months_ahead LOOP
        v_name := 'event_outbox_' || to_char(v_month + make_interval(months => i), 'YYYYMM');
        v_lo := (v_month + make_interval(months => i))::timestamp AT TIME ZONE 'UTC';
        v_hi := (v_month + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC';
        IF to_regclass(v_name) IS NULL THEN
            IF EXISTS (SELECT 1 FROM event_outbox_default WHERE created_at >= v_lo AND created_at < v_hi) THEN
                -- Rows of that month already landed in the default partition:
                -- move them into the new partition, then attach it.
                EXECUTE format('CREATE TABLE %I (LIKE event_outbox INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
                EXECUTE format('WITH moved AS (DELETE FROM event_outbox_default WHERE created_at >= %L AND created_at < %L '
                               'RETURNING *) INSERT INTO %I SELECT * FROM moved', v_lo, v_hi, v_name);
                EXECUTE format('ALTER TABLE event_outbox ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', v_name, v_lo, v_hi);
            ELSE
                EXECUTE format('CREATE TABLE %I PARTITION OF event_outbox FOR VALUES FROM (%L) TO (%L)', v_name, v_lo, v_hi);
            END IF;
            v_created := v_created || v_name;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN cardinality(v_created) = 0 THEN 'nothing_to_do' ELSE 'created' END,
                              'created', to_jsonb(v_created));
END;
$$;
SELECT fn_event_outbox_ensure_partitions(3, now() - interval '1 month');

CREATE TABLE event_subject_key (
    id                  bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    event_domain        text NOT NULL,
    event_type          text NOT NULL,
    event_subject_table text NOT NULL,
    event_subject_ref   text NOT NULL,
    -- '' for a fact recorded once per subject; a debounced group's own key otherwise
    fact_key            text NOT NULL DEFAULT '',
    event_id            bigint NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_domain, event_type, event_subject_table, event_subject_ref, fact_key)
);
COMMENT ON TABLE event_subject_key IS 'Once-per-subject idempotency of event_outbox, exact across partitions.';

-- ---------------------------------------------------------------------------
-- L3: emit
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_emit(
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
LANGUAGE plpgsql AS $$
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed.
DECLARE
    t  event_type_registry%ROWTYPE;
    v_id bigint;
    v_existing bigint;
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
            p_correlation_id, p_causation_id, coalesce(p_actor, nullif(current_setting('queuegov.actor', true), '')),
            coalesce(p_occurred_at, now()));
    IF (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled') = 'true'::jsonb THEN
        PERFORM pg_notify('queue_wake_' || t.event_domain, v_id::text);
    END IF;
    RETURN jsonb_build_object('status', 'emitted', 'event_id', v_id);
END;
$$;

-- ---------------------------------------------------------------------------
-- L1: capture (hot path: one INSERT)
-- ---------------------------------------------------------------------------
CREATE TABLE event_pending (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type          text NOT NULL REFERENCES event_type_registry (event_type),
    event_subject_table text,
    event_subject_ref   text,
    correlation_id      text,
    causation_id        text,
    source_document_ref text,
    import_batch_ref    text,
    stable_key          text GENERATED ALWAYS AS (coalesce(source_document_ref, import_batch_ref, correlation_id)) STORED,
    capture_payload     qg_safe_payload NOT NULL DEFAULT '{}',
    actor               text,
    captured_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    processed_at        timestamptz,
    emitted_event_id    bigint,
    error_count         integer NOT NULL DEFAULT 0,
    last_error          text
);
CREATE INDEX event_pending_unprocessed ON event_pending (event_type, stable_key, captured_at) WHERE processed_at IS NULL;
CREATE INDEX event_pending_processed ON event_pending (processed_at) WHERE processed_at IS NOT NULL;
CREATE INDEX event_pending_unprocessed_id ON event_pending (id) WHERE processed_at IS NULL;

CREATE FUNCTION fn_event_capture(
    p_event_type          text,
    p_subject_table       text DEFAULT NULL,
    p_subject_ref         text DEFAULT NULL,
    p_payload             jsonb DEFAULT '{}',
    p_correlation_id      text DEFAULT NULL,
    p_source_document_ref text DEFAULT NULL,
    p_import_batch_ref    text DEFAULT NULL,
    p_causation_id        text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql AS $$
-- O(1): the payload's key check runs in its DOMAIN, the type in its FOREIGN KEY.
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id, causation_id,
                               source_document_ref, import_batch_ref, capture_payload, actor)
    VALUES (p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
            p_source_document_ref, p_import_batch_ref, coalesce(p_payload, '{}'),
            nullif(current_setting('queuegov.actor', true), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

-- ---------------------------------------------------------------------------
-- L2: process pending captures
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Immediate lane: each capture becomes an event at once. Delayed lane: the
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
BEGIN
    IF (SELECT value FROM dot_config WHERE key = 'event.emit_enabled') IS DISTINCT FROM 'true'::jsonb THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.event_pending_process')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another fn_event_pending_process is running');
    END IF;
    v_quiet := make_interval(secs => fn_setting_int('event.debounce_seconds'));
    -- rows that failed event.retry.max_attempts times are parked (visible in the admin's pending backlog)
    v_max_errors := fn_setting_int('event.retry.max_attempts');

    -- immediate lane
    FOR r IN
        SELECT p.* FROM event_pending p JOIN event_type_registry t USING (event_type)
        WHERE p.processed_at IS NULL AND t.delivery_lane = 'immediate' AND p.error_count < v_max_errors
        ORDER BY p.id LIMIT p_batch_size
    LOOP
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

    -- delayed lane: quiet groups
    FOR g IN
        SELECT p.event_type, coalesce(p.stable_key, 'pending:' || p.id) AS group_key,
               array_agg(p.id ORDER BY p.id) AS ids, max(p.captured_at) AS last_at, min(p.captured_at) AS first_at,
               count(*) AS n, max(p.id) AS last_id, min(p.id) AS first_id
        FROM event_pending p JOIN event_type_registry t USING (event_type)
        WHERE p.processed_at IS NULL AND t.delivery_lane = 'delayed' AND p.error_count < v_max_errors
        GROUP BY p.event_type, coalesce(p.stable_key, 'pending:' || p.id)
        HAVING max(p.captured_at) <= v_now - v_quiet
        ORDER BY min(p.id)
        LIMIT p_batch_size
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
        END;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed);
END;
$$;

CREATE FUNCTION fn_governance_problem_raise(
    p_problem        text,
    p_subject_table  text DEFAULT NULL,
    p_subject_ref    text DEFAULT NULL,
    p_detail         jsonb DEFAULT '{}',
    p_correlation_id text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Anyone acting (a person, an executor, the health check) raises a governance
-- problem; it becomes governance.problem.raised (critical, immediate lane).
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    IF p_problem IS NULL OR length(btrim(p_problem)) < 3 THEN
        RAISE EXCEPTION 'reason_required: a governance problem needs a description' USING ERRCODE = 'QG008';
    END IF;
    RETURN fn_event_capture('governance.problem.raised', p_subject_table, p_subject_ref,
                            jsonb_build_object('problem', left(btrim(p_problem), 500), 'raised_by', v_actor)
                            || coalesce(p_detail, '{}'),
                            p_correlation_id);
END;
$$;
