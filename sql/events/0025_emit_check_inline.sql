-- Each capture of a pending batch called fn_event_emit_check, a PL/pgSQL
-- function: 6 µs an event of 41 in pending processing (the event bench's stage
-- (2), three runs each side with the call replaced by true); the inline check
-- below costs 3 of them (the payload's text is still measured). Its rules move to
-- fn_event_emit_check_exact unchanged; fn_event_emit_check becomes a SQL
-- function the planner inlines into the batch's statement, which answers true
-- at once when every value is plainly within its rule (an active type, a
-- subject table and ref together, refs of at most 200 characters, a payload of
-- at most 256 bytes, the smallest cap queue.payload.max_bytes may have) and
-- asks fn_event_emit_check_exact otherwise, which names the broken rule or
-- answers true (a payload over 256 bytes within the cap).
CREATE FUNCTION fn_event_emit_check_exact(t event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text,
    p_causation_id text, p_fact_key text, p_payload jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
-- The rules an event obeys before it is emitted, written once: true, or the
-- rule's error. fn_event_emit_check decides the common case inline and calls
-- this for the rest.
BEGIN
    IF t.event_type IS NULL THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF t.status <> 'active' THEN
        RAISE EXCEPTION 'event_type_not_active: % is %; only active types are emitted', p_event_type, t.status
            USING ERRCODE = 'QG003';
    END IF;
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_subject: subject table and subject ref go together (got %, %)', p_subject_table, p_subject_ref
            USING ERRCODE = 'QG004';
    END IF;
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id);
    END IF;
    IF length(p_fact_key) > 200 THEN
        RAISE EXCEPTION 'event_ref_too_long: the fact key is % characters; at most 200', length(p_fact_key)
            USING ERRCODE = 'QG004';
    END IF;
    PERFORM fn_payload_assert_size(p_payload, 'payload');
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION fn_event_emit_check(t event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text,
    p_causation_id text, p_fact_key text, p_payload jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t.event_type IS NOT NULL AND t.status = 'active'
                     AND (p_subject_table IS NULL) = (p_subject_ref IS NULL)
                     AND coalesce(length(p_subject_ref), 0) <= 200 AND coalesce(length(p_correlation_id), 0) <= 200
                     AND coalesce(length(p_causation_id), 0) <= 200 AND coalesce(length(p_fact_key), 0) <= 200
                     AND coalesce(octet_length(p_payload::text), 0) <= 256
                THEN true
                ELSE fn_event_emit_check_exact(t, p_event_type, p_subject_table, p_subject_ref, p_correlation_id,
                                               p_causation_id, p_fact_key, p_payload)
           END;
$$;
