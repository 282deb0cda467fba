-- Why: the vector store lives outside the database, and it must follow the
-- information units (docs/staging.md, "Vector sync"). A cut supersedes every
-- current unit of its document and inserts new rows, so a unit's identity
-- across versions is (doc_code, section_code). iu_vector_sync_point keeps one
-- row per identity: the version the store should hold (wanted_*) and the one
-- it acknowledged (synced_*, vector_ref). A deferred constraint trigger on
-- information_unit bumps the wanted version once per committed change; with
-- the gate vector.sync.enabled open, the bump enqueues one vector.sync job
-- (references only, never the body) for an external worker and wakes the
-- documents' listener on channel kb_vector_sync. Behind a closed gate the
-- point just stays behind: fn_iu_vector_sync_catch_up enqueues what is
-- missing (scheduled as queuegov.vector_sync_catch_up), v_iu_vector_sync_behind
-- lists it, and v_queue_health counts it (section vector_sync).
-- The no-vector guarantee covers the new table: vector_ref is a short text
-- reference into the store, never a vector.

SELECT set_config('queuegov.actor', 'system:migration', true);

-- ---------------------------------------------------------------------------
-- The gate and the health threshold (the gate ships OFF, like every gate)
-- ---------------------------------------------------------------------------
SELECT fn_config_guard_set(false);
INSERT INTO dot_config (key, value, kind, value_type, min_value, max_value, description, updated_by) VALUES
    ('vector.sync.enabled', 'false', 'gate', 'boolean', NULL, NULL,
     'a change of an information unit enqueues its vector.sync job (references only) and notifies kb_vector_sync',
     'system:migration'),
    ('vector.sync.max_behind_seconds', '900', 'setting', 'integer', 0, 604800,
     'v_queue_health: a unit whose vector sync is behind for longer than this is unhealthy (while vector.sync.enabled is open)',
     'system:migration');
SELECT fn_config_guard_set(true);

-- ---------------------------------------------------------------------------
-- The sync points
-- ---------------------------------------------------------------------------
CREATE TABLE iu_vector_sync_point (
    doc_code          text NOT NULL,
    section_code      text NOT NULL,
    -- bumped once per committed change of the current unit of this identity
    wanted_version    integer NOT NULL DEFAULT 0
        CONSTRAINT iu_vector_sync_wanted_version_non_negative CHECK (wanted_version >= 0),
    -- NULL: the section is gone (the store should delete it)
    wanted_unit_id    bigint REFERENCES information_unit (id),
    wanted_body_hash  text
        CONSTRAINT iu_vector_sync_body_hash_md5 CHECK (wanted_body_hash ~ '^[0-9a-f]{32}$'),
    wanted_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- the vector.sync job of wanted_version (no FOREIGN KEY: retention archives jobs)
    job_id            bigint,
    synced_version    integer NOT NULL DEFAULT 0,
    synced_unit_id    bigint REFERENCES information_unit (id),
    -- the vector store's reference of the synced unit: a short text, never a vector
    vector_ref        text
        CONSTRAINT iu_vector_ref_is_reference CHECK (
            length(btrim(vector_ref)) >= 1 AND length(btrim(vector_ref)) <= 500 AND vector_ref !~ '^\s*[\[{(]'),
    synced_at         timestamptz,
    PRIMARY KEY (doc_code, section_code),
    CONSTRAINT iu_vector_sync_wanted_unit_has_hash CHECK ((wanted_unit_id IS NULL) = (wanted_body_hash IS NULL)),
    CONSTRAINT iu_vector_sync_synced_not_ahead CHECK (synced_version BETWEEN 0 AND wanted_version),
    CONSTRAINT iu_vector_sync_synced_has_time CHECK ((synced_version = 0) = (synced_at IS NULL))
);
CREATE INDEX iu_vector_sync_point_behind ON iu_vector_sync_point (wanted_at)
    WHERE synced_version < wanted_version;
CREATE INDEX iu_vector_sync_point_job ON iu_vector_sync_point (job_id) WHERE job_id IS NOT NULL;
COMMENT ON TABLE iu_vector_sync_point IS
    'One row per information-unit identity (doc_code, section_code): the version the vector store should hold and the one it acknowledged. No vector column, ever.';

COMMENT ON CONSTRAINT iu_vector_sync_point_pkey ON iu_vector_sync_point IS
    'a unit identity (doc_code, section_code) has one sync point: the capture trigger keeps it, update that one';
COMMENT ON CONSTRAINT iu_vector_sync_wanted_version_non_negative ON iu_vector_sync_point IS
    'a sync point''s wanted version counts the changes of its unit from 0: let the capture trigger bump it';
COMMENT ON CONSTRAINT iu_vector_sync_body_hash_md5 ON iu_vector_sync_point IS
    'a sync point''s wanted body hash is the md5 of the unit''s body (32 lowercase hex characters): copy it from the unit';
COMMENT ON CONSTRAINT iu_vector_ref_is_reference ON iu_vector_sync_point IS
    'a vector reference is the vector store''s id of the unit, 1 to 500 characters and not a JSON value or a list: pass the id, never the vector';
COMMENT ON CONSTRAINT iu_vector_sync_wanted_unit_has_hash ON iu_vector_sync_point IS
    'a sync point wants a unit together with its body hash, or neither when the section is gone: copy both from the current unit';
COMMENT ON CONSTRAINT iu_vector_sync_synced_not_ahead ON iu_vector_sync_point IS
    'a sync point''s synced version is between 0 and its wanted version: acknowledge only versions that were wanted (fn_iu_vector_sync_ack)';
COMMENT ON CONSTRAINT iu_vector_sync_synced_has_time ON iu_vector_sync_point IS
    'a synced version has the time of its acknowledgement, version 0 none: acknowledge through fn_iu_vector_sync_ack';
COMMENT ON CONSTRAINT iu_vector_sync_point_wanted_unit_id_fkey ON iu_vector_sync_point IS
    'a sync point wants an existing information unit, or none: check the unit id';
COMMENT ON CONSTRAINT iu_vector_sync_point_synced_unit_id_fkey ON iu_vector_sync_point IS
    'a sync point''s synced unit is an existing information unit, or none: check the unit id';

-- The units already cut before this file are wanted once (version 1, behind,
-- no job): the catch-up enqueues them when the gate opens.
INSERT INTO iu_vector_sync_point (doc_code, section_code, wanted_version, wanted_unit_id, wanted_body_hash, wanted_at)
SELECT doc_code, section_code, 1, id, body_hash, created_at
  FROM information_unit WHERE superseded_at IS NULL;

-- ---------------------------------------------------------------------------
-- The no-vector guarantee covers the sync points
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fn_iu_vector_columns() RETURNS text[]
LANGUAGE sql STABLE AS $$
    -- Columns that could hold vectors or embeddings on the staging tables,
    -- information_unit and iu_vector_sync_point; the no-vector guarantee says
    -- there are none. vector_excluded (a flag) and vector_ref (the store's
    -- reference, a short text by CHECK) are the two allowed names, as text or boolean only.
    SELECT coalesce(array_agg(format('%s.%s', c.relname, a.attname) ORDER BY c.relname, a.attname), '{}')
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE c.relname IN ('iu_staging_record', 'iu_staging_payload', 'information_unit', 'iu_vector_sync_point')
       AND c.relnamespace = 'public'::regnamespace
       AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attname ~* '(vector|embedding)'
                AND NOT (a.attname = 'vector_excluded' AND t.typname = 'bool')
                AND NOT (a.attname = 'vector_ref' AND t.typname = 'text')
            OR t.typname IN ('vector', 'halfvec', 'sparsevec'));
$$;

-- ---------------------------------------------------------------------------
-- The job kinds: vector.sync for the external worker, the catch-up for ours
-- ---------------------------------------------------------------------------
-- vector.sync runs on executor class external_worker: the embedding and the
-- store are a plain outside process speaking the SQL API (the documents'
-- service that already listens on kb_vector_sync), not an AI agent (agent,
-- codex), not an orchestrator of agents (hermes), not a DOT operator run
-- (dot); and no Python handler here (pg_worker), the store is not ours.
INSERT INTO queue_state (queue_name) VALUES ('vector_sync') ON CONFLICT DO NOTHING;
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('vector.sync', 'external_worker', 'vector_sync', 'default', NULL,
     'embed one information unit into the vector store (or delete it) and acknowledge with fn_iu_vector_sync_ack'),
    ('queuegov.vector_sync_catch_up', 'pg_worker', 'maintenance', 'no_retry', 'staging.builtin.vector_sync_catch_up',
     'enqueue the vector.sync jobs of units whose sync is behind without one');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.vector_sync_catch_up', '*/5 * * * *', 'queuegov.vector_sync_catch_up', 'maintenance',
     'enqueue missing vector.sync jobs every five minutes');

-- ---------------------------------------------------------------------------
-- Enqueue one point's job (the capture trigger and the catch-up)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_vector_sync_enqueue(p_doc_code text, p_section_code text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- The caller holds the point's row lock. Enqueues the vector.sync job of the
-- wanted version (idempotent per unit identity and version), records it on
-- the point and wakes kb_vector_sync; the payload carries references only.
-- Answers fn_job_enqueue's answer (gate_closed included), or nothing_to_do.
DECLARE
    p         iu_vector_sync_point%ROWTYPE;
    v_refs    jsonb;
    v         jsonb;
BEGIN
    SELECT * INTO p FROM iu_vector_sync_point WHERE doc_code = p_doc_code AND section_code = p_section_code;
    IF NOT FOUND OR p.synced_version >= p.wanted_version THEN
        RETURN jsonb_build_object('status', 'nothing_to_do');
    END IF;
    IF NOT fn_gate_open('vector.sync.enabled') THEN
        RETURN fn_gate_closed_result('vector.sync.enabled');
    END IF;
    v_refs := jsonb_build_object('doc_code', p.doc_code, 'section_code', p.section_code, 'unit_id', p.wanted_unit_id,
                                 'version', p.wanted_version, 'body_hash', p.wanted_body_hash,
                                 'op', CASE WHEN p.wanted_unit_id IS NULL THEN 'delete' ELSE 'upsert' END);
    v := fn_job_enqueue('vector.sync', v_refs,
                        p_idempotency_key => format('vector.sync:%s:%s:v%s', p.doc_code, p.section_code, p.wanted_version),
                        p_correlation_id => left('information_unit:' || p.section_code, 200));
    IF v ->> 'status' IN ('enqueued', 'duplicate') THEN
        UPDATE iu_vector_sync_point SET job_id = (v ->> 'job_id')::bigint
         WHERE doc_code = p.doc_code AND section_code = p.section_code;
        PERFORM pg_notify('kb_vector_sync', (v_refs || jsonb_build_object('job_id', (v ->> 'job_id')::bigint))::text);
    END IF;
    RETURN v;
END;
$$;

-- ---------------------------------------------------------------------------
-- Capture: at commit, the final state of each touched section
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_vector_sync_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Fires at commit (deferred), once per inserted or superseded unit row, as
-- whoever commits: hence SECURITY DEFINER. Locks (or creates) the point first,
-- then reads the section's current unit in a statement of its own, so it
-- compares the committed outcome with the point: a re-cut's INSERT and UPDATE
-- of the same section bump once, and a cut that waited for another cut of the
-- document (fn_iu_cut_from_manifest's advisory lock) sees that cut's bump.
DECLARE
    p       iu_vector_sync_point%ROWTYPE;
    v_unit  bigint;
    v_hash  text;
BEGIN
    INSERT INTO iu_vector_sync_point (doc_code, section_code) VALUES (NEW.doc_code, NEW.section_code)
    ON CONFLICT (doc_code, section_code) DO NOTHING;
    SELECT * INTO p FROM iu_vector_sync_point
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code FOR UPDATE;
    SELECT id, body_hash INTO v_unit, v_hash FROM information_unit
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code AND superseded_at IS NULL;
    IF v_unit IS NOT DISTINCT FROM p.wanted_unit_id THEN
        RETURN NULL;  -- already counted (or never existed)
    END IF;
    UPDATE iu_vector_sync_point
       SET wanted_version = wanted_version + 1, wanted_unit_id = v_unit, wanted_body_hash = v_hash,
           wanted_at = clock_timestamp(), job_id = NULL
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code;
    BEGIN
        PERFORM fn_iu_vector_sync_enqueue(NEW.doc_code, NEW.section_code);
    EXCEPTION WHEN SQLSTATE 'QG004' OR SQLSTATE 'QG005' THEN
        -- A retired kind or a missing queue must not undo the cut: the point
        -- stays behind, and the health row and the catch-up say why.
        RAISE WARNING 'vector sync of % left behind: %', NEW.section_code, SQLERRM;
    END;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER information_unit_vector_sync
    AFTER INSERT OR UPDATE OF superseded_at ON information_unit
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fn_iu_vector_sync_capture();

-- ---------------------------------------------------------------------------
-- Catch-up: enqueue what a closed gate left behind
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_vector_sync_catch_up(p_limit integer DEFAULT 500) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Every point behind with no job for its wanted version gets one (the same
-- idempotency key as the capture's). Concurrent runs skip each other's rows.
-- {"status": "enqueued" | "nothing_to_do" | "gate_closed", "enqueued", "duplicates", "left"}
DECLARE
    p           record;
    v           jsonb;
    v_enqueued  integer := 0;
    v_dups      integer := 0;
    v_left      bigint;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'invalid_batch_size: p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF NOT fn_gate_open('vector.sync.enabled') THEN
        RETURN fn_gate_closed_result('vector.sync.enabled');
    END IF;
    FOR p IN
        SELECT doc_code, section_code FROM iu_vector_sync_point
         WHERE synced_version < wanted_version AND job_id IS NULL
         ORDER BY wanted_at, doc_code, section_code
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    LOOP
        v := fn_iu_vector_sync_enqueue(p.doc_code, p.section_code);
        CASE v ->> 'status'
            WHEN 'enqueued' THEN v_enqueued := v_enqueued + 1;
            WHEN 'duplicate' THEN v_dups := v_dups + 1;
            WHEN 'gate_closed' THEN RETURN v;  -- the job substrate's gate
            ELSE NULL;
        END CASE;
    END LOOP;
    SELECT count(*) INTO v_left FROM iu_vector_sync_point WHERE synced_version < wanted_version AND job_id IS NULL;
    RETURN jsonb_build_object('status', CASE WHEN v_enqueued + v_dups = 0 THEN 'nothing_to_do' ELSE 'enqueued' END,
                              'enqueued', v_enqueued, 'duplicates', v_dups, 'left', v_left);
END;
$$;

-- ---------------------------------------------------------------------------
-- The external worker's acknowledgement
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Acks a vector.sync job through fn_job_ack (the lease fencing applies: only
-- the current attempt of the lease owner gets through) with the result
-- {vector_ref, version}, then records the version on its point unless a newer
-- version was acknowledged already (a late ack of an old version changes only
-- its job). An upsert needs the store's reference; a delete takes NULL.
DECLARE
    j          record;
    v_ref      text := p_vector_ref;
    v_version  integer;
    v_op       text;
    v          jsonb;
    v_recorded boolean := false;
BEGIN
    IF v_ref IS NOT NULL THEN
        IF btrim(v_ref) = '' THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % is empty; pass the vector store''s id of the unit', p_job_id
                USING ERRCODE = 'QG004';
        END IF;
        IF length(v_ref) > 500 THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % is % characters long (at most 500); pass the store''s id, never the vector', p_job_id, length(v_ref)
                USING ERRCODE = 'QG004';
        END IF;
        IF v_ref ~ '^\s*[\[{(]' OR v_ref ~ '^\s*-?[0-9.eE+-]+(\s*,\s*-?[0-9.eE+-]+){2,}\s*$' THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % looks like a vector or a JSON value (%…), not a reference; pass the store''s id of the unit', p_job_id, left(v_ref, 20)
                USING ERRCODE = 'QG004';
        END IF;
    END IF;
    SELECT job_kind, payload INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND OR j.job_kind <> 'vector.sync' THEN
        RAISE EXCEPTION 'not_vector_sync_job: job % is not a vector.sync job; acknowledge other jobs with fn_job_ack', p_job_id
            USING ERRCODE = 'QG004';
    END IF;
    v_version := (j.payload ->> 'version')::integer;
    v_op := j.payload ->> 'op';
    IF v_op = 'upsert' AND v_ref IS NULL THEN
        RAISE EXCEPTION 'invalid_vector_ref: job % upserts unit % and needs the vector store''s reference, not NULL', p_job_id, j.payload ->> 'unit_id'
            USING ERRCODE = 'QG004';
    END IF;
    IF v_op = 'delete' THEN
        v_ref := NULL;  -- the unit is gone from the store: no reference to keep
    END IF;

    v := fn_job_ack(p_job_id, p_worker_id, jsonb_build_object('vector_ref', v_ref, 'version', v_version), p_attempt);
    IF v ->> 'status' <> 'succeeded' THEN
        RETURN v;  -- fenced: nothing recorded
    END IF;
    UPDATE iu_vector_sync_point
       SET synced_version = v_version, synced_unit_id = (j.payload ->> 'unit_id')::bigint, vector_ref = v_ref,
           synced_at = clock_timestamp()
     WHERE doc_code = j.payload ->> 'doc_code' AND section_code = j.payload ->> 'section_code'
       AND synced_version <= v_version AND wanted_version >= v_version;
    v_recorded := FOUND;
    RETURN v || jsonb_build_object('version', v_version, 'op', v_op, 'recorded', v_recorded,
                                   'synced_version', (SELECT synced_version FROM iu_vector_sync_point
                                                       WHERE doc_code = j.payload ->> 'doc_code'
                                                         AND section_code = j.payload ->> 'section_code'));
END;
$$;

-- ---------------------------------------------------------------------------
-- What is behind, and the health row
-- ---------------------------------------------------------------------------
CREATE VIEW v_iu_vector_sync_behind AS
SELECT p.doc_code, p.section_code, p.wanted_version, p.synced_version, p.wanted_unit_id, p.synced_unit_id,
       p.wanted_at, (extract(epoch FROM now() - p.wanted_at))::numeric(12, 1) AS behind_seconds,
       p.job_id, j.status AS job_status,
       CASE WHEN p.wanted_unit_id IS NULL THEN 'delete' ELSE 'upsert' END AS op
  FROM iu_vector_sync_point p
  LEFT JOIN job_queue j ON j.id = p.job_id
 WHERE p.synced_version < p.wanted_version;
COMMENT ON VIEW v_iu_vector_sync_behind IS
    'Information units whose vector sync is behind: the wanted and synced versions, for how long, and the job of the wanted version.';

-- v_queue_health as it was (sql/schema.sql), plus the section vector_sync.
-- Healthy while no unit is behind for longer than vector.sync.max_behind_seconds,
-- or while vector.sync.enabled is closed: then being behind is the decision,
-- not a fault (the row still counts them).
CREATE OR REPLACE VIEW v_queue_health AS
 WITH s AS (
         SELECT fn_setting_int('queue.health.max_open_dead_letters'::text) AS max_dlq,
            fn_setting_int('queue.health.max_backlog'::text) AS max_backlog,
            fn_setting_int('queue.health.max_oldest_queued_seconds'::text) AS max_age,
            fn_setting_int('queue.retention.hot_days'::text) AS hot_days
        )
 SELECT 'gate'::text AS section,
    c.key AS name,
    (
        CASE
            WHEN (c.value = 'true'::jsonb) THEN 1
            ELSE 0
        END)::numeric AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('open', (c.value = 'true'::jsonb), 'updated_at', c.updated_at, 'updated_by', c.updated_by) AS detail
   FROM dot_config c
  WHERE (c.kind = 'gate'::text)
UNION ALL
 SELECT 'executor'::text AS section,
    h.executor_name AS name,
    (EXTRACT(epoch FROM (now() - h.last_beat_at)))::numeric(12,1) AS value,
    NULL::numeric AS threshold,
    (h.status = 'fresh'::text) AS healthy,
    jsonb_build_object('status', h.status, 'kind', h.executor_kind, 'last_beat_at', h.last_beat_at, 'beats', h.beats) AS detail
   FROM queue_heartbeat h
UNION ALL
 SELECT 'job_backlog'::text AS section,
    q.queue_name AS name,
    b.ready AS value,
    s.max_backlog AS threshold,
    ((b.ready <= s.max_backlog) AND (q.paused OR (COALESCE(b.oldest_seconds, (0)::numeric) <= (s.max_age)::numeric))) AS healthy,
    jsonb_build_object('ready', b.ready, 'scheduled', b.scheduled, 'running', b.running, 'oldest_ready_seconds', b.oldest_seconds, 'max_oldest_seconds', s.max_age, 'paused', q.paused) AS detail
   FROM ((queue_state q
     CROSS JOIN s)
     CROSS JOIN LATERAL ( SELECT fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at <= now()'::text, 'queued', q.queue_name), 100000) AS ready,
            fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at > now()'::text, 'queued', q.queue_name), 100000) AS scheduled,
            ( SELECT count(*) AS count
                   FROM job_queue j
                  WHERE (((j.status)::text = 'running'::text) AND (j.queue_name = q.queue_name))) AS running,
            ( SELECT (EXTRACT(epoch FROM (now() - min(j.run_at))))::numeric(12,1) AS "extract"
                   FROM job_queue j
                  WHERE (((j.status)::text = 'queued'::text) AND (j.queue_name = q.queue_name) AND (j.run_at <= now()))) AS oldest_seconds) b)
UNION ALL
 SELECT 'job_totals'::text AS section,
    'estimated_rows'::text AS name,
    fn_estimated_rows('public.job_queue'::regclass) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('note', 'planner estimate of job_queue rows') AS detail
UNION ALL
 SELECT 'dead_letters'::text AS section,
    'jobs_open'::text AS name,
    d.n AS value,
    s.max_dlq AS threshold,
    (d.n <= s.max_dlq) AS healthy,
    jsonb_build_object('manual_replay', d.manual) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT count(*) FILTER (WHERE (job_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) AS n,
            count(*) FILTER (WHERE (job_dead_letter.triage_status = 'manual_replay'::text)) AS manual
           FROM job_dead_letter
          WHERE (job_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) d)
UNION ALL
 SELECT 'dead_letters'::text AS section,
    'routes_open'::text AS name,
    d.n AS value,
    s.max_dlq AS threshold,
    (d.n <= s.max_dlq) AS healthy,
    jsonb_build_object('manual_replay', d.manual) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT count(*) AS n,
            count(*) FILTER (WHERE (iu_route_dead_letter.triage_status = 'manual_replay'::text)) AS manual
           FROM iu_route_dead_letter
          WHERE (iu_route_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) d)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    'pending'::text AS name,
    p.n AS value,
    s.max_backlog AS threshold,
    (p.n <= s.max_backlog) AS healthy,
    jsonb_build_object('oldest_seconds', p.oldest, 'with_errors', p.errors) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT fn_capped_count('SELECT 1 FROM event_pending WHERE processed_at IS NULL'::text, 100000) AS n,
            ( SELECT (EXTRACT(epoch FROM (now() - min(event_pending.captured_at))))::numeric(12,1) AS "extract"
                   FROM event_pending
                  WHERE (event_pending.processed_at IS NULL)) AS oldest,
            ( SELECT count(*) AS count
                   FROM event_pending
                  WHERE ((event_pending.processed_at IS NULL) AND (event_pending.error_count > 0))) AS errors) p)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    ((('cursor:'::text || c.worker_name) || '/'::text) || c.event_domain) AS name,
    l.n AS value,
    s.max_backlog AS threshold,
    (l.n <= s.max_backlog) AS healthy,
    jsonb_build_object('worker', c.worker_name, 'domain', c.event_domain, 'last_event_id', c.last_event_id, 'last_run_at', c.last_run_at, 'enabled', c.enabled) AS detail
   FROM ((iu_route_worker_cursor c
     CROSS JOIN s)
     CROSS JOIN LATERAL ( SELECT fn_capped_count(format('SELECT 1 FROM event_outbox WHERE event_domain = %L AND (tx_id, id) > (%L::xid8, %s)'::text, c.event_domain, c.last_tx_id, c.last_event_id), 100000) AS n) l)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    'undelivered'::text AS name,
    fn_capped_count('SELECT 1 FROM event_outbox WHERE delivered_at IS NULL'::text, 100000) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    '{}'::jsonb AS detail
UNION ALL
 SELECT 'retention'::text AS section,
    'jobs_past_hot_days'::text AS name,
    fn_capped_count(format('SELECT 1 FROM job_queue WHERE finished_at < now() - make_interval(days => %s)'::text, s.hot_days), 100000) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('hot_days', s.hot_days, 'capped_at', 100000) AS detail
   FROM s
UNION ALL
 SELECT 'vector_sync'::text AS section,
    'units_behind'::text AS name,
    v.behind::numeric AS value,
    v.max_behind::numeric AS threshold,
    (v.too_long = 0 OR NOT v.gate_open) AS healthy,
    jsonb_build_object('behind_longer_than_threshold', v.too_long, 'without_job', v.without_job,
                       'oldest_behind_seconds', v.oldest, 'max_behind_seconds', v.max_behind,
                       'gate_open', v.gate_open) AS detail
   FROM ( SELECT count(b.doc_code) AS behind,
            count(b.doc_code) FILTER (WHERE b.wanted_at < now() - make_interval(secs => m.max_behind)) AS too_long,
            count(b.doc_code) FILTER (WHERE b.job_id IS NULL) AS without_job,
            (EXTRACT(epoch FROM (now() - min(b.wanted_at))))::numeric(12,1) AS oldest,
            m.max_behind,
            fn_gate_open('vector.sync.enabled') AS gate_open
           FROM ( SELECT fn_setting_int('vector.sync.max_behind_seconds'::text) AS max_behind) m
             LEFT JOIN iu_vector_sync_point b ON b.synced_version < b.wanted_version
          GROUP BY m.max_behind) v;
