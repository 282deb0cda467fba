-- Why: the tables of the staging workflow (SPEC §7): MARK → VERIFY-MARK →
-- APPROVE → CUT → VERIFY-CUT → CLEANUP over information units.
--
-- * iu_staging_record is one marked manifest: a source file split into
--   pieces, waiting for review; its lifecycle_status is the work-queue
--   selector. Its transitions are enforced by the pgtrigger FSM declared on
--   staging.models.StagingRecord (installed by migration 0005_triggers) and
--   logged to iu_lifecycle_log by the trigger below.
-- * iu_staging_payload holds the pieces (their text is allowed here; vectors
--   and content-derived embeddings are not: no such column exists, and
--   vector_excluded is forced true on the record).
-- * information_unit is the durable store the CUT materialises.
-- * dot_iu_command_catalog / dot_iu_command_run are the command catalogue
--   and the run ledger (one row per step); dot_iu_runtime_lease serialises
--   operator runs that must not overlap (two cleanups).

-- ---------------------------------------------------------------------------
-- Vocabularies
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_section_types() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        'preamble',    -- text before the first heading
        'document',    -- heading level 1
        'chapter',     -- heading level 2
        'section',     -- heading level 3
        'subsection',  -- heading level 4
        'paragraph'    -- heading level 5 and 6, or a block of a text file without headings
    ];
$$;

-- Axis B of verify-mark reads the same list; information_unit refuses any other value.
CREATE DOMAIN qg_section_type AS text
    CONSTRAINT section_type_allowed CHECK (fn_vocabulary_check('section_type', VALUE, fn_iu_section_types()));

CREATE FUNCTION fn_iu_section_rank(p_section_type text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    -- Containers rank above what they contain (axis C: a parent ranks lower
    -- than its child); a preamble contains nothing.
    SELECT CASE p_section_type
        WHEN 'document' THEN 1 WHEN 'chapter' THEN 2 WHEN 'section' THEN 3
        WHEN 'subsection' THEN 4 WHEN 'paragraph' THEN 5 END;
$$;

-- ---------------------------------------------------------------------------
-- Command catalogue and run ledger
-- ---------------------------------------------------------------------------
CREATE TABLE dot_iu_command_catalog (
    command          text PRIMARY KEY CONSTRAINT iu_command_name_format CHECK (command ~ '^[a-z][a-z_]{1,40}$'),
    operator_alias   text NOT NULL,
    primitive        text NOT NULL,
    run_modes        text[] NOT NULL
        CONSTRAINT iu_command_run_modes_allowed CHECK (cardinality(run_modes) > 0 AND run_modes <@ ARRAY['plan', 'apply', 'verify']),
    -- gates and settings whose values each run records in its gate_snapshot
    snapshot_keys    text[] NOT NULL DEFAULT '{}',
    event_types      text[] NOT NULL DEFAULT '{}',
    description      text NOT NULL
);
COMMENT ON TABLE dot_iu_command_catalog IS 'The staging commands, their run modes and the gates/settings each run snapshots.';

INSERT INTO dot_iu_command_catalog (command, operator_alias, primitive, run_modes, snapshot_keys, event_types, description) VALUES
    ('mark_file',   'fn_iu_op_mark_file',        'fn_iu_mark_create_manifest', ARRAY['apply'],
     ARRAY['event.emit_enabled', 'iu_core.staging_ttl_days'], ARRAY['staging.record_created'],
     'MARK: record a manifest of a source split into pieces (pending_review)'),
    ('verify_mark', 'fn_iu_op_verify_mark',      'fn_iu_verify_mark',          ARRAY['plan', 'apply'],
     ARRAY['event.emit_enabled'], ARRAY['staging.record_approved'],
     'VERIFY-MARK: axis checks A/B/C; plan = dry run, apply = approve a passing manifest (four-eyes)'),
    ('reject',      'fn_iu_op_reject',           'fn_iu_reject_manifest',      ARRAY['apply'],
     ARRAY['event.emit_enabled'], ARRAY['staging.record_rejected'],
     'REJECT: refuse a pending or approved manifest, with a reason'),
    ('cut',         'fn_iu_op_cut',              'fn_iu_cut_from_manifest',    ARRAY['apply'],
     ARRAY['event.emit_enabled'], ARRAY['staging.record_consumed', 'iu.unit_created'],
     'CUT: guards G1-G7, then materialise information units and consume the manifest'),
    ('verify_cut',  'fn_iu_op_verify_cut',       'fn_iu_verify_cut_result',    ARRAY['verify'],
     ARRAY['event.emit_enabled'], ARRAY['iu.cut_verified'],
     'VERIFY-CUT: axis checks A/B/C on the units of a cut; verdict verified, problems or no_vector_ok'),
    ('cleanup',     'fn_iu_op_cleanup_dry_run',  'fn_iu_staging_cleanup',      ARRAY['plan', 'apply'],
     ARRAY['iu_core.retention_enabled', 'iu_core.staging_ttl_days', 'iu_core.clean_after_days',
           'iu_core.archive_after_days', 'event.emit_enabled'], ARRAY['staging.record_cleaned'],
     'CLEANUP: expire, clean (payload deleted) and archive staging records; apply gated by iu_core.retention_enabled');

CREATE TABLE dot_iu_command_run (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command        text NOT NULL REFERENCES dot_iu_command_catalog (command),
    run_mode       text NOT NULL
        CONSTRAINT iu_run_mode_allowed CHECK (run_mode IN (
            'plan',    -- evaluated, nothing changed (dry run)
            'apply',   -- the effect happened (or was refused with evidence)
            'verify'   -- a read-only health check of an earlier run
        )),
    run_status     text NOT NULL DEFAULT 'running'
        CONSTRAINT iu_run_status_allowed CHECK (run_status IN (
            'running',        -- open (only ever seen inside its own transaction)
            'succeeded',      -- the effect happened
            'duplicate',      -- nothing to do: the same manifest was already marked
            'nothing_to_do',  -- nothing was eligible
            'planned',        -- a dry run computed what apply would do
            'passed',         -- verify-mark: every axis passed
            'problems',       -- verify-mark / verify-cut: at least one axis failed
            'refused',        -- apply refused by its verdict (evidence says why)
            'verified',       -- verify-cut: units match the manifest on every axis
            'no_vector_ok'    -- verify-cut: structure sound and vector-free; manifest already cleaned
        )),
    record_id      bigint,
    linked_run_id  bigint REFERENCES dot_iu_command_run (id),
    params         qg_safe_payload NOT NULL DEFAULT '{}',
    params_digest  text NOT NULL CONSTRAINT iu_run_params_digest_md5 CHECK (params_digest ~ '^[0-9a-f]{32}$'),
    gate_snapshot  jsonb NOT NULL DEFAULT '{}',
    evidence       qg_safe_payload NOT NULL DEFAULT '{}',
    actor          text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    txid           bigint NOT NULL DEFAULT txid_current(),
    CONSTRAINT iu_run_mode_fits_command CHECK (run_mode <> 'verify' OR command = 'verify_cut'),
    CONSTRAINT iu_run_finished_unless_running CHECK ((run_status = 'running') = (finished_at IS NULL))
);
CREATE INDEX dot_iu_command_run_record ON dot_iu_command_run (record_id, id DESC);
CREATE INDEX dot_iu_command_run_command ON dot_iu_command_run (command, started_at DESC);
CREATE INDEX dot_iu_command_run_linked ON dot_iu_command_run (linked_run_id) WHERE linked_run_id IS NOT NULL;
COMMENT ON TABLE dot_iu_command_run IS 'The run ledger: one row per staging step (run mode, status, params digest, gate snapshot, evidence, actor, timings).';

CREATE TABLE dot_iu_runtime_lease (
    lease_name   text PRIMARY KEY CONSTRAINT iu_lease_name_format CHECK (lease_name ~ '^[a-z][a-z0-9_.]{1,62}$'),
    holder       text,
    run_id       bigint REFERENCES dot_iu_command_run (id),
    acquired_at  timestamptz,
    expires_at   timestamptz,
    released_at  timestamptz,
    CONSTRAINT iu_lease_held_fields CHECK ((holder IS NULL) = (expires_at IS NULL) AND (holder IS NULL) = (acquired_at IS NULL))
);
COMMENT ON TABLE dot_iu_runtime_lease IS 'Named leases serialising operator runs that must not overlap; a holder past expires_at has lost it.';
INSERT INTO dot_iu_runtime_lease (lease_name) VALUES ('staging_cleanup');

-- ---------------------------------------------------------------------------
-- Manifests and their pieces
-- ---------------------------------------------------------------------------
CREATE TABLE iu_staging_record (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key    text NOT NULL UNIQUE CONSTRAINT iu_idempotency_key_not_blank CHECK (length(btrim(idempotency_key)) > 0),
    content_hash       text NOT NULL CONSTRAINT iu_content_hash_md5 CHECK (content_hash ~ '^[0-9a-f]{32}$'),
    source_kind        text NOT NULL DEFAULT 'file'
        CONSTRAINT iu_source_kind_allowed CHECK (source_kind IN (
            'file',    -- a file read from disk by the marking command
            'inline'   -- text handed to the SQL API by an external executor
        )),
    source_ref         text NOT NULL CONSTRAINT iu_source_ref_not_blank CHECK (length(btrim(source_ref)) > 0),
    source_hash        text NOT NULL CONSTRAINT iu_source_hash_hex CHECK (source_hash ~ '^[0-9a-f]{32,128}$'),
    source_bytes       bigint NOT NULL CONSTRAINT iu_source_bytes_non_negative CHECK (source_bytes >= 0),
    doc_code           text NOT NULL CONSTRAINT iu_doc_code_format CHECK (doc_code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    piece_count        integer NOT NULL CONSTRAINT iu_piece_count_positive CHECK (piece_count > 0),
    -- md5(source_hash ‖ source_bytes ‖ pieces::text), pieces = fn_iu_manifest_pieces(id)
    digest             text NOT NULL CONSTRAINT digest_is_32_hex CHECK (digest ~ '^[0-9a-f]{32}$'),
    lifecycle_status   text NOT NULL DEFAULT 'pending_review'
        CONSTRAINT iu_lifecycle_status_allowed CHECK (lifecycle_status IN (
            'pending_review',  -- marked, waiting for verify-mark and approval
            'approved',        -- passed verify-mark, approved by a second person
            'rejected',        -- refused by a reviewer
            'consumed',        -- cut into information units
            'expired',         -- not cut before expires_at
            'cleaned',         -- payload deleted by cleanup
            'archived'         -- kept for the record only
        )),
    -- no vectors or content-derived embeddings in staging, ever
    vector_excluded    boolean NOT NULL DEFAULT true CONSTRAINT vector_excluded_forced CHECK (vector_excluded),
    marked_by          text NOT NULL,
    marked_at          timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    approved_at        timestamptz,
    approved_by        text,
    approval_doc_id    text,
    approval_reason    text,
    rejected_at        timestamptz,
    rejected_by        text,
    rejection_reason   text,
    consumed_at        timestamptz,
    consumed_by_run_id bigint REFERENCES dot_iu_command_run (id),
    expired_at         timestamptz,
    cleaned_at         timestamptz,
    archived_at        timestamptz,
    last_run_id        bigint REFERENCES dot_iu_command_run (id),
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT four_eyes_approver_differs CHECK (approved_by IS DISTINCT FROM marked_by),
    CONSTRAINT iu_approval_complete CHECK (
        (approved_at IS NULL) = (approved_by IS NULL) AND (approved_at IS NULL) = (approval_doc_id IS NULL)),
    CONSTRAINT iu_approved_has_approval CHECK (lifecycle_status <> 'approved' OR approved_at IS NOT NULL),
    CONSTRAINT iu_approval_doc_not_blank CHECK (approval_doc_id IS NULL OR length(btrim(approval_doc_id)) > 0),
    CONSTRAINT iu_rejection_complete CHECK ((rejected_at IS NULL) = (rejected_by IS NULL)
        AND (lifecycle_status <> 'rejected' OR rejected_at IS NOT NULL)),
    CONSTRAINT iu_consumed_has_run CHECK (lifecycle_status <> 'consumed' OR consumed_by_run_id IS NOT NULL),
    CONSTRAINT iu_expires_after_marked CHECK (expires_at > marked_at)
);
CREATE INDEX iu_staging_record_lifecycle ON iu_staging_record (lifecycle_status, expires_at);
CREATE INDEX iu_staging_record_marked_at ON iu_staging_record (marked_at DESC);
CREATE INDEX iu_staging_record_doc ON iu_staging_record (doc_code, id DESC);
CREATE INDEX iu_staging_record_source ON iu_staging_record (source_ref, id DESC);
COMMENT ON TABLE iu_staging_record IS 'One marked manifest; lifecycle_status is the work-queue selector (pgtrigger FSM).';

ALTER TABLE dot_iu_command_run
    ADD CONSTRAINT dot_iu_command_run_record_fk FOREIGN KEY (record_id) REFERENCES iu_staging_record (id);

CREATE TABLE iu_staging_payload (
    -- a surrogate for the admin; the key is (record_id, piece_no)
    id               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    record_id        bigint NOT NULL REFERENCES iu_staging_record (id),
    piece_no         integer NOT NULL CONSTRAINT iu_piece_no_positive CHECK (piece_no > 0),
    -- as marked: axis A of verify-mark checks it, so it is not constrained here
    sort_order       integer,
    -- as marked: axis B checks it against qg_section_type
    section_type     text,
    heading          text NOT NULL DEFAULT '',
    -- as marked: axis C checks it resolves inside the manifest
    parent_piece_no  integer,
    piece_text       text NOT NULL,
    piece_hash       text NOT NULL CONSTRAINT iu_piece_hash_md5 CHECK (piece_hash ~ '^[0-9a-f]{32}$'),
    PRIMARY KEY (record_id, piece_no)
);
COMMENT ON TABLE iu_staging_payload IS 'The pieces of a manifest (text allowed; no vector or embedding columns). Deleted by cleanup.';

-- ---------------------------------------------------------------------------
-- Information units (the durable store)
-- ---------------------------------------------------------------------------
CREATE TABLE information_unit (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_code                text NOT NULL,
    section_code            text NOT NULL,
    section_type            qg_section_type NOT NULL,
    sort_order              integer NOT NULL CONSTRAINT iu_unit_sort_order_positive CHECK (sort_order > 0),
    parent_id               bigint REFERENCES information_unit (id),
    title                   text NOT NULL DEFAULT '',
    body                    text NOT NULL,
    body_hash               text NOT NULL CONSTRAINT iu_unit_body_hash_md5 CHECK (body_hash ~ '^[0-9a-f]{32}$'),
    piece_no                integer NOT NULL,
    consumed_from_record_id bigint NOT NULL REFERENCES iu_staging_record (id),
    created_by_run_id       bigint NOT NULL REFERENCES dot_iu_command_run (id),
    created_by              text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- a later cut of the same doc_code supersedes the current units
    superseded_at           timestamptz,
    superseded_by_run_id    bigint REFERENCES dot_iu_command_run (id),
    CONSTRAINT iu_unit_not_own_parent CHECK (parent_id IS DISTINCT FROM id),
    CONSTRAINT iu_unit_supersession_complete CHECK ((superseded_at IS NULL) = (superseded_by_run_id IS NULL)),
    CONSTRAINT iu_unit_one_per_piece UNIQUE (consumed_from_record_id, piece_no)
);
CREATE UNIQUE INDEX information_unit_current_section
    ON information_unit (doc_code, section_code) WHERE superseded_at IS NULL;
CREATE INDEX information_unit_run ON information_unit (created_by_run_id, sort_order);
CREATE INDEX information_unit_parent ON information_unit (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX information_unit_doc ON information_unit (doc_code, sort_order) WHERE superseded_at IS NULL;
COMMENT ON TABLE information_unit IS 'Information units materialised by CUT from approved manifests.';

-- ---------------------------------------------------------------------------
-- Lifecycle log (written by trigger on every lifecycle_status change)
-- ---------------------------------------------------------------------------
CREATE TABLE iu_lifecycle_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id    bigint NOT NULL REFERENCES iu_staging_record (id),
    from_status  text,
    to_status    text NOT NULL,
    actor        text NOT NULL,
    run_id       bigint REFERENCES dot_iu_command_run (id),
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid         bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX iu_lifecycle_log_record ON iu_lifecycle_log (record_id, id);

CREATE FUNCTION fn_iu_lifecycle_log_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iu_lifecycle_log (record_id, from_status, to_status, actor, run_id)
    VALUES (NEW.id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_status END,
            NEW.lifecycle_status,
            coalesce(nullif(current_setting('queuegov.actor', true), ''), 'sql:' || session_user),
            NEW.last_run_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER iu_staging_record_lifecycle_log_insert
    AFTER INSERT ON iu_staging_record
    FOR EACH ROW EXECUTE FUNCTION fn_iu_lifecycle_log_capture();
CREATE TRIGGER iu_staging_record_lifecycle_log_update
    AFTER UPDATE OF lifecycle_status ON iu_staging_record
    FOR EACH ROW WHEN (OLD.lifecycle_status IS DISTINCT FROM NEW.lifecycle_status)
    EXECUTE FUNCTION fn_iu_lifecycle_log_capture();

CREATE FUNCTION fn_iu_staging_record_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;
CREATE TRIGGER iu_staging_record_touch BEFORE UPDATE ON iu_staging_record
    FOR EACH ROW EXECUTE FUNCTION fn_iu_staging_record_touch();

-- Payload rows leave only with their manifest's clean pass (the record is
-- cleaned first), so a manifest that is still live cannot lose pieces.
CREATE FUNCTION fn_iu_staging_payload_delete_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
BEGIN
    SELECT lifecycle_status INTO v_status FROM iu_staging_record WHERE id = OLD.record_id;
    IF v_status IS DISTINCT FROM 'cleaned' THEN
        RAISE EXCEPTION 'official_interface: pieces of staging record % (%) are deleted only by the cleanup clean pass',
                OLD.record_id, v_status
            USING ERRCODE = 'QG006';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER iu_staging_payload_delete_guard BEFORE DELETE ON iu_staging_payload
    FOR EACH ROW EXECUTE FUNCTION fn_iu_staging_payload_delete_guard();
