-- A pending batch writes each capture's once-per-subject key with a plain INSERT
-- instead of ON CONFLICT DO NOTHING and a probe for keys committed earlier. A
-- capture's fact key is its own id (pending:<id>), the batch locks its captures
-- and marks them in the same statement, and one processor runs at a time, so a
-- key is there already only if the capture was emitted before; then the INSERT
-- raises, the batch is undone, and fn_event_pending_process takes its captures
-- one at a time, where fn_event_emit answers the earlier event (a duplicate), as
-- the probe did. The speculative insertion cost 6 µs an event of 43 (the event
-- bench's stage (2), three runs each side).
-- tests/events/test_pending.py::test_a_capture_emitted_before_answers_its_event_and_writes_no_other.
CREATE OR REPLACE FUNCTION fn_event_pending_emit_batch(p_batch_size integer, p_now timestamp with time zone, OUT emitted integer, OUT duplicates integer) RETURNS record
LANGUAGE plpgsql SET enable_bitmapscan = off AS $$
-- One set-based batch of the immediate lane: captures never failed before,
-- oldest first, locked (SKIP LOCKED), each checked by fn_event_emit_check (a
-- broken rule raises and undoes the whole batch: the caller then goes row by
-- row). Answers how many became events (and 0 already emitted: such a capture's
-- key makes the batch go one at a time).
DECLARE
    v_domains text[];
    -- the immediate lane's types, so the batch is read in id order from the unprocessed
    -- captures' index and costs the same whatever the backlog behind it
    v_types text[] := ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate');
BEGIN
    WITH batch AS (  -- the oldest ready captures of the immediate types, read from event_pending_ready
        SELECT p.id, p.event_type, p.event_subject_table, p.event_subject_ref, p.capture_payload, p.correlation_id,
               p.causation_id, p.captured_at, p.actor
          FROM event_pending p
         WHERE p.processed_at IS NULL AND p.error_count = 0 AND p.event_type = ANY (v_types)
         ORDER BY p.id
         LIMIT p_batch_size
           FOR UPDATE SKIP LOCKED
    ), ordered AS MATERIALIZED (  -- sorted before the ids are drawn: events get ids in capture order
        SELECT b.*, t AS type_row, t.event_domain
          FROM batch b
          JOIN event_type_registry t USING (event_type)
         WHERE fn_event_emit_check(t, b.event_type, b.event_subject_table, b.event_subject_ref,
                                   b.correlation_id, b.causation_id, 'pending:' || b.id, b.capture_payload)
         ORDER BY b.id
    ), checked AS MATERIALIZED (
        SELECT o.*, nextval('event_outbox_id_seq') AS event_id FROM ordered o
    ), keys AS (  -- a plain INSERT: a key already there (the capture emitted before) raises, and
                  -- the caller then goes one at a time, where fn_event_emit answers that event
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        SELECT c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id, c.event_id
          FROM checked c WHERE c.event_subject_ref IS NOT NULL
    ), outbox AS (
        INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                                  payload_classification, event_subject_table, event_subject_ref, correlation_id,
                                  causation_id, actor, occurred_at)
        SELECT c.event_id, c.event_domain, (c.type_row).event_stream, c.event_type, (c.type_row).delivery_lane,
               (c.type_row).default_severity, coalesce(c.capture_payload, '{}'), 'safe_metadata',
               c.event_subject_table, c.event_subject_ref, c.correlation_id, c.causation_id, fn_event_actor(c.actor),
               c.captured_at
          FROM checked c
        RETURNING event_domain
    ), marked AS (
        UPDATE event_pending p
           SET processed_at = p_now, emitted_event_id = c.event_id
          FROM checked c
         WHERE p.id = c.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM marked), 0, (SELECT array_agg(DISTINCT event_domain) FROM outbox)
      INTO emitted, duplicates, v_domains;
    IF v_domains IS NOT NULL AND fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || d, 'batch') FROM unnest(v_domains) AS d;
    END IF;
END;
$$;
