-- A trigger-IN capture's payload is the row less the columns its route does not
-- copy (sql/events/0027). A null among a route's payload_columns made that
-- complement empty ("attname <> ALL" is null for every column), so the whole row
-- would have been copied; before 0027 the capture raised on it instead.
-- fn_sql_event_route_register never stores one (each name must be a column), and
-- this rule keeps any other writer from storing one.
ALTER TABLE iu_sql_event_route
    ADD CONSTRAINT sql_route_payload_columns_named CHECK (array_position(payload_columns, NULL) IS NULL);
COMMENT ON CONSTRAINT sql_route_payload_columns_named ON iu_sql_event_route IS
    'a SQL event route copies named columns into its payload: list column names, never a null';
