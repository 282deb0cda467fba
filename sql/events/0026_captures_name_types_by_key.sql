-- A capture names its event type by key, without a FOREIGN KEY, as a route's
-- attempts and deliveries name their route (sql/events/0023): the RI check of
-- each captured row locked the type's one registry row FOR KEY SHARE, so
-- concurrent producers of one type shared a MultiXact on it, and a bulk capture
-- paid 2.5 µs a row of 26 (the event bench's stage (1), three runs each side).
-- A trigger-IN route's target type has its FOREIGN KEY (iu_sql_event_route, one
-- row per route); fn_event_capture looks the type up and names an unregistered
-- one (unknown_event_type, as fn_event_emit does); an event type is never
-- deleted or renamed (retire it instead), so the name a capture holds stays a
-- registered type's. tests/events/test_registries_kept.py.
ALTER TABLE event_pending DROP CONSTRAINT event_pending_event_type_fkey;

CREATE TRIGGER event_type_registry_kept BEFORE DELETE OR UPDATE OF event_type ON event_type_registry
    FOR EACH ROW EXECUTE FUNCTION fn_registry_row_kept('event_type', 'retire the type instead (status retired)',
                                                       'captures and events');

CREATE OR REPLACE FUNCTION fn_event_pending_insert(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Internal: the L1 capture itself, for fn_event_capture, which already runs as
-- the owner with a pinned search_path (a trigger-IN capture inserts its
-- statement's rows itself, sql/events/0019).
-- O(1): the payload's key check runs in its DOMAIN; the type is looked up here
-- (captures name it by key: sql/events/0026).
DECLARE
    v_id bigint;
BEGIN
    -- (the named refusal only when a reference is long: a call per captured row costs)
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200
       OR length(p_source_document_ref) > 200 OR length(p_import_batch_ref) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id, p_source_document_ref,
                                      p_import_batch_ref);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_type_registry WHERE event_type = p_event_type) THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id, causation_id,
                               source_document_ref, import_batch_ref, capture_payload, actor)
    VALUES (p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
            p_source_document_ref, p_import_batch_ref, coalesce(p_payload, '{}'), fn_actor())
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
