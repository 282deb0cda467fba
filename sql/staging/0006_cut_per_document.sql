-- Why: two cuts of different manifests of the same document at the same time
-- both superseded the units that existed when they started and then collided
-- on information_unit_current_section (a unique violation for the second).
-- fn_iu_cut_from_manifest now serialises cuts per doc_code with a
-- transaction-level advisory lock taken after the guards, so the second cut
-- waits, then supersedes the first one's units. The body is otherwise the one
-- of 0003_cut.sql (an applied file is never edited).

CREATE OR REPLACE FUNCTION fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor      text := fn_actor_required();
    v_now        timestamptz := coalesce(p_now, now());
    v_current    text := nullif(lower(btrim(coalesce(p_current_source_hash, ''))), '');
    r            iu_staging_record%ROWTYPE;
    v_held       integer;
    v_altered    integer;
    v_digest     text;
    v_run        bigint;
    v_superseded integer;
    v_units      integer;
    v_linked     integer;
    v_first      bigint;
    v_last       bigint;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'G1 record_missing: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status <> 'approved' THEN
        RAISE EXCEPTION 'G2 not_approved: staging record % is %; only approved manifests are cut', r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF r.approved_at IS NULL OR r.approval_doc_id IS NULL OR btrim(r.approval_doc_id) = '' THEN
        RAISE EXCEPTION 'G3 approval_missing: staging record % has no complete approval (approved_at %, approval_doc_id %)',
                r.id, coalesce(r.approved_at::text, 'missing'), coalesce(quote_literal(r.approval_doc_id), 'missing')
            USING ERRCODE = 'QG003';
    END IF;
    IF r.expires_at <= v_now THEN
        RAISE EXCEPTION 'G4 expired: staging record % expired at %; mark the source again', r.id, r.expires_at
            USING ERRCODE = 'QG003';
    END IF;
    IF r.digest IS NULL OR r.digest !~ '^[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'G5 digest_malformed: staging record % has digest %, not 32 hex characters',
                r.id, quote_nullable(r.digest)
            USING ERRCODE = 'QG004';
    END IF;
    IF v_current IS DISTINCT FROM r.source_hash THEN
        RAISE EXCEPTION 'G6 source_changed: % is not the source that was marked (hash at mark %, now %); mark it again and have the new manifest approved',
                r.source_ref, r.source_hash, coalesce(v_current, 'unavailable')
            USING ERRCODE = 'QG003';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE piece_hash IS DISTINCT FROM md5(piece_text))
      INTO v_held, v_altered
      FROM iu_staging_payload WHERE record_id = r.id;
    v_digest := fn_iu_manifest_digest(r.source_hash, r.source_bytes, fn_iu_manifest_pieces(r.id));
    IF v_held <> r.piece_count OR v_altered > 0 OR v_digest <> r.digest THEN
        RAISE EXCEPTION 'G7 payload_incomplete: staging record % holds % of % pieces (% altered); they hash to %, the digest is %',
                r.id, v_held, r.piece_count, v_altered, v_digest, r.digest
            USING ERRCODE = 'QG003';
    END IF;

    -- One cut per document at a time: the next one waits here, then (in a new
    -- statement snapshot) sees and supersedes the units this one made.
    PERFORM pg_advisory_xact_lock(hashtext('queuegov.iu_cut:' || r.doc_code));

    v_run := fn_iu_run_open('cut', 'apply', r.id,
                            jsonb_build_object('record_id', r.id, 'current_source_hash', v_current));

    UPDATE information_unit SET superseded_at = clock_timestamp(), superseded_by_run_id = v_run
     WHERE doc_code = r.doc_code AND superseded_at IS NULL;
    GET DIAGNOSTICS v_superseded = ROW_COUNT;

    -- section_code: doc_code/1.2.3 numbers each piece among its siblings in
    -- document order; preambles are P1, P2 …
    WITH RECURSIVE p AS (
        SELECT * FROM iu_staging_payload WHERE record_id = r.id
    ),
    numbered AS (
        SELECT p.piece_no, p.parent_piece_no, p.section_type,
               row_number() OVER (PARTITION BY p.parent_piece_no, p.section_type = 'preamble' ORDER BY p.sort_order) AS n
          FROM p
    ),
    tree (piece_no, code) AS (
        SELECT piece_no, CASE WHEN section_type = 'preamble' THEN 'P' || n ELSE n::text END
          FROM numbered WHERE parent_piece_no IS NULL
        UNION ALL
        SELECT c.piece_no, t.code || '.' || c.n
          FROM numbered c JOIN tree t ON c.parent_piece_no = t.piece_no
    )
    INSERT INTO information_unit (doc_code, section_code, section_type, sort_order, title, body, body_hash, piece_no,
                                  consumed_from_record_id, created_by_run_id, created_by)
    SELECT r.doc_code, r.doc_code || '/' || t.code, p.section_type, p.sort_order, p.heading, p.piece_text,
           p.piece_hash, p.piece_no, r.id, v_run, v_actor
      FROM p JOIN tree t USING (piece_no)
     ORDER BY p.sort_order;
    GET DIAGNOSTICS v_units = ROW_COUNT;
    IF v_units <> r.piece_count THEN
        RAISE EXCEPTION 'G7 payload_incomplete: staging record % has % pieces but only % are reachable from a root',
                r.id, r.piece_count, v_units
            USING ERRCODE = 'QG003';
    END IF;

    UPDATE information_unit u
       SET parent_id = parent.id
      FROM iu_staging_payload p
      JOIN information_unit parent ON parent.consumed_from_record_id = p.record_id AND parent.piece_no = p.parent_piece_no
     WHERE p.record_id = r.id AND u.consumed_from_record_id = r.id AND u.piece_no = p.piece_no;
    GET DIAGNOSTICS v_linked = ROW_COUNT;

    UPDATE iu_staging_record
       SET lifecycle_status = 'consumed', consumed_at = v_now, consumed_by_run_id = v_run, last_run_id = v_run
     WHERE id = r.id;

    SELECT min(id), max(id) INTO v_first, v_last FROM information_unit WHERE created_by_run_id = v_run;
    PERFORM fn_iu_staging_capture('staging.record_consumed', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'units', v_units, 'superseded', v_superseded,
                           'lifecycle_status', 'consumed'));
    PERFORM fn_event_capture('iu.unit_created', 'information_unit', u.id::text,
                             jsonb_build_object('unit_id', u.id, 'doc_code', u.doc_code, 'section_code', u.section_code,
                                                'section_type', u.section_type, 'sort_order', u.sort_order,
                                                'parent_id', u.parent_id, 'record_id', r.id, 'run_id', v_run),
                             'dot_iu_command_run:' || v_run, 'iu_staging_record:' || r.id, NULL,
                             'dot_iu_command_run:' || v_run)
       FROM information_unit u WHERE u.created_by_run_id = v_run ORDER BY u.sort_order;

    PERFORM fn_iu_run_close(v_run, 'succeeded', jsonb_build_object(
        'guards', jsonb_build_object('G1', 'ok', 'G2', 'ok', 'G3', 'ok', 'G4', 'ok', 'G5', 'ok', 'G6', 'ok', 'G7', 'ok'),
        'record_id', r.id, 'doc_code', r.doc_code, 'units', v_units, 'parent_links', v_linked,
        'superseded', v_superseded, 'first_unit_id', v_first, 'last_unit_id', v_last, 'digest', r.digest));
    RETURN jsonb_build_object('status', 'consumed', 'record_id', r.id, 'run_id', v_run, 'doc_code', r.doc_code,
                              'units', v_units, 'superseded', v_superseded, 'lifecycle_status', 'consumed');
END;
$$;
