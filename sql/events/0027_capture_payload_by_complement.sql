-- A trigger-IN capture built each row's payload with a subquery over the route's
-- payload columns (jsonb_object_agg per row): 4 µs of a bulk capture's 25 (the
-- event bench's stage (1), three runs each side). The payload is now the row's
-- jsonb less the columns the route does not copy, worked out once per route and
-- statement: the same keys and values (fn_sql_event_route_register admits only
-- columns the table has; a column dropped since is absent from the payload, where
-- it was a null).
CREATE OR REPLACE FUNCTION fn_event_capture_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH
-- STATEMENT, the statement's rows in the transition table qg_rows (NEW rows;
-- OLD rows for DELETE), read once per matching route. A capture fires on
-- whatever table it watches, written by whoever may write it; the capture
-- itself is the owner's.
DECLARE
    v_actor text;
    r iu_sql_event_route%ROWTYPE;
    v_drop text[];  -- the source table's columns the route does not copy into the payload
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
         WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
         ORDER BY id
    LOOP
        v_actor := coalesce(v_actor, fn_actor());
        -- The payload is the row less the columns it does not copy: one operator per row, where
        -- building it column by column ran a subquery per row.
        v_drop := ARRAY(SELECT attname::text FROM pg_attribute
                         WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped
                           AND attname <> ALL (coalesce(r.payload_columns, '{}')));
        IF r.enabled AND NOT r.dry_run THEN
            INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,
                                       capture_payload, actor)
            SELECT r.target_event_type, TG_TABLE_NAME, x.j ->> r.subject_column,
                   CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END,
                   jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || (x.j - v_drop),
                   v_actor
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition
               -- a long reference is asked of its named rule (which refuses it, and nothing is written)
               AND (coalesce(length(x.j ->> r.subject_column), 0) <= 200
                    AND (r.correlation_column IS NULL OR coalesce(length(x.j ->> r.correlation_column), 0) <= 200)
                    OR fn_event_refs_pass(x.j ->> r.subject_column,
                                          CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END));
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            SELECT r.id, TG_TABLE_NAME, TG_OP, x.j ->> r.subject_column,
                   jsonb_build_object('event_type', r.target_event_type, 'payload',
                       jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || (x.j - v_drop))
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
