-- Why: every named rule explains itself where it is enforced, so a refusal
-- reads "<rule>: <what the rule is and what to do>" (docs/architecture.md,
-- "Refusals"; queuegov.errors.explain reads COMMENT ON CONSTRAINT). Each app
-- comments the rules of the tables it created (docs/architecture.md, "Who owns
-- what"); these are the event pipeline's. event_outbox (and its partitions) has
-- no named rule of this kind.

-- ---------------------------------------------------------------------------
-- event_type_registry
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT event_type_format ON event_type_registry IS
    'an event type is a dotted lowercase name of two or more parts (letters, digits, _), like staging.record_created: rename the type to fit';
COMMENT ON CONSTRAINT event_type_registry_event_domain_fkey ON event_type_registry IS
    'an event type''s domain must be registered in event_domain_registry first: pick a registered domain or check its spelling';
COMMENT ON CONSTRAINT event_type_in_its_domain ON event_type_registry IS
    'an event type''s first part is its domain (staging.record_created belongs to staging): rename the type or give the matching domain';
COMMENT ON CONSTRAINT event_type_status_allowed ON event_type_registry IS
    'an event type is draft, active or retired: change it with fn_event_type_set_status';
COMMENT ON CONSTRAINT active_event_type_has_producer ON event_type_registry IS
    'an active event type names the function or module that emits it: set producer_ref before making the type active';

-- ---------------------------------------------------------------------------
-- event_pending, event_subject_key
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT event_pending_event_type_fkey ON event_pending IS
    'a captured event names a type registered in event_type_registry: register the type first, or check its spelling';
COMMENT ON CONSTRAINT event_subject_key_id_key ON event_subject_key IS
    'each subject key row has its own generated id: never set or copy an id by hand';

-- ---------------------------------------------------------------------------
-- event_subscription, event_read
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT subscription_event_type_format ON event_subscription IS
    'a subscription''s event type is a lowercase dotted name, or a prefix ending in * such as staging.*: correct the pattern';
COMMENT ON CONSTRAINT event_subscription_event_domain_fkey ON event_subscription IS
    'a subscription''s event domain must be registered in event_domain_registry: pick a registered domain or check its spelling';
COMMENT ON CONSTRAINT subscription_recipient_kind_allowed ON event_subscription IS
    'a subscription''s recipient is a user, group, role or executor: use one of those four kinds';
COMMENT ON CONSTRAINT subscription_recipient_ref_not_blank ON event_subscription IS
    'a subscription names its recipient: give the username, group, role or executor name';
COMMENT ON CONSTRAINT subscription_matches_something ON event_subscription IS
    'a subscription names at least one of an event type, a domain or a stream: give one of them';
COMMENT ON CONSTRAINT subscription_unique ON event_subscription IS
    'this recipient already has this subscription: enable the existing one (fn_event_subscription_set_enabled) instead of adding another';

COMMENT ON CONSTRAINT event_read_once_per_recipient ON event_read IS
    'an event reaches each recipient''s inbox once: it is already delivered to this recipient, so there is nothing to add';
COMMENT ON CONSTRAINT event_read_by_whom ON event_read IS
    'an inbox entry is read with both a time and a reader, or unread with neither: mark it read with fn_event_mark_read';

-- ---------------------------------------------------------------------------
-- Trigger-OUT routing
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT route_worker_name_format ON iu_route_worker_cursor IS
    'a route worker name is 1 to 63 lowercase letters, digits or _, starting with a letter: rename the worker to fit';
COMMENT ON CONSTRAINT iu_route_worker_cursor_event_domain_fkey ON iu_route_worker_cursor IS
    'a route worker drains an event domain registered in event_domain_registry: register the domain first, or check its spelling';
COMMENT ON CONSTRAINT iu_route_worker_cursor_id_key ON iu_route_worker_cursor IS
    'each route worker cursor has its own generated id: never set or copy an id by hand';

COMMENT ON CONSTRAINT iu_outbound_route_route_name_key ON iu_outbound_route IS
    'an outbound route name is used once: choose another name, or change the existing route with fn_iu_outbound_route_set';
COMMENT ON CONSTRAINT outbound_route_name_format ON iu_outbound_route IS
    'an outbound route name is 1 to 100 lowercase letters, digits or _ . -, starting with a letter: rename the route to fit';
COMMENT ON CONSTRAINT outbound_route_event_type_format ON iu_outbound_route IS
    'an outbound route''s event type is a lowercase dotted name, or a prefix ending in * such as staging.*: correct the pattern';
COMMENT ON CONSTRAINT outbound_route_action_allowed ON iu_outbound_route IS
    'an outbound route''s action is call_function, enqueue_job or notify: use one of those three';
COMMENT ON CONSTRAINT outbound_route_target_format ON iu_outbound_route IS
    'an outbound route''s target fits its action: a function named fn_<name> for call_function, a job kind for enqueue_job, a lowercase channel name for notify; give a target of that form';

COMMENT ON CONSTRAINT iu_route_delivery_id_key ON iu_route_delivery IS
    'each route delivery has its own generated id: never set or copy an id by hand';
COMMENT ON CONSTRAINT iu_route_delivery_route_id_fkey ON iu_route_delivery IS
    'a route delivery belongs to an existing outbound route: create the route first (fn_iu_outbound_route_create), or check the route id';
COMMENT ON CONSTRAINT route_delivery_status_allowed ON iu_route_delivery IS
    'a route delivery is pending, succeeded, dry_run or dead_lettered: the route worker sets it, never write another value';

COMMENT ON CONSTRAINT iu_route_attempt_route_id_fkey ON iu_route_attempt IS
    'a route attempt belongs to an existing outbound route: the route worker records attempts, check the route id';
COMMENT ON CONSTRAINT route_attempt_status_allowed ON iu_route_attempt IS
    'a route attempt succeeded, failed or was a dry_run: the route worker records one of those';

COMMENT ON CONSTRAINT iu_route_dead_letter_route_id_fkey ON iu_route_dead_letter IS
    'a route dead letter belongs to an existing outbound route: the route worker writes dead letters, check the route id';
COMMENT ON CONSTRAINT route_dead_letter_once ON iu_route_dead_letter IS
    'an event is dead-lettered once per route: triage or replay the existing dead letter instead';
COMMENT ON CONSTRAINT route_dead_letter_triage_allowed ON iu_route_dead_letter IS
    'a route dead letter''s triage status is open, manual_replay, discarded or replayed: triage it with fn_iu_route_dead_letter_triage';

-- ---------------------------------------------------------------------------
-- Trigger-IN routing
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT iu_sql_event_route_route_name_key ON iu_sql_event_route IS
    'a SQL event route name is used once: register the route under another name';
COMMENT ON CONSTRAINT sql_route_name_format ON iu_sql_event_route IS
    'a SQL event route name is 1 to 63 lowercase letters, digits or _, starting with a letter: rename the route to fit';
COMMENT ON CONSTRAINT sql_route_source_table_format ON iu_sql_event_route IS
    'a SQL event route''s source table is a plain lowercase table name of at most 63 letters, digits or _: name the table without schema or quotes';
COMMENT ON CONSTRAINT sql_route_operation_allowed ON iu_sql_event_route IS
    'a SQL event route fires on INSERT, UPDATE or DELETE: use one of those three';
COMMENT ON CONSTRAINT sql_route_condition_is_object ON iu_sql_event_route IS
    'a SQL event route''s condition is a JSON object the row must contain, like {"status": "dead"}: give an object ({} matches every row)';
COMMENT ON CONSTRAINT iu_sql_event_route_target_event_type_fkey ON iu_sql_event_route IS
    'a SQL event route captures an event type registered in event_type_registry: register the target type first, or check its spelling';
COMMENT ON CONSTRAINT iu_sql_event_route_gate_key_key ON iu_sql_event_route IS
    'each SQL event route has a gate of its own (event.sql_route.<name>.live): another route already uses this gate key, so register the route under another name';
COMMENT ON CONSTRAINT disabled_route_is_dry_run ON iu_sql_event_route IS
    'a disabled SQL event route stays in dry run: it goes live only together with being enabled, by an approved change of its event.sql_route.<name>.live gate';

COMMENT ON CONSTRAINT iu_sql_event_route_dry_run_log_route_id_fkey ON iu_sql_event_route_dry_run_log IS
    'a dry-run log row belongs to an existing SQL event route: the capture trigger writes these rows, check the route id';
