-- Why: every named rule explains itself where it is enforced. A refusal then
-- reads "<rule>: <what the rule is and what to do>" (docs/architecture.md,
-- "Refusals"; queuegov.errors.explain reads COMMENT ON CONSTRAINT) instead of
-- PostgreSQL's 'new row for relation "x" violates check constraint "y"'. Each
-- app comments the rules of the tables and DOMAINs it created
-- (docs/architecture.md, "Who owns what"); these are the governance core's: the
-- vocabulary DOMAINs, event domains, dot_config, the audit trail and gate
-- change requests.

-- ---------------------------------------------------------------------------
-- DOMAINs
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT event_stream_allowed ON DOMAIN qg_event_stream IS
    'an event stream is one of comment, review, update, birth, task, alert or health: use one of those';
COMMENT ON CONSTRAINT delivery_lane_allowed ON DOMAIN qg_delivery_lane IS
    'an event''s delivery lane is immediate or delayed: use one of those two';
COMMENT ON CONSTRAINT severity_allowed ON DOMAIN qg_severity IS
    'a severity is info, warning or critical, or left empty: use one of those';
COMMENT ON CONSTRAINT payload_classification_allowed ON DOMAIN qg_payload_classification IS
    'a payload is classified safe_metadata or restricted: use one of those two';
COMMENT ON CONSTRAINT executor_kind_allowed ON DOMAIN qg_executor_kind IS
    'an executor kind is one of DOT, Agent, Hermes, Codex, PG_worker, external_worker or future_Kestra_adapter: use one of those, spelled exactly';
COMMENT ON CONSTRAINT payload_prohibited_key ON DOMAIN qg_safe_payload IS
    'a transient payload carries references and metadata only, never a key such as body, content, raw, vector, embedding, secret, token, password, ssn or personal_data (at any depth, however spelled): remove the key and pass a reference to the data instead';

-- ---------------------------------------------------------------------------
-- event_domain_registry
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT event_domain_name_format ON event_domain_registry IS
    'an event domain name is 2 to 63 lowercase letters, digits or _, starting with a letter: rename the domain to fit';
COMMENT ON CONSTRAINT event_domain_status_allowed ON event_domain_registry IS
    'an event domain is active or retired: use one of those two';

-- ---------------------------------------------------------------------------
-- dot_config, dot_config_history
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT config_key_format ON dot_config IS
    'a config key is two or more dot-separated parts of lowercase letters, digits and _, each starting with a letter (like queue.worker.enabled): rename the key to fit';
COMMENT ON CONSTRAINT config_kind_allowed ON dot_config IS
    'a config key is either a gate or a setting: use one of those two kinds';
COMMENT ON CONSTRAINT config_value_type_allowed ON dot_config IS
    'a config value type is boolean or integer: use one of those two';
COMMENT ON CONSTRAINT config_gate_is_boolean ON dot_config IS
    'a gate is an on/off switch, so its value type is boolean: make it boolean, or make the key a setting';
COMMENT ON CONSTRAINT config_value_matches_type ON dot_config IS
    'a config value fits its key: true or false for a boolean, a whole number within the key''s min_value and max_value (where set) for an integer; ask for a value of that kind and range';
COMMENT ON CONSTRAINT config_history_operation_allowed ON dot_config_history IS
    'a config history row records an INSERT, UPDATE or DELETE of dot_config: the history trigger writes these rows, never write one by hand';

-- ---------------------------------------------------------------------------
-- admin_action_audit, admin_action_audit_chain_head
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT audit_action_not_blank ON admin_action_audit IS
    'an audit row names the action it records: pass a non-empty action name';
COMMENT ON CONSTRAINT audit_outcome_allowed ON admin_action_audit IS
    'an audit row''s outcome is applied, refused, failed or dry_run: record one of those';
COMMENT ON CONSTRAINT audit_source_allowed ON admin_action_audit IS
    'an audit row''s source is admin, command, worker or sql: record one of those';
COMMENT ON CONSTRAINT audit_chain_head_single ON admin_action_audit_chain_head IS
    'the audit hash chain has exactly one head row: never add another, appending to the audit trail moves the existing one';

-- ---------------------------------------------------------------------------
-- gate_change_request
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT gate_change_request_config_key_fkey ON gate_change_request IS
    'a gate change names a gate or setting that exists in dot_config: check the key''s spelling (new keys come with migrations)';
COMMENT ON CONSTRAINT gate_change_reason_required ON gate_change_request IS
    'a gate change request gives a reason of at least 3 characters: say why the change is needed';
COMMENT ON CONSTRAINT gate_change_status_allowed ON gate_change_request IS
    'a gate change request is pending, applied, rejected or withdrawn: move it only with fn_gate_change_approve, fn_gate_change_reject or fn_gate_change_withdraw';
COMMENT ON CONSTRAINT four_eyes_decider_differs ON gate_change_request IS
    'a gate change is approved or rejected by someone other than its requester (four eyes): ask a second person to decide it';
COMMENT ON CONSTRAINT gate_change_decision_complete ON gate_change_request IS
    'a pending gate change has no decider and no decision time, a decided one has both: decide it with fn_gate_change_approve, fn_gate_change_reject or fn_gate_change_withdraw';
COMMENT ON CONSTRAINT gate_change_changes_something ON gate_change_request IS
    'a gate change request changes the value: ask for a value different from the current one';
