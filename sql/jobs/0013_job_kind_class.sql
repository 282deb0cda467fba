-- Why: "a job kind must be registered and active" is checked in one place,
-- fn_job_kind_class, by everything that names a kind for later: the insert of
-- a job (fn_job_queue_stamp_class) and an enqueue_job route (sql/events/
-- 0009_route_job_kind.sql), so a route cannot be created or put live for a
-- kind nobody runs (docs/executors.md).

CREATE FUNCTION fn_job_kind_class(p_job_kind text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
-- The executor class of the kind's active registration, or a refusal.
DECLARE
    v_class text;
BEGIN
    SELECT c.executor_class INTO v_class
      FROM consumer_registry c WHERE c.job_kind = p_job_kind AND c.status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_job_kind: % is not a registered job kind (fn_consumer_register binds a kind to the executor class that runs it)',
                coalesce(p_job_kind, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    RETURN v_class;
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_queue_stamp_class() RETURNS trigger
LANGUAGE plpgsql AS $$
-- BEFORE INSERT on job_queue, when the inserter did not give the class (the
-- enqueue functions read it with the kind's other defaults).
BEGIN
    NEW.executor_class := fn_job_kind_class(NEW.job_kind);
    RETURN NEW;
END;
$$;
