-- Why: a job kind nobody registered has no executor class, so nobody would ever
-- claim it (docs/executors.md): enqueueing one is refused by name and nothing is
-- written, instead of a job that waits forever or burns its attempts into the
-- dead-letter queue. A retired kind takes no new jobs either. A django.tasks
-- task registers its kind the first time the backend enqueues it.

CREATE OR REPLACE FUNCTION fn_job_queue_stamp_class() RETURNS trigger
LANGUAGE plpgsql AS $$
-- BEFORE INSERT on job_queue, when the inserter did not give the class (the
-- enqueue functions read it with the kind's other defaults): the class of the
-- kind's active registration, or a refusal.
BEGIN
    SELECT c.executor_class INTO NEW.executor_class
      FROM consumer_registry c WHERE c.job_kind = NEW.job_kind AND c.status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_job_kind: % is not a registered job kind (fn_consumer_register binds a kind to the executor class that runs it)',
                NEW.job_kind
            USING ERRCODE = 'QG005';
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION fn_job_task_kind_ensure(p_job_kind text, p_queue_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A django.tasks task's kind ('task:<module path>') bound to the Python worker's
-- class on first sight, audited as consumer.register; true when it registered
-- it. The backend calls it in the statement of the task's first enqueue. When
-- the caller named no actor, the registration is the backend's
-- (system:django.tasks). Any other kind is registered by an operator.
BEGIN
    IF p_job_kind IS NULL OR p_job_kind !~ '^task:[A-Za-z_][A-Za-z0-9_.]{0,194}$' THEN
        RAISE EXCEPTION 'invalid_task_kind: % is not a django.tasks kind (task:<module path>)', coalesce(p_job_kind, 'null')
            USING ERRCODE = 'QG004';
    END IF;
    IF EXISTS (SELECT 1 FROM consumer_registry WHERE job_kind = p_job_kind AND status = 'active') THEN
        RETURN false;
    END IF;
    IF fn_actor() IS NULL THEN
        PERFORM set_config('queuegov.actor', 'system:django.tasks', true);
    END IF;
    PERFORM fn_consumer_register(p_job_kind, 'pg_worker', coalesce(p_queue_name, 'default'), 'default',
                                 substr(p_job_kind, 6), 'django.tasks task, registered at its first enqueue');
    RETURN true;
END;
$$;
