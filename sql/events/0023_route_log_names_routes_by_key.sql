-- A route's attempts and deliveries name it by key, without a FOREIGN KEY, as
-- job_queue names its queue and retry policy (sql/jobs/0007_enqueue_fast_path.sql).
-- Each FK check ran an RI query per row that locked the route's row FOR KEY
-- SHARE: two per routed event, on the one hot row of the route, 7 µs an event
-- of 52 in the event bench (bench/event_bench.py (3), three runs each side).
-- The rows are written only by the route worker's functions, with the id of the
-- route row they read; a route is never deleted or renumbered (trigger below:
-- disable it instead, fn_iu_outbound_route_set), so the id they name stays a
-- route's. Dead letters, written rarely, keep their FOREIGN KEY. A TRUNCATE of
-- iu_outbound_route (the owner's alone; row triggers do not fire on it) now
-- reaches only the dead letters: truncate the attempts and deliveries with it,
-- as tests/cleanup.py truncates every table in one statement.
ALTER TABLE iu_route_attempt DROP CONSTRAINT iu_route_attempt_route_id_fkey;
ALTER TABLE iu_route_delivery DROP CONSTRAINT iu_route_delivery_route_id_fkey;

CREATE OR REPLACE FUNCTION fn_registry_row_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
-- Rows that name a registry row by key without a FOREIGN KEY (job_queue its
-- queue and retry policy, a route's attempts and deliveries their route), so
-- the keys they name never go away. TG_ARGV[0]: the key column; TG_ARGV[1]:
-- what to do instead; TG_ARGV[2]: who names it (jobs when not given).
DECLARE
    v_old text := to_jsonb(OLD) ->> TG_ARGV[0];
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) ->> TG_ARGV[0]) = v_old THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'registry_row_kept: % % cannot be %: % name it by key; %',
            TG_TABLE_NAME, v_old, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'renamed' END,
            coalesce(TG_ARGV[2], 'jobs'), TG_ARGV[1]
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
END;
$$;

CREATE TRIGGER iu_outbound_route_kept BEFORE DELETE OR UPDATE OF id ON iu_outbound_route
    FOR EACH ROW EXECUTE FUNCTION fn_registry_row_kept('id', 'disable the route instead (fn_iu_outbound_route_set)',
                                                       'its attempts and deliveries');
