-- fn_iu_route_batch aggregated the subquery's rows, whose type is an anonymous
-- record, so RETURN cast the array to event_outbox[] through text: every event of
-- every batch went through record_out and record_in (its payload through
-- escape_json and back), 12 µs an event of routing's 52 (the event bench's stage
-- (3), three runs each side; perf showed record_out and record_in, gone after).
-- The subquery now selects the row itself (e, of type event_outbox), so the
-- array is built in that type. The same read, the same order and LIMIT, NULL for
-- no event, still without sorts (sql/events/0022).
CREATE OR REPLACE FUNCTION fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8,
                                             p_batch_size integer) RETURNS event_outbox[]
LANGUAGE plpgsql STABLE SET enable_sort = off AS $$
-- The next p_batch_size events of p_domain past the cursor (p_last_tx_id,
-- p_last_event_id) committed before p_horizon, in commit-safe order (tx_id, id).
BEGIN
    RETURN (SELECT array_agg(s.e ORDER BY (s.e).tx_id, (s.e).id)
              FROM (SELECT e FROM event_outbox e
                     WHERE e.event_domain = p_domain AND (e.tx_id, e.id) > (p_last_tx_id, p_last_event_id)
                       AND e.tx_id < p_horizon
                     ORDER BY e.tx_id, e.id LIMIT p_batch_size) s);
END;
$$;
