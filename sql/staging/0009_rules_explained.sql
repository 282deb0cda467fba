-- Why: every named rule explains itself where it is enforced, so a refusal
-- reads "<rule>: <what the rule is and what to do>" (docs/architecture.md,
-- "Refusals"; queuegov.errors.explain reads COMMENT ON CONSTRAINT). Each app
-- comments the rules of the tables and DOMAINs it created
-- (docs/architecture.md, "Who owns what"); these are the staging workflow's.

-- ---------------------------------------------------------------------------
-- DOMAIN
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT section_type_allowed ON DOMAIN qg_section_type IS
    'a section type is preamble, document, chapter, section, subsection or paragraph: mark the piece with one of those';

-- ---------------------------------------------------------------------------
-- Command catalogue, run ledger and runtime leases
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT iu_command_name_format ON dot_iu_command_catalog IS
    'a staging command name is 2 to 41 lowercase letters or _, starting with a letter: rename the command to fit';
COMMENT ON CONSTRAINT iu_command_run_modes_allowed ON dot_iu_command_catalog IS
    'a staging command runs in one or more of the modes plan, apply and verify: list at least one of those and nothing else';

COMMENT ON CONSTRAINT dot_iu_command_run_command_fkey ON dot_iu_command_run IS
    'a run names a command listed in dot_iu_command_catalog: use a catalogued command such as mark_file, verify_mark, reject, cut, verify_cut or cleanup';
COMMENT ON CONSTRAINT dot_iu_command_run_linked_run_id_fkey ON dot_iu_command_run IS
    'a run links only to an existing run: check the linked run id';
COMMENT ON CONSTRAINT dot_iu_command_run_record_fk ON dot_iu_command_run IS
    'a run names an existing staging record: check the record id';
COMMENT ON CONSTRAINT iu_run_mode_allowed ON dot_iu_command_run IS
    'a run''s mode is plan, apply or verify: use one of those three';
COMMENT ON CONSTRAINT iu_run_status_allowed ON dot_iu_command_run IS
    'a run''s status is one of running, succeeded, duplicate, nothing_to_do, planned, passed, problems, refused, verified or no_vector_ok: close the run with one of those';
COMMENT ON CONSTRAINT iu_run_params_digest_md5 ON dot_iu_command_run IS
    'a run''s params digest is an md5 (32 lowercase hex characters): let fn_iu_run_open compute it';
COMMENT ON CONSTRAINT iu_run_mode_fits_command ON dot_iu_command_run IS
    'only verify_cut runs in verify mode: run other commands in plan or apply mode';
COMMENT ON CONSTRAINT iu_run_finished_unless_running ON dot_iu_command_run IS
    'a run is running exactly when it has no finish time: close it with fn_iu_run_close, which sets both';

COMMENT ON CONSTRAINT iu_lease_name_format ON dot_iu_runtime_lease IS
    'a lease name is 2 to 63 lowercase letters, digits, _ or ., starting with a letter: rename the lease to fit';
COMMENT ON CONSTRAINT dot_iu_runtime_lease_run_id_fkey ON dot_iu_runtime_lease IS
    'a runtime lease is held by an existing run: check the run id';
COMMENT ON CONSTRAINT iu_lease_held_fields ON dot_iu_runtime_lease IS
    'a held lease has a holder, an acquired time and an expiry, a free one none of them: take and give it back with fn_iu_runtime_lease_acquire and fn_iu_runtime_lease_release';

-- ---------------------------------------------------------------------------
-- Manifests and their pieces
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT iu_staging_record_idempotency_key_key ON iu_staging_record IS
    'a manifest''s idempotency key is used once: this manifest is already marked, so work with the existing staging record';
COMMENT ON CONSTRAINT iu_idempotency_key_not_blank ON iu_staging_record IS
    'a manifest''s idempotency key is not blank: give a non-empty key, or let fn_iu_op_mark_file derive one';
COMMENT ON CONSTRAINT iu_content_hash_md5 ON iu_staging_record IS
    'a manifest''s content hash is an md5 (32 lowercase hex characters): let the marking function compute it';
COMMENT ON CONSTRAINT iu_source_kind_allowed ON iu_staging_record IS
    'a manifest''s source is a file or inline text: use file or inline';
COMMENT ON CONSTRAINT iu_source_ref_not_blank ON iu_staging_record IS
    'a manifest names its source: give the file path, or a reference for inline text';
COMMENT ON CONSTRAINT iu_source_hash_hex ON iu_staging_record IS
    'a source hash is 32 to 128 lowercase hex characters (md5 up to sha512): give the source''s hash in lowercase hex';
COMMENT ON CONSTRAINT iu_source_bytes_non_negative ON iu_staging_record IS
    'a source''s size in bytes is 0 or more: give the source''s real size';
COMMENT ON CONSTRAINT iu_doc_code_format ON iu_staging_record IS
    'a document code is 1 to 64 letters, digits or _ . -, starting with a letter or digit: give a document code that fits';
COMMENT ON CONSTRAINT iu_piece_count_positive ON iu_staging_record IS
    'a manifest has at least one piece: mark a source that is not empty';
COMMENT ON CONSTRAINT digest_is_32_hex ON iu_staging_record IS
    'a manifest''s digest is an md5 (32 lowercase hex characters): let the marking function compute it';
COMMENT ON CONSTRAINT iu_lifecycle_status_allowed ON iu_staging_record IS
    'a manifest''s lifecycle status is pending_review, approved, rejected, consumed, expired, cleaned or archived: move it only through the staging commands';
COMMENT ON CONSTRAINT vector_excluded_forced ON iu_staging_record IS
    'staging never holds vectors or embeddings, so vector_excluded is always true: leave it true';
COMMENT ON CONSTRAINT four_eyes_approver_differs ON iu_staging_record IS
    'a manifest is approved by someone other than the person who marked it (four eyes): ask a second person to approve it';
COMMENT ON CONSTRAINT iu_approval_complete ON iu_staging_record IS
    'an approval has its time, its approver and its approval document together: approve with fn_iu_op_verify_mark in apply mode, naming the approval document';
COMMENT ON CONSTRAINT iu_approved_has_approval ON iu_staging_record IS
    'an approved manifest carries its approval: approve it with fn_iu_op_verify_mark in apply mode instead of setting the status';
COMMENT ON CONSTRAINT iu_approval_doc_not_blank ON iu_staging_record IS
    'an approval names its approval document: give the non-blank id of the document that records the approval';
COMMENT ON CONSTRAINT iu_rejection_complete ON iu_staging_record IS
    'a rejection records both when and by whom, and a rejected manifest has them: reject it with fn_iu_op_reject';
COMMENT ON CONSTRAINT iu_consumed_has_run ON iu_staging_record IS
    'a consumed manifest names the cut run that consumed it: consume a manifest only by cutting it (fn_iu_op_cut)';
COMMENT ON CONSTRAINT iu_staging_record_consumed_by_run_id_fkey ON iu_staging_record IS
    'a manifest is consumed by an existing run: check the run id';
COMMENT ON CONSTRAINT iu_staging_record_last_run_id_fkey ON iu_staging_record IS
    'a manifest''s last run is an existing run: check the run id';
COMMENT ON CONSTRAINT iu_expires_after_marked ON iu_staging_record IS
    'a manifest expires after it was marked: keep the setting iu_core.staging_ttl_days at 1 or more';

COMMENT ON CONSTRAINT iu_staging_payload_id_key ON iu_staging_payload IS
    'each piece has its own generated id: never set or copy an id by hand';
COMMENT ON CONSTRAINT iu_staging_payload_record_id_fkey ON iu_staging_payload IS
    'a piece belongs to an existing staging record: mark the manifest first (fn_iu_op_mark_file)';
COMMENT ON CONSTRAINT iu_piece_no_positive ON iu_staging_payload IS
    'pieces are numbered from 1: give a piece number of 1 or more';
COMMENT ON CONSTRAINT iu_piece_hash_md5 ON iu_staging_payload IS
    'a piece''s hash is the md5 of its text (32 lowercase hex characters): let the marking function compute it';

-- ---------------------------------------------------------------------------
-- Information units and the lifecycle log
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT information_unit_consumed_from_record_id_fkey ON information_unit IS
    'an information unit comes from an existing staging record: units are made by cutting an approved manifest (fn_iu_op_cut)';
COMMENT ON CONSTRAINT information_unit_created_by_run_id_fkey ON information_unit IS
    'an information unit names the existing run that created it: units are made by cutting an approved manifest (fn_iu_op_cut)';
COMMENT ON CONSTRAINT information_unit_parent_id_fkey ON information_unit IS
    'an information unit''s parent is an existing unit: check the parent id';
COMMENT ON CONSTRAINT information_unit_superseded_by_run_id_fkey ON information_unit IS
    'an information unit is superseded by an existing run: check the run id';
COMMENT ON CONSTRAINT iu_unit_sort_order_positive ON information_unit IS
    'a unit''s sort order is 1 or more: number units from 1';
COMMENT ON CONSTRAINT iu_unit_body_hash_md5 ON information_unit IS
    'a unit''s body hash is the md5 of its body (32 lowercase hex characters): let the cut compute it';
COMMENT ON CONSTRAINT iu_unit_not_own_parent ON information_unit IS
    'an information unit is not its own parent: give another unit as parent, or none';
COMMENT ON CONSTRAINT iu_unit_supersession_complete ON information_unit IS
    'a superseded unit names both when and by which run, a current one neither: supersede units only by cutting the document again';
COMMENT ON CONSTRAINT iu_unit_one_per_piece ON information_unit IS
    'each piece of a manifest becomes one information unit: this piece is already cut, so use its existing unit';

COMMENT ON CONSTRAINT iu_lifecycle_log_record_id_fkey ON iu_lifecycle_log IS
    'a lifecycle log row names an existing staging record: the lifecycle trigger writes these rows, check the record id';
COMMENT ON CONSTRAINT iu_lifecycle_log_run_id_fkey ON iu_lifecycle_log IS
    'a lifecycle log row names an existing run, or none: check the run id';
