-- Why: the staging workflow behind the database's trust boundary
-- (docs/security.md, sql/queuegov/0010). The operator aliases fn_iu_op_* are
-- the public API and each writes its audit row in the transaction that applies
-- it; the creator primitives (fn_iu_mark_create_manifest, fn_iu_verify_mark,
-- fn_iu_reject_manifest, fn_iu_cut_from_manifest, fn_iu_verify_cut_result,
-- fn_iu_staging_cleanup) keep the rules and are the owner's only, so no path
-- approves or cuts a manifest without its audit row. Four-eyes on approval
-- compares actors resolved by the database (fn_actor).

CREATE OR REPLACE FUNCTION fn_iu_op_mark_file(
    p_source_ref      text,
    p_source_hash     text,
    p_source_bytes    bigint,
    p_pieces          jsonb,
    p_doc_code        text DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL,
    p_source_kind     text DEFAULT 'file',
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- MARK: the idempotency key defaults to 'file:<source_ref>:<source_hash>'
-- (re-marking an unchanged file is a no-op) and doc_code to the upper-cased
-- file name without its extension.
DECLARE
    v_actor text := fn_actor_governed();
    v_doc   text := p_doc_code;
    v       jsonb;
BEGIN
    IF v_doc IS NULL OR btrim(v_doc) = '' THEN
        v_doc := upper(regexp_replace(
                     regexp_replace(regexp_replace(coalesce(p_source_ref, ''), '^.*/', ''), '\.[^.]*$', ''),
                     '[^A-Za-z0-9_.-]+', '-', 'g'));
        v_doc := left(regexp_replace(v_doc, '^[^A-Za-z0-9]+', ''), 64);
    END IF;
    v := fn_iu_mark_create_manifest(
        coalesce(nullif(btrim(p_idempotency_key), ''),
                 p_source_kind || ':' || p_source_ref || ':' || lower(btrim(coalesce(p_source_hash, '')))),
        p_source_ref, p_source_hash, p_source_bytes, v_doc, p_pieces, p_source_kind, p_now);
    RETURN fn_act_audit(v, 'staging.mark', 'iu_staging_record', ARRAY[v ->> 'record_id'], NULL, NULL,
        CASE WHEN v ->> 'status' = 'duplicate'
             THEN format('nothing_to_do: %s is unchanged and already marked as staging record #%s (%s)',
                         p_source_ref, v ->> 'record_id', v ->> 'lifecycle_status')
             ELSE format('marked %s as staging record #%s: %s pieces, pending_review', p_source_ref, v ->> 'record_id',
                         v ->> 'pieces') END);
END;
$$;

CREATE FUNCTION fn_iu_record_state(p_record_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('lifecycle_status', lifecycle_status, 'doc_code', doc_code)
      FROM iu_staging_record WHERE id = p_record_id
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_verify_mark(
    p_record_id       bigint,
    p_apply           boolean DEFAULT false,
    p_approval_doc_id text DEFAULT NULL,
    p_reason          text DEFAULT NULL,
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- VERIFY-MARK: a dry run by default; p_apply => true approves (four-eyes).
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
    v_summary text;
BEGIN
    v := fn_iu_verify_mark(p_record_id, p_apply, p_approval_doc_id, fn_reason_checked(p_reason),
                           CASE WHEN p_apply THEN fn_clock(p_now, 'an approval') ELSE p_now END);
    v_summary := v -> 'verdict' ->> 'verdict';
    RETURN fn_act_audit(v, CASE WHEN p_apply THEN 'staging.approve' ELSE 'staging.verify_mark' END,
                        'iu_staging_record', ARRAY[p_record_id::text], p_reason, v_before,
                        CASE v ->> 'status'
                            WHEN 'approved' THEN format('approved staging record #%s with %s: %s', p_record_id,
                                                        v ->> 'approval_doc_id', v_summary)
                            WHEN 'refused' THEN format('%s: %s', v ->> 'reason', v_summary)
                            ELSE format('staging record #%s: %s', p_record_id, v_summary) END);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
BEGIN
    v := fn_iu_reject_manifest(p_record_id, fn_reason_checked(p_reason), fn_clock(p_now, 'a rejection'));
    RETURN fn_act_audit(v, 'staging.reject', 'iu_staging_record', ARRAY[p_record_id::text], p_reason, v_before,
                        format('rejected staging record #%s (was %s)', p_record_id, v ->> 'was'));
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- CUT. The caller re-reads the source and passes the hash of what it holds now
-- (G6); the marking command hashes files with sha256.
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
BEGIN
    v := fn_iu_cut_from_manifest(p_record_id, p_current_source_hash, fn_clock(p_now, 'a cut'));
    RETURN fn_act_audit(v, 'staging.cut', 'iu_staging_record', ARRAY[p_record_id::text], NULL, v_before,
        format('cut staging record #%s into %s information units of %s', p_record_id, v ->> 'units', v ->> 'doc_code')
        || CASE WHEN jsonb_typeof(v -> 'superseded') = 'array' AND jsonb_array_length(v -> 'superseded') > 0
                THEN format(' (superseding %s)', v -> 'superseded') ELSE '' END);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_verify_cut(p_record_id bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- VERIFY-CUT: verifies the cut that consumed the manifest.
DECLARE
    v_actor text := fn_actor_governed();
    r iu_staging_record%ROWTYPE;
    v jsonb;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.consumed_by_run_id IS NULL THEN
        RAISE EXCEPTION 'not_cut: staging record % is % and was never cut; verify-cut needs a consumed manifest',
                r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    v := fn_iu_verify_cut_result(r.consumed_by_run_id);
    RETURN fn_act_audit(v, 'staging.verify_cut', 'iu_staging_record', ARRAY[p_record_id::text], NULL, NULL,
                        format('verify-cut of staging record #%s: %s', p_record_id, v ->> 'verdict'));
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_cleanup(p_apply boolean DEFAULT false, p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- CLEANUP: dry run unless p_apply (then gated by iu_core.retention_enabled).
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_staging_cleanup(p_apply, CASE WHEN p_apply THEN fn_clock(p_now, 'a cleanup') ELSE p_now END);
    RETURN fn_act_audit(v, CASE WHEN p_apply THEN 'staging.cleanup' ELSE 'staging.cleanup_dry_run' END,
                        'iu_staging_record', '{}', NULL, NULL,
                        CASE v ->> 'status'
                            WHEN 'dry_run' THEN format('dry run: would expire %s, clean %s (%s pieces), archive %s',
                                                       v ->> 'expire', v ->> 'clean', v ->> 'payload_rows', v ->> 'archive')
                            WHEN 'nothing_to_do' THEN 'nothing_to_do: no staging record is due'
                            WHEN 'gate_closed' THEN NULL
                            ELSE format('expired %s, cleaned %s (%s pieces deleted), archived %s', v ->> 'expired',
                                        v ->> 'cleaned', v ->> 'payload_rows', v ->> 'archived') END);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_op_cleanup_dry_run(p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN fn_iu_op_cleanup(false, p_now);
END;
$$;

ALTER FUNCTION fn_iu_runtime_lease_acquire(text, text, integer, bigint) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_iu_runtime_lease_release(text, text) SECURITY DEFINER SET search_path = public, pg_temp;

-- The lifecycle log names the resolved actor.
CREATE OR REPLACE FUNCTION fn_iu_lifecycle_log_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iu_lifecycle_log (record_id, from_status, to_status, actor, run_id)
    VALUES (NEW.id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_status END,
            NEW.lifecycle_status,
            coalesce(fn_actor(), 'db:' || session_user),
            NEW.last_run_id);
    RETURN NULL;
END;
$$;

-- The creator primitives hold the rules behind the audited fn_iu_op_* and were
-- executable by PUBLIC until now; not between here and the end of `migrate`.
REVOKE EXECUTE ON FUNCTION fn_iu_mark_create_manifest(text, text, text, bigint, text, jsonb, text, timestamptz),
    fn_iu_verify_mark(bigint, boolean, text, text, timestamptz), fn_iu_reject_manifest(bigint, text, timestamptz),
    fn_iu_cut_from_manifest(bigint, text, timestamptz), fn_iu_verify_cut_result(bigint),
    fn_iu_staging_cleanup(boolean, timestamptz) FROM PUBLIC;
