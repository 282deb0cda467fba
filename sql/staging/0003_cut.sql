-- Why: CUT and VERIFY-CUT (SPEC §7). The cut locks the manifest (SELECT …
-- FOR UPDATE) and passes seven guards, each failing with its own named error:
--
--   G1 record_missing      the manifest exists                       QG005
--   G2 not_approved        lifecycle_status is approved              QG003
--   G3 approval_missing    approved_at and approval_doc_id are set   QG003
--   G4 expired             expires_at is still ahead                 QG003
--   G5 digest_malformed    the digest is 32 hex characters           QG004
--   G6 source_changed      the caller's hash of the source as it is
--                          now equals the source_hash marked         QG003
--   G7 payload_incomplete  the pieces are all there and hash to the
--                          digest                                    QG003
--
-- G3 and G5 restate CHECK constraints of iu_staging_record on purpose: the cut
-- is the last line before durable units exist, so it re-checks the row it
-- holds rather than trusting that every constraint is still in place.
-- It then materialises information_unit rows (doc_code, section_code,
-- section_type, sort_order, parent links), supersedes the previous units of
-- the same doc_code, and consumes the manifest.

CREATE FUNCTION fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamptz DEFAULT NULL)
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

CREATE FUNCTION fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of CUT. The caller re-reads the source and passes the hash of
-- what it holds now (G6); the marking command hashes files with sha256.
BEGIN
    RETURN fn_iu_cut_from_manifest(p_record_id, p_current_source_hash, p_now);
END;
$$;

-- ---------------------------------------------------------------------------
-- VERIFY-CUT
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_vector_columns() RETURNS text[]
LANGUAGE sql STABLE AS $$
    -- Columns that could hold vectors or embeddings on the staging tables and
    -- information_unit; the no-vector guarantee says there are none.
    SELECT coalesce(array_agg(format('%s.%s', c.relname, a.attname) ORDER BY c.relname, a.attname), '{}')
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE c.relname IN ('iu_staging_record', 'iu_staging_payload', 'information_unit')
       AND c.relnamespace = 'public'::regnamespace
       AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attname ~* '(vector|embedding)' AND a.attname <> 'vector_excluded' OR t.typname IN ('vector', 'halfvec', 'sparsevec'));
$$;

CREATE FUNCTION fn_iu_verify_cut_result(p_cut_run_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Three-axis health of the units one cut made, with evidence:
--   A sort_order complete (1..N) and unique among the cut's units
--   B section_type in the vocabulary
--   C parent_or_container_ref: every parent is a unit of the same cut that
--     precedes and can contain it, and matches the manifest's parent
-- plus, while the manifest's pieces still exist, piece-by-piece agreement
-- (count, body hash, section_type, sort_order), and the no-vector guarantee.
-- Verdict: problems (any check failed); verified (all passed, compared with
-- the manifest); no_vector_ok (structure sound and vector-free, but the
-- manifest was already cleaned, so there was nothing to compare with).
DECLARE
    v_actor    text := fn_actor_required();
    c          dot_iu_command_run%ROWTYPE;
    r          iu_staging_record%ROWTYPE;
    v_n        integer;
    v_pieces   integer;
    v_compared boolean;
    v_a jsonb; v_b jsonb; v_c jsonb; v_m jsonb; v_nv jsonb;
    v_vector_columns text[];
    v_total    integer;
    v_verdict  text;
    v_evidence jsonb;
    v_run      bigint;
BEGIN
    SELECT * INTO c FROM dot_iu_command_run WHERE id = p_cut_run_id;
    IF NOT FOUND OR c.command <> 'cut' THEN
        RAISE EXCEPTION 'unknown_cut_run: dot_iu_command_run % is not a cut', p_cut_run_id USING ERRCODE = 'QG005';
    END IF;
    IF c.run_status <> 'succeeded' THEN
        RAISE EXCEPTION 'not_cut: cut run % is %', p_cut_run_id, c.run_status USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO r FROM iu_staging_record WHERE id = c.record_id;
    SELECT count(*) INTO v_n FROM information_unit WHERE created_by_run_id = c.id;
    SELECT count(*) INTO v_pieces FROM iu_staging_payload WHERE record_id = r.id;
    v_compared := v_pieces > 0;

    -- Axis A
    WITH u AS (SELECT id, sort_order FROM information_unit WHERE created_by_run_id = c.id),
    problems AS (
        SELECT NULL::bigint AS unit_id, format('the manifest had %s pieces, the cut made %s units', r.piece_count, v_n) AS problem
         WHERE r.piece_count <> v_n
        UNION ALL
        SELECT id, format('sort_order %s is outside 1..%s', sort_order, v_n) FROM u WHERE sort_order > v_n
        UNION ALL
        SELECT a.id, format('sort_order %s is also used by unit %s', a.sort_order, string_agg(b.id::text, ', ' ORDER BY b.id))
          FROM u a JOIN u b ON b.sort_order = a.sort_order AND b.id <> a.id GROUP BY a.id, a.sort_order
        UNION ALL
        SELECT NULL, format('sort_order %s is not used by any unit', s)
          FROM generate_series(1, v_n) AS s WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.sort_order = s)
    )
    SELECT fn_iu_axis_result('sort_order complete (1..N) and unique',
                             jsonb_agg(jsonb_build_object('unit_id', unit_id, 'problem', problem) ORDER BY unit_id NULLS LAST, problem))
      INTO v_a FROM problems;

    -- Axis B
    SELECT fn_iu_axis_result('section_type in the vocabulary: ' || array_to_string(fn_iu_section_types(), ', '),
                             jsonb_agg(jsonb_build_object('unit_id', id, 'problem',
                                       format('section_type %s is not allowed', quote_literal(section_type))) ORDER BY id))
      INTO v_b
      FROM information_unit
     WHERE created_by_run_id = c.id AND NOT (section_type::text = ANY (fn_iu_section_types()));

    -- Axis C
    WITH u AS (SELECT * FROM information_unit WHERE created_by_run_id = c.id),
    problems AS (
        SELECT u.id AS unit_id, format('parent unit %s does not exist', u.parent_id) AS problem
          FROM u WHERE u.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_unit x WHERE x.id = u.parent_id)
        UNION ALL
        SELECT u.id, format('parent unit %s belongs to another cut (run %s)', par.id, par.created_by_run_id)
          FROM u JOIN information_unit par ON par.id = u.parent_id WHERE par.created_by_run_id <> c.id
        UNION ALL
        SELECT u.id, format('parent unit %s (sort_order %s) does not precede it (sort_order %s)', par.id, par.sort_order, u.sort_order)
          FROM u JOIN u par ON par.id = u.parent_id WHERE par.sort_order >= u.sort_order
        UNION ALL
        SELECT u.id, format('parent unit %s is a %s and cannot contain a %s', par.id, par.section_type, u.section_type)
          FROM u JOIN u par ON par.id = u.parent_id
         WHERE coalesce(fn_iu_section_rank(par.section_type), 99) >= coalesce(fn_iu_section_rank(u.section_type), 0)
        UNION ALL
        SELECT u.id, format('the manifest names parent piece %s, the unit %s',
                            coalesce(p.parent_piece_no::text, 'none'),
                            coalesce((SELECT 'has unit ' || par.id || ' (piece ' || par.piece_no || ')'
                                        FROM information_unit par WHERE par.id = u.parent_id), 'has no parent'))
          FROM u JOIN iu_staging_payload p ON p.record_id = r.id AND p.piece_no = u.piece_no
         WHERE p.parent_piece_no IS DISTINCT FROM (SELECT par.piece_no FROM u par WHERE par.id = u.parent_id)
    )
    SELECT fn_iu_axis_result('parent_or_container_ref resolvable within the cut',
                             jsonb_agg(jsonb_build_object('unit_id', unit_id, 'problem', problem) ORDER BY unit_id, problem))
      INTO v_c FROM problems;

    -- The manifest, piece by piece (only while its payload exists)
    SELECT fn_iu_axis_result(CASE WHEN v_compared THEN 'units agree with the manifest pieces'
                                  ELSE 'manifest payload cleaned: nothing to compare' END,
                             jsonb_agg(jsonb_build_object('unit_id', x.unit_id, 'piece_no', x.piece_no, 'problem', x.problem)
                                       ORDER BY x.piece_no, x.problem))
      INTO v_m
      FROM (
        SELECT u.id AS unit_id, p.piece_no,
               CASE WHEN u.id IS NULL THEN 'the piece has no unit'
                    WHEN p.piece_no IS NULL THEN 'the unit has no piece'
                    WHEN u.body_hash <> p.piece_hash OR md5(u.body) <> p.piece_hash THEN 'the unit text differs from the piece'
                    WHEN u.section_type::text IS DISTINCT FROM p.section_type THEN
                        format('section_type %s, the piece says %s', u.section_type, p.section_type)
                    WHEN u.sort_order IS DISTINCT FROM p.sort_order THEN
                        format('sort_order %s, the piece says %s', u.sort_order, p.sort_order)
               END AS problem
          FROM (SELECT * FROM information_unit WHERE created_by_run_id = c.id) u
          FULL JOIN (SELECT * FROM iu_staging_payload WHERE record_id = r.id) p ON p.piece_no = u.piece_no
         WHERE v_compared
      ) x
     WHERE x.problem IS NOT NULL;

    -- The no-vector guarantee
    v_vector_columns := fn_iu_vector_columns();
    v_nv := fn_iu_axis_result('no vectors: the manifest is vector_excluded and no staging or unit column holds vectors',
        (SELECT jsonb_agg(jsonb_build_object('unit_id', NULL, 'problem', problem))
           FROM (SELECT 'the manifest is not vector_excluded' AS problem WHERE NOT r.vector_excluded
                 UNION ALL
                 SELECT format('column %s could hold vectors', col) FROM unnest(v_vector_columns) AS col) v));

    v_total := (v_a ->> 'problem_count')::integer + (v_b ->> 'problem_count')::integer
             + (v_c ->> 'problem_count')::integer + (v_m ->> 'problem_count')::integer
             + (v_nv ->> 'problem_count')::integer;
    v_verdict := CASE WHEN v_total > 0 THEN 'problems' WHEN v_compared THEN 'verified' ELSE 'no_vector_ok' END;
    v_evidence := jsonb_build_object(
        'verdict', v_verdict, 'record_id', r.id, 'cut_run_id', c.id, 'units', v_n, 'problem_count', v_total,
        'compared_with_manifest', v_compared, 'lifecycle_status', r.lifecycle_status,
        'axes', jsonb_build_object('A', v_a, 'B', v_b, 'C', v_c),
        'manifest', v_m, 'no_vector', v_nv);

    v_run := fn_iu_run_open('verify_cut', 'verify', r.id, jsonb_build_object('record_id', r.id, 'cut_run_id', c.id), c.id);
    PERFORM fn_iu_run_close(v_run, v_verdict, v_evidence);
    IF v_verdict <> 'problems' THEN
        -- once per cut: the event substrate keeps one durable event per subject
        PERFORM fn_event_capture('iu.cut_verified', 'dot_iu_command_run', c.id::text,
                                 jsonb_build_object('cut_run_id', c.id, 'verify_run_id', v_run, 'record_id', r.id,
                                                    'doc_code', r.doc_code, 'units', v_n, 'verdict', v_verdict),
                                 'dot_iu_command_run:' || c.id, 'iu_staging_record:' || r.id, NULL,
                                 'dot_iu_command_run:' || v_run);
    END IF;
    RETURN jsonb_build_object('status', v_verdict, 'verdict', v_verdict, 'record_id', r.id, 'cut_run_id', c.id,
                              'run_id', v_run, 'units', v_n, 'problem_count', v_total, 'evidence', v_evidence);
END;
$$;

CREATE FUNCTION fn_iu_op_verify_cut(p_record_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of VERIFY-CUT: verifies the cut that consumed the manifest.
DECLARE
    r iu_staging_record%ROWTYPE;
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
    RETURN fn_iu_verify_cut_result(r.consumed_by_run_id);
END;
$$;

UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_cut_from_manifest'
 WHERE event_type IN ('staging.record_consumed', 'iu.unit_created');
UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_verify_cut_result'
 WHERE event_type = 'iu.cut_verified';
