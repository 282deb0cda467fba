-- Why: MARK, VERIFY-MARK (dry run and apply = approve) and REJECT (SPEC §7),
-- plus what every step shares: the run ledger (one dot_iu_command_run row per
-- step, with params digest, gate snapshot and evidence), the manifest digest,
-- and the L1 capture of staging.* events (delayed lane, stable-keyed by the
-- manifest: source_document_ref = 'iu_staging_record:<id>').
--
-- Operator aliases (fn_iu_op_*) are the operators' entry points; each wraps
-- one creator primitive, which does the work, writes the run row and captures
-- the event. Every function that changes state needs an actor (fn_actor_required).

-- ---------------------------------------------------------------------------
-- Run ledger
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_run_open(
    p_command       text,
    p_run_mode      text,
    p_record_id     bigint,
    p_params        jsonb,
    p_linked_run_id bigint DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Opens the step's run row; fn_iu_run_close finishes it in the same transaction.
DECLARE
    v_actor text := fn_actor_required();
    c dot_iu_command_catalog%ROWTYPE;
    v_snapshot jsonb;
    v_id bigint;
BEGIN
    SELECT * INTO c FROM dot_iu_command_catalog WHERE command = p_command;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_command: % is not in dot_iu_command_catalog', p_command USING ERRCODE = 'QG005';
    END IF;
    IF NOT (p_run_mode = ANY (c.run_modes)) THEN
        RAISE EXCEPTION 'invalid_run_mode: % runs in % mode only, not %', p_command,
                array_to_string(c.run_modes, ' or '), p_run_mode
            USING ERRCODE = 'QG004';
    END IF;
    SELECT coalesce(jsonb_object_agg(key, value ORDER BY key), '{}') INTO v_snapshot
      FROM dot_config WHERE key = ANY (c.snapshot_keys);
    INSERT INTO dot_iu_command_run (command, run_mode, record_id, linked_run_id, params, params_digest,
                                    gate_snapshot, actor)
    VALUES (p_command, p_run_mode, p_record_id, p_linked_run_id, coalesce(p_params, '{}'),
            md5(jsonb_build_object('command', p_command, 'run_mode', p_run_mode,
                                   'params', coalesce(p_params, '{}'))::text),
            v_snapshot, v_actor)
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

CREATE FUNCTION fn_iu_run_close(p_run_id bigint, p_status text, p_evidence jsonb, p_record_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dot_iu_command_run
       SET run_status = p_status, evidence = coalesce(p_evidence, '{}'), finished_at = clock_timestamp(),
           record_id = coalesce(p_record_id, record_id)
     WHERE id = p_run_id AND run_status = 'running';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run_not_open: dot_iu_command_run % is not running', p_run_id USING ERRCODE = 'QG003';
    END IF;
END;
$$;

CREATE FUNCTION fn_iu_staging_capture(p_event_type text, p_record_id bigint, p_run_id bigint, p_payload jsonb)
RETURNS bigint
LANGUAGE plpgsql AS $$
-- L1 capture of a staging.* fact about one manifest. Delayed lane: the event
-- substrate groups captures by stable key = the manifest (source_document_ref).
BEGIN
    RETURN fn_event_capture(
        p_event_type,
        'iu_staging_record',
        p_record_id::text,
        coalesce(p_payload, '{}') || jsonb_build_object('record_id', p_record_id, 'run_id', p_run_id),
        'iu_staging_record:' || p_record_id,
        'iu_staging_record:' || p_record_id,
        NULL,
        'dot_iu_command_run:' || p_run_id);
END;
$$;

-- ---------------------------------------------------------------------------
-- The manifest digest: md5(source_hash ‖ source_bytes ‖ pieces::text)
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_pieces_canonical(p_pieces iu_staging_payload[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    -- The one canonical form of a manifest's pieces (jsonb normalises key
    -- order), used at MARK on the input and at CUT (G7) on the stored rows.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'piece_no', p.piece_no, 'sort_order', p.sort_order, 'section_type', p.section_type,
               'heading', p.heading, 'parent_piece_no', p.parent_piece_no, 'piece_hash', p.piece_hash)
           ORDER BY p.piece_no), '[]'::jsonb)
      FROM unnest(p_pieces) AS p;
$$;

CREATE FUNCTION fn_iu_manifest_pieces(p_record_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT fn_iu_pieces_canonical(ARRAY(SELECT p FROM iu_staging_payload p WHERE p.record_id = p_record_id));
$$;

CREATE FUNCTION fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT md5(p_source_hash || p_source_bytes::text || p_pieces::text);
$$;

-- ---------------------------------------------------------------------------
-- MARK
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_json_is_int(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NOT NULL AND jsonb_typeof(p) = 'number' AND p::text ~ '^-?[0-9]{1,9}$';
$$;

CREATE FUNCTION fn_iu_mark_create_manifest(
    p_idempotency_key text,
    p_source_ref      text,
    p_source_hash     text,
    p_source_bytes    bigint,
    p_doc_code        text,
    p_pieces          jsonb,
    p_source_kind     text DEFAULT 'file',
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- One iu_staging_record (pending_review, expires_at = now + iu_core.staging_ttl_days,
-- digest = md5(source_hash ‖ source_bytes ‖ pieces::text), vector_excluded)
-- and one iu_staging_payload row per piece. Idempotent: the same
-- idempotency_key with the same content_hash answers "duplicate"; the same
-- key with other content is refused (idempotency_conflict).
--
-- p_pieces: [{"piece_no": 1, "sort_order": 1, "section_type": "document",
--             "heading": "Title", "parent_piece_no": null, "text": "…"}, …]
DECLARE
    v_actor   text := fn_actor_required();
    v_now     timestamptz := coalesce(p_now, now());
    v_hash    text := lower(btrim(coalesce(p_source_hash, '')));
    v_elem    jsonb;
    v_i       bigint;
    v_dup     integer;
    v_rows    iu_staging_payload[];
    v_content text;
    v_digest  text;
    v_run     bigint;
    v_id      bigint;
    r         iu_staging_record%ROWTYPE;
    v_params  jsonb;
BEGIN
    IF p_idempotency_key IS NULL OR btrim(p_idempotency_key) = '' THEN
        RAISE EXCEPTION 'invalid_manifest: an idempotency_key is required' USING ERRCODE = 'QG004';
    END IF;
    IF p_source_ref IS NULL OR btrim(p_source_ref) = '' THEN
        RAISE EXCEPTION 'invalid_manifest: a source_ref is required' USING ERRCODE = 'QG004';
    END IF;
    IF v_hash !~ '^[0-9a-f]{32,128}$' THEN
        RAISE EXCEPTION 'invalid_manifest: source_hash must be a hex digest (md5 or sha-*), not %', quote_nullable(p_source_hash)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_source_bytes IS NULL OR p_source_bytes < 0 THEN
        RAISE EXCEPTION 'invalid_manifest: source_bytes must be >= 0' USING ERRCODE = 'QG004';
    END IF;
    IF p_doc_code IS NULL OR p_doc_code !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' THEN
        RAISE EXCEPTION 'invalid_manifest: doc_code % must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', quote_nullable(p_doc_code)
            USING ERRCODE = 'QG004';
    END IF;
    IF coalesce(p_source_kind, '') NOT IN ('file', 'inline') THEN
        RAISE EXCEPTION 'invalid_manifest: source_kind must be file or inline, not %', quote_nullable(p_source_kind)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_pieces IS NULL OR jsonb_typeof(p_pieces) <> 'array' OR jsonb_array_length(p_pieces) = 0 THEN
        RAISE EXCEPTION 'invalid_manifest: pieces must be a non-empty JSON array' USING ERRCODE = 'QG004';
    END IF;
    FOR v_elem, v_i IN SELECT value, ordinality FROM jsonb_array_elements(p_pieces) WITH ORDINALITY LOOP
        IF jsonb_typeof(v_elem) <> 'object' THEN
            RAISE EXCEPTION 'invalid_manifest: element % of pieces is not an object', v_i USING ERRCODE = 'QG004';
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_object_keys(v_elem) AS k WHERE lower(k) ~ '^(vector|embedding)') THEN
            RAISE EXCEPTION 'no_vector_in_staging: piece % carries a vector or embedding; staging records are vector_excluded', v_i
                USING ERRCODE = 'QG004';
        END IF;
        IF NOT fn_iu_json_is_int(v_elem -> 'piece_no') OR (v_elem ->> 'piece_no')::integer < 1 THEN
            RAISE EXCEPTION 'invalid_manifest: element % of pieces needs piece_no, a positive integer', v_i USING ERRCODE = 'QG004';
        END IF;
        IF jsonb_typeof(v_elem -> 'text') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'invalid_manifest: piece % needs text, a string', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'sort_order'), 'null') <> 'null' AND NOT fn_iu_json_is_int(v_elem -> 'sort_order') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: sort_order must be an integer or null', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'parent_piece_no'), 'null') <> 'null' AND NOT fn_iu_json_is_int(v_elem -> 'parent_piece_no') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: parent_piece_no must be an integer or null', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'section_type'), 'null') NOT IN ('null', 'string')
           OR coalesce(jsonb_typeof(v_elem -> 'heading'), 'null') NOT IN ('null', 'string') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: section_type and heading must be strings', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
    END LOOP;
    SELECT (e ->> 'piece_no')::integer INTO v_dup
      FROM jsonb_array_elements(p_pieces) e GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1;
    IF v_dup IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_manifest: piece_no % appears more than once', v_dup USING ERRCODE = 'QG004';
    END IF;

    SELECT array_agg(ROW(NULL, NULL, (e ->> 'piece_no')::integer, (e ->> 'sort_order')::integer, e ->> 'section_type',
                         coalesce(e ->> 'heading', ''), (e ->> 'parent_piece_no')::integer, e ->> 'text',
                         md5(e ->> 'text'))::iu_staging_payload
                     ORDER BY (e ->> 'piece_no')::integer)
      INTO v_rows FROM jsonb_array_elements(p_pieces) e;
    v_content := md5(fn_iu_pieces_canonical(v_rows)::text);
    v_digest := fn_iu_manifest_digest(v_hash, p_source_bytes, fn_iu_pieces_canonical(v_rows));
    v_params := jsonb_build_object('idempotency_key', p_idempotency_key, 'source_ref', p_source_ref,
                                   'source_hash', v_hash, 'source_bytes', p_source_bytes, 'doc_code', p_doc_code,
                                   'source_kind', p_source_kind, 'pieces', cardinality(v_rows), 'content_hash', v_content);

    v_run := fn_iu_run_open('mark_file', 'apply', NULL, v_params);
    INSERT INTO iu_staging_record (idempotency_key, content_hash, source_kind, source_ref, source_hash, source_bytes,
                                   doc_code, piece_count, digest, marked_by, marked_at, expires_at, last_run_id)
    VALUES (p_idempotency_key, v_content, p_source_kind, p_source_ref, v_hash, p_source_bytes, p_doc_code,
            cardinality(v_rows), v_digest, v_actor, v_now,
            v_now + make_interval(days => fn_setting_int('iu_core.staging_ttl_days')::integer), v_run)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT * INTO r FROM iu_staging_record WHERE idempotency_key = p_idempotency_key;
        IF r.content_hash <> v_content THEN
            RAISE EXCEPTION 'idempotency_conflict: % was marked as staging record % with content_hash %, not %',
                    p_idempotency_key, r.id, r.content_hash, v_content
                USING ERRCODE = 'QG003';
        END IF;
        PERFORM fn_iu_run_close(v_run, 'duplicate',
                                jsonb_build_object('record_id', r.id, 'lifecycle_status', r.lifecycle_status,
                                                   'detail', 'already marked with the same content'), r.id);
        RETURN jsonb_build_object('status', 'duplicate', 'record_id', r.id, 'run_id', v_run,
                                  'lifecycle_status', r.lifecycle_status, 'digest', r.digest,
                                  'pieces', r.piece_count, 'marked_by', r.marked_by);
    END IF;

    INSERT INTO iu_staging_payload (record_id, piece_no, sort_order, section_type, heading, parent_piece_no,
                                    piece_text, piece_hash)
    SELECT v_id, p.piece_no, p.sort_order, p.section_type, p.heading, p.parent_piece_no, p.piece_text, p.piece_hash
      FROM unnest(v_rows) AS p;

    PERFORM fn_iu_staging_capture('staging.record_created', v_id, v_run,
        jsonb_build_object('doc_code', p_doc_code, 'source_ref', p_source_ref, 'pieces', cardinality(v_rows),
                           'marked_by', v_actor, 'lifecycle_status', 'pending_review'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            jsonb_build_object('record_id', v_id, 'pieces', cardinality(v_rows), 'digest', v_digest,
                                               'content_hash', v_content, 'lifecycle_status', 'pending_review'),
                            v_id);
    RETURN jsonb_build_object('status', 'created', 'record_id', v_id, 'run_id', v_run,
                              'lifecycle_status', 'pending_review', 'digest', v_digest, 'pieces', cardinality(v_rows),
                              'expires_at', (SELECT expires_at FROM iu_staging_record WHERE id = v_id));
END;
$$;

CREATE FUNCTION fn_iu_op_mark_file(
    p_source_ref      text,
    p_source_hash     text,
    p_source_bytes    bigint,
    p_pieces          jsonb,
    p_doc_code        text DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL,
    p_source_kind     text DEFAULT 'file',
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of MARK: the idempotency key defaults to
-- 'file:<source_ref>:<source_hash>' (re-marking an unchanged file is a no-op)
-- and doc_code to the upper-cased file name without its extension.
DECLARE
    v_doc text := p_doc_code;
BEGIN
    IF v_doc IS NULL OR btrim(v_doc) = '' THEN
        v_doc := upper(regexp_replace(
                     regexp_replace(regexp_replace(coalesce(p_source_ref, ''), '^.*/', ''), '\.[^.]*$', ''),
                     '[^A-Za-z0-9_.-]+', '-', 'g'));
        v_doc := left(regexp_replace(v_doc, '^[^A-Za-z0-9]+', ''), 64);
    END IF;
    RETURN fn_iu_mark_create_manifest(
        coalesce(nullif(btrim(p_idempotency_key), ''),
                 p_source_kind || ':' || p_source_ref || ':' || lower(btrim(coalesce(p_source_hash, '')))),
        p_source_ref, p_source_hash, p_source_bytes, v_doc, p_pieces, p_source_kind, p_now);
END;
$$;

-- ---------------------------------------------------------------------------
-- VERIFY-MARK: axis checks
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_axis_result(p_check text, p_problems jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    -- {"check", "ok", "problem_count", "problems": first 100 [{"piece_no", "problem"}]}
    SELECT jsonb_build_object(
        'check', p_check,
        'ok', coalesce(jsonb_array_length(p_problems), 0) = 0,
        'problem_count', coalesce(jsonb_array_length(p_problems), 0),
        'problems', coalesce((SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(p_problems) WITH ORDINALITY AS t(e, i)
                              WHERE i <= 100), '[]'::jsonb));
$$;

CREATE FUNCTION fn_iu_mark_verdict(p_record_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- The verdict of a manifest's pieces, changing nothing:
--   A sort_order complete (1..N) and unique
--   B section_type in the vocabulary (fn_iu_section_types)
--   C parent refs resolvable: the parent is a piece of this manifest, not the
--     piece itself, precedes it, can contain it, and no chain loops
-- {"verdict": "passed" | "problems", "axes": {"A": …, "B": …, "C": …}, …}
DECLARE
    v_expected integer;
    v_n integer;
    v_a jsonb;
    v_b jsonb;
    v_c jsonb;
    v_total integer;
BEGIN
    SELECT piece_count INTO v_expected FROM iu_staging_record WHERE id = p_record_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    SELECT count(*) INTO v_n FROM iu_staging_payload WHERE record_id = p_record_id;

    -- Axis A
    WITH p AS (SELECT piece_no, sort_order FROM iu_staging_payload WHERE record_id = p_record_id),
    problems AS (
        SELECT NULL::integer AS piece_no, format('the manifest lists %s pieces but holds %s', v_expected, v_n) AS problem
         WHERE v_expected <> v_n
        UNION ALL
        SELECT piece_no, 'sort_order is missing' FROM p WHERE sort_order IS NULL
        UNION ALL
        SELECT piece_no, format('sort_order %s is outside 1..%s', sort_order, v_n)
          FROM p WHERE sort_order < 1 OR sort_order > v_n
        UNION ALL
        SELECT a.piece_no, format('sort_order %s is also used by piece %s', a.sort_order,
                                  string_agg(b.piece_no::text, ', ' ORDER BY b.piece_no))
          FROM p a JOIN p b ON b.sort_order = a.sort_order AND b.piece_no <> a.piece_no
         GROUP BY a.piece_no, a.sort_order
        UNION ALL
        SELECT NULL, format('sort_order %s is not used by any piece', s)
          FROM generate_series(1, v_n) AS s WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.sort_order = s)
    )
    SELECT fn_iu_axis_result('sort_order complete (1..N) and unique',
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem', problem)
                                       ORDER BY piece_no NULLS LAST, problem))
      INTO v_a FROM problems;

    -- Axis B
    SELECT fn_iu_axis_result('section_type in the vocabulary: ' || array_to_string(fn_iu_section_types(), ', '),
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem',
                                       CASE WHEN section_type IS NULL THEN 'section_type is missing'
                                            ELSE format('section_type %s is not allowed; allowed values: %s',
                                                        quote_literal(section_type),
                                                        array_to_string(fn_iu_section_types(), ', ')) END)
                                       ORDER BY piece_no))
      INTO v_b
      FROM iu_staging_payload
     WHERE record_id = p_record_id AND (section_type IS NULL OR NOT (section_type = ANY (fn_iu_section_types())));

    -- Axis C
    WITH RECURSIVE p AS (
        SELECT piece_no, sort_order, section_type, parent_piece_no FROM iu_staging_payload WHERE record_id = p_record_id
    ),
    walk (start, cur, path, looped) AS (
        SELECT piece_no, parent_piece_no, ARRAY[piece_no], false
          FROM p WHERE parent_piece_no IS NOT NULL AND parent_piece_no <> piece_no
        UNION ALL
        SELECT w.start, q.parent_piece_no, w.path || w.cur, q.parent_piece_no = ANY (w.path || w.cur)
          FROM walk w JOIN p q ON q.piece_no = w.cur
         WHERE NOT w.looped AND q.parent_piece_no IS NOT NULL
    ),
    problems AS (
        SELECT c.piece_no, 'the piece is its own parent' AS problem
          FROM p c WHERE c.parent_piece_no = c.piece_no
        UNION ALL
        SELECT c.piece_no, format('parent piece %s does not exist in the manifest', c.parent_piece_no)
          FROM p c WHERE c.parent_piece_no IS NOT NULL AND c.parent_piece_no <> c.piece_no
           AND NOT EXISTS (SELECT 1 FROM p x WHERE x.piece_no = c.parent_piece_no)
        UNION ALL
        SELECT c.piece_no, format('parent piece %s (sort_order %s) does not precede it (sort_order %s)',
                                  par.piece_no, par.sort_order, c.sort_order)
          FROM p c JOIN p par ON par.piece_no = c.parent_piece_no AND par.piece_no <> c.piece_no
         WHERE par.sort_order >= c.sort_order
        UNION ALL
        SELECT c.piece_no, format('a preamble has no parent, but names piece %s', c.parent_piece_no)
          FROM p c WHERE c.section_type = 'preamble' AND c.parent_piece_no IS NOT NULL
        UNION ALL
        SELECT c.piece_no, format('parent piece %s is a %s and cannot contain a %s', par.piece_no, par.section_type,
                                  c.section_type)
          FROM p c JOIN p par ON par.piece_no = c.parent_piece_no AND par.piece_no <> c.piece_no
         WHERE fn_iu_section_rank(c.section_type) IS NOT NULL
           AND par.section_type = ANY (fn_iu_section_types())
           AND coalesce(fn_iu_section_rank(par.section_type), 99) >= fn_iu_section_rank(c.section_type)
        UNION ALL
        SELECT w.start, format('the parent chain loops back to it: %s', array_to_string(w.path || w.cur, ' → '))
          FROM walk w WHERE w.looped AND w.cur = w.start
    )
    SELECT fn_iu_axis_result('parent refs resolvable: parent exists in the manifest, precedes and can contain the piece, no cycles',
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem', problem)
                                       ORDER BY piece_no, problem))
      INTO v_c FROM problems;

    v_total := (v_a ->> 'problem_count')::integer + (v_b ->> 'problem_count')::integer
             + (v_c ->> 'problem_count')::integer;
    RETURN jsonb_build_object(
        'verdict', CASE WHEN v_total = 0 THEN 'passed' ELSE 'problems' END,
        'record_id', p_record_id,
        'pieces', v_n,
        'problem_count', v_total,
        'axes', jsonb_build_object('A', v_a, 'B', v_b, 'C', v_c));
END;
$$;

CREATE FUNCTION fn_iu_verify_mark(
    p_record_id       bigint,
    p_apply           boolean DEFAULT false,
    p_approval_doc_id text DEFAULT NULL,
    p_reason          text DEFAULT NULL,
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Dry run (run_mode plan): the verdict, nothing changed but the run row.
-- Apply (run_mode apply): a pending_review manifest whose verdict passes is
-- approved by someone other than its marker, with an approval_doc_id and a
-- reason; a failing verdict is refused (status "refused", with the verdict).
DECLARE
    v_actor   text := fn_actor_required();
    v_now     timestamptz := coalesce(p_now, now());
    r         iu_staging_record%ROWTYPE;
    v_verdict jsonb;
    v_run     bigint;
    v_doc     text := nullif(btrim(coalesce(p_approval_doc_id, '')), '');
    v_failing text;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF coalesce(p_apply, false) THEN
        IF r.lifecycle_status <> 'pending_review' THEN
            RAISE EXCEPTION 'not_pending_review: staging record % is %; only pending_review manifests are approved',
                    r.id, r.lifecycle_status
                USING ERRCODE = 'QG003';
        END IF;
        IF r.expires_at <= v_now THEN
            RAISE EXCEPTION 'expired: staging record % expired at %; mark the source again', r.id, r.expires_at
                USING ERRCODE = 'QG003';
        END IF;
        IF r.marked_by = v_actor THEN
            RAISE EXCEPTION 'four_eyes: approver must differ from marker (% marked staging record %)', v_actor, r.id
                USING ERRCODE = 'QG002';
        END IF;
        IF v_doc IS NULL THEN
            RAISE EXCEPTION 'approval_doc_required: approving staging record % needs an approval_doc_id', r.id
                USING ERRCODE = 'QG008';
        END IF;
        IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
            RAISE EXCEPTION 'reason_required: approving staging record % needs a reason', r.id USING ERRCODE = 'QG008';
        END IF;
    END IF;

    v_verdict := fn_iu_mark_verdict(r.id);
    v_run := fn_iu_run_open('verify_mark', CASE WHEN coalesce(p_apply, false) THEN 'apply' ELSE 'plan' END, r.id,
                            jsonb_build_object('record_id', r.id, 'apply', coalesce(p_apply, false),
                                               'approval_doc_id', v_doc));

    IF NOT coalesce(p_apply, false) THEN
        PERFORM fn_iu_run_close(v_run, v_verdict ->> 'verdict', v_verdict);
        RETURN jsonb_build_object('status', 'dry_run', 'record_id', r.id, 'run_id', v_run,
                                  'lifecycle_status', r.lifecycle_status, 'verdict', v_verdict);
    END IF;

    IF v_verdict ->> 'verdict' <> 'passed' THEN
        SELECT string_agg(format('%s (%s)', key, value ->> 'problem_count'), ', ' ORDER BY key) INTO v_failing
          FROM jsonb_each(v_verdict -> 'axes') WHERE NOT (value ->> 'ok')::boolean;
        PERFORM fn_iu_run_close(v_run, 'refused', v_verdict);
        RETURN jsonb_build_object('status', 'refused', 'record_id', r.id, 'run_id', v_run,
                                  'reason', format('verdict_failed: staging record %s has problems on axis %s', r.id, v_failing),
                                  'lifecycle_status', r.lifecycle_status, 'verdict', v_verdict);
    END IF;

    UPDATE iu_staging_record
       SET lifecycle_status = 'approved', approved_at = v_now, approved_by = v_actor, approval_doc_id = v_doc,
           approval_reason = btrim(p_reason), last_run_id = v_run
     WHERE id = r.id;
    PERFORM fn_iu_staging_capture('staging.record_approved', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'approved_by', v_actor, 'approval_doc_id', v_doc,
                           'marked_by', r.marked_by, 'lifecycle_status', 'approved'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            v_verdict || jsonb_build_object('approved_by', v_actor, 'approval_doc_id', v_doc));
    RETURN jsonb_build_object('status', 'approved', 'record_id', r.id, 'run_id', v_run,
                              'lifecycle_status', 'approved', 'approval_doc_id', v_doc, 'verdict', v_verdict);
END;
$$;

CREATE FUNCTION fn_iu_op_verify_mark(
    p_record_id       bigint,
    p_apply           boolean DEFAULT false,
    p_approval_doc_id text DEFAULT NULL,
    p_reason          text DEFAULT NULL,
    p_now             timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of VERIFY-MARK (dry run by default; p_apply => true approves).
BEGIN
    RETURN fn_iu_verify_mark(p_record_id, p_apply, p_approval_doc_id, p_reason, p_now);
END;
$$;

-- ---------------------------------------------------------------------------
-- REJECT
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_reject_manifest(p_record_id bigint, p_reason text, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
-- pending_review or approved → rejected, with a reason.
DECLARE
    v_actor text := fn_actor_required();
    v_now   timestamptz := coalesce(p_now, now());
    r       iu_staging_record%ROWTYPE;
    v_run   bigint;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status NOT IN ('pending_review', 'approved') THEN
        RAISE EXCEPTION 'not_rejectable: staging record % is %; only pending_review or approved manifests are rejected',
                r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: rejecting staging record % needs a reason', r.id USING ERRCODE = 'QG008';
    END IF;
    v_run := fn_iu_run_open('reject', 'apply', r.id, jsonb_build_object('record_id', r.id));
    UPDATE iu_staging_record
       SET lifecycle_status = 'rejected', rejected_at = v_now, rejected_by = v_actor, rejection_reason = btrim(p_reason),
           last_run_id = v_run
     WHERE id = r.id;
    PERFORM fn_iu_staging_capture('staging.record_rejected', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'rejected_by', v_actor, 'was', r.lifecycle_status,
                           'lifecycle_status', 'rejected'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            jsonb_build_object('record_id', r.id, 'from', r.lifecycle_status, 'to', 'rejected',
                                               'rejected_by', v_actor));
    RETURN jsonb_build_object('status', 'rejected', 'record_id', r.id, 'run_id', v_run, 'was', r.lifecycle_status,
                              'lifecycle_status', 'rejected');
END;
$$;

CREATE FUNCTION fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Operator alias of REJECT.
BEGIN
    RETURN fn_iu_reject_manifest(p_record_id, p_reason, p_now);
END;
$$;

-- The staging producers are live: activate their event types.
UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_mark_create_manifest'
 WHERE event_type = 'staging.record_created';
UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_verify_mark'
 WHERE event_type = 'staging.record_approved';
UPDATE event_type_registry SET status = 'active', producer_ref = 'fn_iu_reject_manifest'
 WHERE event_type = 'staging.record_rejected';
