-- Why: CLEANUP (SPEC §7) in three passes, measured from when a manifest was
-- marked, with the settings iu_core.staging_ttl_days (via expires_at),
-- iu_core.clean_after_days and iu_core.archive_after_days:
--
--   1 expire   pending_review / approved past expires_at      → expired
--   2 clean    expired / rejected / consumed, marked at least
--              clean_after_days ago: pieces deleted             → cleaned
--   3 archive  cleaned, marked at least archive_after_days ago → archived
--
-- The dry run (fn_iu_op_cleanup_dry_run) reports what each pass would do and
-- changes nothing but its run row. Apply is gated by iu_core.retention_enabled
-- and serialised: a transaction-level advisory lock refuses a second cleanup
-- running at the same moment, and the dot_iu_runtime_lease row 'staging_cleanup'
-- refuses it while anyone else holds the lease (e.g. an operator's
-- maintenance window taken with fn_iu_runtime_lease_acquire). Leases run on
-- the real clock; p_now only moves the retention clock.

CREATE FUNCTION fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer DEFAULT 900,
                                            p_run_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    l dot_iu_runtime_lease%ROWTYPE;
    v_holder text := coalesce(nullif(btrim(coalesce(p_holder, '')), ''), v_actor);
BEGIN
    IF p_seconds IS NULL OR p_seconds < 1 OR p_seconds > 86400 THEN
        RAISE EXCEPTION 'invalid_lease_seconds: a lease lasts 1..86400 seconds, not %', p_seconds USING ERRCODE = 'QG004';
    END IF;
    SELECT * INTO l FROM dot_iu_runtime_lease WHERE lease_name = p_lease_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_lease: % is not in dot_iu_runtime_lease', p_lease_name USING ERRCODE = 'QG005';
    END IF;
    IF l.holder IS NOT NULL AND l.released_at IS NULL AND l.expires_at > clock_timestamp() AND l.holder <> v_holder THEN
        RAISE EXCEPTION 'lease_held: % is held by % until % (acquired %); try again after it is released or expires',
                p_lease_name, l.holder, l.expires_at, l.acquired_at
            USING ERRCODE = 'QG003';
    END IF;
    UPDATE dot_iu_runtime_lease
       SET holder = v_holder, run_id = p_run_id, acquired_at = clock_timestamp(),
           expires_at = clock_timestamp() + make_interval(secs => p_seconds), released_at = NULL
     WHERE lease_name = p_lease_name;
    RETURN jsonb_build_object('status', 'acquired', 'lease_name', p_lease_name, 'holder', v_holder,
                              'expires_at', clock_timestamp() + make_interval(secs => p_seconds),
                              'taken_over', CASE WHEN l.holder IS NOT NULL AND l.released_at IS NULL
                                                  AND l.holder <> v_holder THEN l.holder END);
END;
$$;

CREATE FUNCTION fn_iu_runtime_lease_release(p_lease_name text, p_holder text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_holder text := coalesce(nullif(btrim(coalesce(p_holder, '')), ''), v_actor);
BEGIN
    UPDATE dot_iu_runtime_lease SET released_at = clock_timestamp()
     WHERE lease_name = p_lease_name AND holder = v_holder AND released_at IS NULL;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'lease_name', p_lease_name, 'holder', v_holder);
    END IF;
    RETURN jsonb_build_object('status', 'released', 'lease_name', p_lease_name, 'holder', v_holder);
END;
$$;

CREATE FUNCTION fn_iu_staging_cleanup(p_apply boolean DEFAULT false, p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor          text := fn_actor_required();
    v_now            timestamptz := coalesce(p_now, now());
    v_clean_days     integer := fn_setting_int('iu_core.clean_after_days');
    v_archive_days   integer := fn_setting_int('iu_core.archive_after_days');
    v_clean_before   timestamptz;
    v_archive_before timestamptz;
    v_thresholds     jsonb;
    v_run            bigint;
    v_expired        bigint[];
    v_cleaned        bigint[];
    v_archived       bigint[];
    v_rows           integer := 0;
    v_plan           record;
    v_evidence       jsonb;
    v_total          integer;
BEGIN
    v_clean_before := v_now - make_interval(days => v_clean_days);
    v_archive_before := v_now - make_interval(days => v_archive_days);
    v_thresholds := jsonb_build_object('now', v_now, 'clean_after_days', v_clean_days,
                                       'archive_after_days', v_archive_days,
                                       'clean_marked_before', v_clean_before, 'archive_marked_before', v_archive_before);

    IF NOT coalesce(p_apply, false) THEN
        -- What the three passes would do, in order, changing nothing.
        WITH s AS (
            SELECT r.id, r.marked_at,
                   (r.lifecycle_status IN ('pending_review', 'approved') AND r.expires_at <= v_now) AS expires,
                   CASE WHEN r.lifecycle_status IN ('pending_review', 'approved') AND r.expires_at <= v_now
                        THEN 'expired' ELSE r.lifecycle_status END AS after_expire
              FROM iu_staging_record r
             WHERE r.lifecycle_status <> 'archived'
        ), c AS (
            SELECT s.*, (after_expire IN ('expired', 'rejected', 'consumed') AND marked_at <= v_clean_before) AS cleans
              FROM s
        ), a AS (
            SELECT c.*, ((after_expire = 'cleaned' OR cleans) AND marked_at <= v_archive_before) AS archives FROM c
        )
        SELECT count(*) FILTER (WHERE expires) AS expire,
               count(*) FILTER (WHERE cleans) AS clean,
               count(*) FILTER (WHERE archives) AS archive,
               coalesce((SELECT count(*) FROM iu_staging_payload p WHERE p.record_id IN (SELECT id FROM a WHERE cleans)), 0)
                   AS payload_rows,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE expires), '{}') AS expire_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE cleans), '{}') AS clean_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE archives), '{}') AS archive_ids
          INTO v_plan FROM a;
        v_evidence := jsonb_build_object(
            'passes', jsonb_build_object(
                'expire',  jsonb_build_object('count', v_plan.expire,  'record_ids', to_jsonb(v_plan.expire_ids[1:100])),
                'clean',   jsonb_build_object('count', v_plan.clean,   'record_ids', to_jsonb(v_plan.clean_ids[1:100]),
                                              'payload_rows', v_plan.payload_rows),
                'archive', jsonb_build_object('count', v_plan.archive, 'record_ids', to_jsonb(v_plan.archive_ids[1:100]))),
            'thresholds', v_thresholds,
            'retention_enabled', fn_gate_open('iu_core.retention_enabled'));
        v_run := fn_iu_run_open('cleanup', 'plan', NULL, jsonb_build_object('apply', false, 'now', v_now));
        PERFORM fn_iu_run_close(v_run, 'planned', v_evidence);
        RETURN jsonb_build_object('status', 'dry_run', 'run_id', v_run, 'expire', v_plan.expire, 'clean', v_plan.clean,
                                  'archive', v_plan.archive, 'payload_rows', v_plan.payload_rows,
                                  'retention_enabled', fn_gate_open('iu_core.retention_enabled'),
                                  'thresholds', v_thresholds);
    END IF;

    IF NOT fn_gate_open('iu_core.retention_enabled') THEN
        RETURN fn_gate_closed_result('iu_core.retention_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.staging_cleanup')) THEN
        RAISE EXCEPTION 'lease_held: staging_cleanup is held by another cleanup running now; try again when it has finished'
            USING ERRCODE = 'QG003';
    END IF;
    v_run := fn_iu_run_open('cleanup', 'apply', NULL, jsonb_build_object('apply', true, 'now', v_now));
    PERFORM fn_iu_runtime_lease_acquire('staging_cleanup', format('%s (run %s)', v_actor, v_run), 900, v_run);

    -- pass 1: expire
    WITH e AS (
        UPDATE iu_staging_record SET lifecycle_status = 'expired', expired_at = v_now, last_run_id = v_run
         WHERE lifecycle_status IN ('pending_review', 'approved') AND expires_at <= v_now
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_expired FROM e;

    -- pass 2: clean (the record first: pieces of a cleaned record may be deleted)
    WITH c AS (
        UPDATE iu_staging_record SET lifecycle_status = 'cleaned', cleaned_at = v_now, last_run_id = v_run
         WHERE lifecycle_status IN ('expired', 'rejected', 'consumed') AND marked_at <= v_clean_before
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_cleaned FROM c;
    DELETE FROM iu_staging_payload WHERE record_id = ANY (v_cleaned);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    PERFORM fn_iu_staging_capture('staging.record_cleaned', id, v_run,
                                  jsonb_build_object('pass', 'clean', 'lifecycle_status', 'cleaned'))
       FROM unnest(v_cleaned) AS id;

    -- pass 3: archive
    WITH a AS (
        UPDATE iu_staging_record SET lifecycle_status = 'archived', archived_at = v_now, last_run_id = v_run
         WHERE lifecycle_status = 'cleaned' AND marked_at <= v_archive_before
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_archived FROM a;
    PERFORM fn_iu_staging_capture('staging.record_cleaned', id, v_run,
                                  jsonb_build_object('pass', 'archive', 'lifecycle_status', 'archived'))
       FROM unnest(v_archived) AS id;

    PERFORM fn_iu_runtime_lease_release('staging_cleanup', format('%s (run %s)', v_actor, v_run));
    v_total := cardinality(v_expired) + cardinality(v_cleaned) + cardinality(v_archived);
    PERFORM fn_iu_run_close(v_run, CASE WHEN v_total = 0 THEN 'nothing_to_do' ELSE 'succeeded' END,
        jsonb_build_object(
            'passes', jsonb_build_object(
                'expire',  jsonb_build_object('count', cardinality(v_expired), 'record_ids', to_jsonb(v_expired[1:100])),
                'clean',   jsonb_build_object('count', cardinality(v_cleaned), 'record_ids', to_jsonb(v_cleaned[1:100]),
                                              'payload_rows', v_rows),
                'archive', jsonb_build_object('count', cardinality(v_archived), 'record_ids', to_jsonb(v_archived[1:100]))),
            'thresholds', v_thresholds));
    RETURN jsonb_build_object('status', CASE WHEN v_total = 0 THEN 'nothing_to_do' ELSE 'applied' END,
                              'run_id', v_run, 'expired', cardinality(v_expired), 'cleaned', cardinality(v_cleaned),
                              'archived', cardinality(v_archived), 'payload_rows', v_rows, 'thresholds', v_thresholds);
END;
$$;

CREATE FUNCTION fn_iu_op_cleanup_dry_run(p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of CLEANUP in plan mode: counts per pass, nothing changed.
BEGIN
    RETURN fn_iu_staging_cleanup(false, p_now);
END;
$$;

CREATE FUNCTION fn_iu_op_cleanup(p_apply boolean DEFAULT false, p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of CLEANUP: dry run unless p_apply (then gated by iu_core.retention_enabled).
BEGIN
    RETURN fn_iu_staging_cleanup(p_apply, p_now);
END;
$$;

UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_staging_cleanup'
 WHERE event_type = 'staging.record_cleaned';
