-- Why: bounded growth (SPEC §8, retention gate queue.retention.enabled).
-- Finished jobs older than queue.retention.hot_days move to job_archive, and
-- leave it after queue.retention.archive_days; dead letters go after
-- queue.retention.dlq_days; events go by dropping whole monthly partitions of
-- event_outbox older than archive_days. Work is done in small batches of
-- finished rows (FOR UPDATE SKIP LOCKED): queued and running jobs are never
-- locked, so claims never wait on retention.

CREATE TABLE job_archive (
    id           bigint PRIMARY KEY,
    job_kind     text NOT NULL,
    queue_name   text NOT NULL,
    status       text NOT NULL,
    attempts     integer NOT NULL,
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    archived_at  timestamptz NOT NULL DEFAULT now(),
    snapshot     qg_safe_payload NOT NULL
);
CREATE INDEX job_archive_archived_at ON job_archive (archived_at);
CREATE INDEX job_archive_finished_at ON job_archive (finished_at);

CREATE FUNCTION fn_queue_retention(p_apply boolean DEFAULT false, p_batch_size integer DEFAULT 5000,
                                   p_max_batches integer DEFAULT 20, p_now timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Dry run (default) counts what each pass would do; apply (gated) does it.
DECLARE
    v_hot interval := make_interval(days => fn_setting_int('queue.retention.hot_days')::integer);
    v_archive interval := make_interval(days => fn_setting_int('queue.retention.archive_days')::integer);
    v_dlq interval := make_interval(days => fn_setting_int('queue.retention.dlq_days')::integer);
    v_archived bigint := 0;
    v_purged bigint := 0;
    v_dlq_deleted bigint := 0;
    v_route_dlq_deleted bigint := 0;
    v_n integer;
    v_partitions text[] := '{}';
    v_dropped text[] := '{}';
    v_skipped text[] := '{}';
    v_part record;
    v_name text;
    v_cutoff timestamptz := date_trunc('month', p_now - v_archive);
BEGIN
    -- Catalog rows only (no pg_get_expr: it opens the relation, and would wait on a
    -- partition another run is dropping instead of answering "busy" below).
    FOR v_part IN
        SELECT c.relname::text AS name
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'event_outbox'::regclass AND c.relname ~ '^event_outbox_[0-9]{6}$'
          AND to_date(right(c.relname, 6), 'YYYYMM') + interval '1 month' <= v_cutoff
        ORDER BY c.relname
    LOOP
        v_partitions := v_partitions || v_part.name;
    END LOOP;

    IF NOT p_apply THEN
        RETURN jsonb_build_object(
            'status', 'dry_run',
            'jobs_to_archive', fn_capped_count(format(
                'SELECT 1 FROM job_queue WHERE status IN (''succeeded'', ''cancelled'', ''dead'') AND finished_at < %L',
                p_now - v_hot), 1000000),
            'archived_jobs_to_purge', fn_capped_count(format('SELECT 1 FROM job_archive WHERE archived_at < %L', p_now - v_archive), 1000000),
            'job_dead_letters_to_delete', fn_capped_count(format('SELECT 1 FROM job_dead_letter WHERE dead_at < %L', p_now - v_dlq), 1000000),
            'route_dead_letters_to_delete', fn_capped_count(format(
                'SELECT 1 FROM iu_route_dead_letter WHERE dead_at < %L AND triage_status IN (''discarded'', ''replayed'')', p_now - v_dlq), 1000000),
            'event_partitions_to_drop', to_jsonb(v_partitions));
    END IF;

    IF NOT fn_gate_open('queue.retention.enabled') THEN
        RETURN fn_gate_closed_result('queue.retention.enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.retention')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another retention run is in progress');
    END IF;
    -- Never wait long for a lock: a busy table is retried on the next run.
    PERFORM set_config('lock_timeout', '2s', true);

    FOR i IN 1 .. p_max_batches LOOP
        WITH victims AS (
            SELECT id FROM job_queue
            WHERE status IN ('succeeded', 'cancelled', 'dead') AND finished_at < p_now - v_hot
            ORDER BY finished_at LIMIT p_batch_size
            FOR UPDATE SKIP LOCKED
        ), moved AS (
            DELETE FROM job_queue j USING victims v WHERE j.id = v.id
            RETURNING j.*
        )
        INSERT INTO job_archive (id, job_kind, queue_name, status, attempts, created_at, finished_at, archived_at, snapshot)
        SELECT id, job_kind, queue_name, status, attempts, created_at, finished_at, p_now, to_jsonb(moved) - 'result'
        FROM moved
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_archived := v_archived + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    FOR i IN 1 .. p_max_batches LOOP
        DELETE FROM job_archive WHERE id IN (
            SELECT id FROM job_archive WHERE archived_at < p_now - v_archive LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_purged := v_purged + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    DELETE FROM job_dead_letter WHERE id IN (
        SELECT id FROM job_dead_letter WHERE dead_at < p_now - v_dlq LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_dlq_deleted = ROW_COUNT;

    -- Routing dead letters are kept while someone may still act on them.
    DELETE FROM iu_route_dead_letter WHERE id IN (
        SELECT id FROM iu_route_dead_letter
        WHERE dead_at < p_now - v_dlq AND triage_status IN ('discarded', 'replayed')
        LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_route_dlq_deleted = ROW_COUNT;

    -- Dropping a partition locks all of event_outbox (emits and route workers, never
    -- claims) until this transaction ends: wait briefly, and leave a busy outbox to
    -- the next run instead of undoing the work above.
    FOREACH v_name IN ARRAY v_partitions LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            EXECUTE format('DROP TABLE %I', v_name);
            v_dropped := v_dropped || v_name;
        EXCEPTION WHEN lock_not_available THEN
            v_skipped := v_skipped || v_name;
        END;
    END LOOP;
    IF cardinality(v_skipped) = 0 THEN
        -- The once-per-subject keys and inbox rows of the dropped events.
        DELETE FROM event_subject_key WHERE created_at < v_cutoff;
        DELETE FROM event_read WHERE event_created_at < v_cutoff;
    END IF;

    RETURN jsonb_build_object('status', 'applied', 'jobs_archived', v_archived, 'archived_jobs_purged', v_purged,
                              'job_dead_letters_deleted', v_dlq_deleted, 'route_dead_letters_deleted', v_route_dlq_deleted,
                              'event_partitions_dropped', to_jsonb(v_dropped),
                              'event_partitions_skipped', to_jsonb(v_skipped));
END;
$$;

CREATE INDEX event_subject_key_created ON event_subject_key (created_at);
CREATE INDEX event_read_event_created ON event_read (event_created_at);

INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.retention', 'pg_worker', 'maintenance', 'no_retry', 'queuegov.builtin.retention', 'retention sweep (apply; gated)');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.retention', '17 * * * *', 'queuegov.retention', 'maintenance', 'hourly retention sweep (gate queue.retention.enabled)');
