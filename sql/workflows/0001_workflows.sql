-- Issue 18: workflows, DAGs of steps on the job queue (docs/workflows.md).
--
-- A workflow is created whole in one call (fn_workflow_create): its steps, each
-- naming the steps it depends on, are checked first (names, dependencies,
-- cycles, every job's own enqueue rules) and nothing is written when one is bad.
-- A step is a job or a sub-workflow. It starts exactly once, in the transaction
-- that finishes its last dependency: each finished step takes one from its
-- dependents' deps_pending under their row locks, so of two parents finishing
-- at once exactly one sees zero. A job step finishes when its job does (a row
-- trigger on job_queue, only for jobs that belong to a step); a sub-workflow
-- step when its workflow does. A failed, dead or cancelled dependency cancels
-- its dependents, or lets them run (on_dependency_failure = 'run').

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE workflow (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL,
    -- running: steps are open; the rest are final
    status          text NOT NULL DEFAULT 'running',
    parent_step_id  bigint,  -- the sub-workflow step that made this workflow (NULL for a top-level one)
    started_by      text,
    correlation_id  text,
    steps_total     integer NOT NULL,
    steps_open      integer NOT NULL,
    result          qg_safe_payload,
    cancel_reason   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CONSTRAINT workflow_name_format CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:/ -]*$' AND length(name) <= 200),
    CONSTRAINT workflow_status_allowed CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT workflow_finished_when_final CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT workflow_steps_open_in_range CHECK (steps_open BETWEEN 0 AND steps_total),
    CONSTRAINT workflow_correlation_id_length CHECK (length(correlation_id) <= 200)
);
COMMENT ON TABLE workflow IS 'A DAG of steps (docs/workflows.md); written only by the workflow functions.';
COMMENT ON CONSTRAINT workflow_name_format ON workflow IS
    'a workflow name starts with a letter or digit, then letters, digits, _ . : / - or spaces, at most 200 characters';
COMMENT ON CONSTRAINT workflow_status_allowed ON workflow IS
    'a workflow is running, succeeded, failed or cancelled: change it only through the workflow functions';
COMMENT ON CONSTRAINT workflow_finished_when_final ON workflow IS
    'a workflow has a finish time exactly when it is no longer running: change it only through the workflow functions';
COMMENT ON CONSTRAINT workflow_steps_open_in_range ON workflow IS
    'a workflow''s open steps number from 0 to its steps: change it only through the workflow functions';
COMMENT ON CONSTRAINT workflow_correlation_id_length ON workflow IS 'a correlation id has at most 200 characters';
CREATE INDEX workflow_status_created ON workflow (status, created_at DESC);
CREATE INDEX workflow_name ON workflow (name, id DESC);
CREATE INDEX workflow_parent_step ON workflow (parent_step_id) WHERE parent_step_id IS NOT NULL;

CREATE TABLE workflow_step (
    id                     bigserial PRIMARY KEY,
    workflow_id            bigint NOT NULL REFERENCES workflow (id),
    name                   text NOT NULL,
    -- job: runs one job (spec is its fn_job_enqueue_many element); workflow: adds the
    -- sub-workflow spec names when it starts and finishes when that workflow does
    step_kind              text NOT NULL,
    spec                   jsonb NOT NULL,
    -- cancel: a dependency that did not succeed cancels this step; run: it runs anyway
    on_dependency_failure  text NOT NULL DEFAULT 'cancel',
    -- waiting: for dependencies; active: its job or sub-workflow exists; the rest are final
    status                 text NOT NULL DEFAULT 'waiting',
    deps_total             integer NOT NULL,
    deps_pending           integer NOT NULL,
    deps_failed            integer NOT NULL DEFAULT 0,
    job_id                 bigint,
    child_workflow_id      bigint REFERENCES workflow (id),
    result                 qg_safe_payload,
    error                  text,
    started_at             timestamptz,
    finished_at            timestamptz,
    CONSTRAINT workflow_step_name_unique UNIQUE (workflow_id, name),
    CONSTRAINT workflow_step_name_format CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' AND length(name) <= 200),
    CONSTRAINT workflow_step_kind_allowed CHECK (step_kind IN ('job', 'workflow')),
    CONSTRAINT workflow_step_on_dependency_failure_allowed CHECK (on_dependency_failure IN ('cancel', 'run')),
    CONSTRAINT workflow_step_status_allowed
        CHECK (status IN ('waiting', 'active', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT workflow_step_deps_in_range
        CHECK (deps_pending >= 0 AND deps_pending <= deps_total AND deps_failed >= 0
               AND deps_failed <= deps_total - deps_pending),
    CONSTRAINT workflow_step_finished_when_final
        CHECK ((status IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);
ALTER TABLE workflow ADD CONSTRAINT workflow_parent_step_fk FOREIGN KEY (parent_step_id) REFERENCES workflow_step (id);
COMMENT ON TABLE workflow_step IS 'A step of a workflow: a job or a sub-workflow (docs/workflows.md).';
COMMENT ON CONSTRAINT workflow_step_name_unique ON workflow_step IS 'a step''s name is unique in its workflow';
COMMENT ON CONSTRAINT workflow_step_name_format ON workflow_step IS
    'a step name starts with a letter or digit, then letters, digits, _ . : or -, at most 200 characters';
COMMENT ON CONSTRAINT workflow_step_kind_allowed ON workflow_step IS 'a step is a job or a workflow';
COMMENT ON CONSTRAINT workflow_step_on_dependency_failure_allowed ON workflow_step IS
    'on_dependency_failure is cancel (the default) or run';
COMMENT ON CONSTRAINT workflow_step_status_allowed ON workflow_step IS
    'a step is waiting, active, succeeded, failed or cancelled: change it only through the workflow functions';
COMMENT ON CONSTRAINT workflow_step_deps_in_range ON workflow_step IS
    'a step''s pending and failed dependencies are counts within its dependencies: change them only through the workflow functions';
COMMENT ON CONSTRAINT workflow_step_finished_when_final ON workflow_step IS
    'a step has a finish time exactly when it succeeded, failed or was cancelled';
CREATE UNIQUE INDEX workflow_step_job ON workflow_step (job_id) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX workflow_step_child ON workflow_step (child_workflow_id) WHERE child_workflow_id IS NOT NULL;

CREATE TABLE workflow_step_dependency (
    step_id        bigint NOT NULL REFERENCES workflow_step (id),
    depends_on_id  bigint NOT NULL REFERENCES workflow_step (id),
    PRIMARY KEY (step_id, depends_on_id),
    CONSTRAINT workflow_step_dependency_not_self CHECK (step_id <> depends_on_id)
);
COMMENT ON TABLE workflow_step_dependency IS 'step_id starts only when depends_on_id has finished.';
COMMENT ON CONSTRAINT workflow_step_dependency_not_self ON workflow_step_dependency IS
    'a step does not depend on itself';
CREATE INDEX workflow_step_dependency_depends_on ON workflow_step_dependency (depends_on_id, step_id);
COMMENT ON CONSTRAINT workflow_parent_step_fk ON workflow IS 'a sub-workflow names the step of its parent that made it';
COMMENT ON CONSTRAINT workflow_step_workflow_id_fkey ON workflow_step IS 'a step belongs to a workflow';
COMMENT ON CONSTRAINT workflow_step_child_workflow_id_fkey ON workflow_step IS
    'a sub-workflow step names the workflow it made';
COMMENT ON CONSTRAINT workflow_step_dependency_step_id_fkey ON workflow_step_dependency IS
    'a dependency belongs to a step';
COMMENT ON CONSTRAINT workflow_step_dependency_depends_on_id_fkey ON workflow_step_dependency IS
    'a step depends on a step';

-- The step a job runs for. No foreign key: a key on job_queue would cost every
-- enqueue a check; only fn_workflow_steps_start writes it.
ALTER TABLE job_queue ADD COLUMN workflow_step_id bigint;
COMMENT ON COLUMN job_queue.workflow_step_id IS
    'The workflow step this job runs for (docs/workflows.md); written only by fn_workflow_steps_start.';

-- ---------------------------------------------------------------------------
-- Checking a spec
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) RETURNS integer
LANGUAGE plpgsql AS $$
-- Raises naming the first thing wrong with a workflow spec (and its
-- sub-workflows, to 10 levels), or answers how many steps it holds in all.
-- p_path names the workflow in messages ("" at the top, "step b > " inside).
DECLARE
    v_steps jsonb := p_spec -> 'steps';
    v_dup text;
    v_bad record;
    v_cycle text;
    v_total integer;
    v_sub record;
    v_jobs jsonb;
BEGIN
    IF p_depth > 10 THEN
        RAISE EXCEPTION 'invalid_workflow: %sub-workflows nest at most 10 deep', p_path USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_workflow: %a workflow is a jsonb object {"name", "steps": [...]}, not %', p_path,
                coalesce(jsonb_typeof(p_spec), 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec - ARRAY['name', 'steps', 'correlation_id'] <> '{}'::jsonb THEN
        RAISE EXCEPTION 'invalid_workflow: %unknown keys %; a workflow has name, steps and correlation_id', p_path,
                (SELECT string_agg(k, ', ') FROM jsonb_object_keys(p_spec - ARRAY['name', 'steps', 'correlation_id']) k)
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'name') IS DISTINCT FROM 'string'
       OR p_spec ->> 'name' !~ '^[A-Za-z0-9][A-Za-z0-9_.:/ -]*$' OR length(p_spec ->> 'name') > 200 THEN
        RAISE EXCEPTION 'invalid_workflow_name: %a workflow name starts with a letter or digit, then letters, digits, _ . : / - or spaces, at most 200 characters, not %',
                p_path, coalesce(p_spec -> 'name', 'null'::jsonb)
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(v_steps) IS DISTINCT FROM 'array' OR jsonb_array_length(v_steps) = 0 THEN
        RAISE EXCEPTION 'invalid_workflow: %steps is a non-empty array of step objects', p_path USING ERRCODE = 'QG004';
    END IF;
    SELECT ord - 1 AS i, s INTO v_bad FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord)
     WHERE jsonb_typeof(s) IS DISTINCT FROM 'object'
        OR jsonb_typeof(s -> 'name') IS DISTINCT FROM 'string'
        OR s ->> 'name' !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' OR length(s ->> 'name') > 200
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_step_name: %step % (%) needs a name: a letter or digit, then letters, digits, _ . : or -, at most 200 characters',
                p_path, v_bad.i, left(v_bad.s::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' INTO v_dup FROM jsonb_array_elements(v_steps) s
     GROUP BY s ->> 'name' HAVING count(*) > 1 ORDER BY s ->> 'name' LIMIT 1;
    IF v_dup IS NOT NULL THEN
        RAISE EXCEPTION 'duplicate_step: %two steps are named %', p_path, v_dup USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, s INTO v_bad FROM jsonb_array_elements(v_steps) s
     WHERE (s ? 'job') = (s ? 'workflow')
        OR s - ARRAY['name', 'job', 'workflow', 'depends_on', 'on_dependency_failure'] <> '{}'::jsonb
        OR (s ? 'depends_on' AND jsonb_typeof(s -> 'depends_on') <> 'array')
        OR (s ? 'on_dependency_failure' AND coalesce(s ->> 'on_dependency_failure', '') NOT IN ('cancel', 'run'))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_step: %step % has exactly one of job or workflow, depends_on as an array of step names and on_dependency_failure cancel or run (keys: name, job, workflow, depends_on, on_dependency_failure), not %',
                p_path, v_bad.name, left(v_bad.s::text, 300)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, d AS dep INTO v_bad
      FROM jsonb_array_elements(v_steps) s, jsonb_array_elements(coalesce(s -> 'depends_on', '[]')) d
     WHERE jsonb_typeof(d) <> 'string'
        OR d #>> '{}' = s ->> 'name'
        OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_steps) o WHERE o ->> 'name' = d #>> '{}')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown_dependency: %step % depends on %, which is not another step of workflow %',
                p_path, v_bad.name, v_bad.dep, p_spec ->> 'name'
            USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, d #>> '{}' AS dep INTO v_bad
      FROM jsonb_array_elements(v_steps) s, jsonb_array_elements(coalesce(s -> 'depends_on', '[]')) d
     GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'duplicate_dependency: %step % names % twice in depends_on', p_path, v_bad.name, v_bad.dep
            USING ERRCODE = 'QG004';
    END IF;
    v_cycle := fn_workflow_spec_cycle(v_steps);
    IF v_cycle IS NOT NULL THEN
        RAISE EXCEPTION 'dependency_cycle: %steps depend on each other in a cycle: %', p_path, v_cycle
            USING ERRCODE = 'QG004';
    END IF;
    -- Every job step passes the enqueue's own checks now, so a step started later
    -- (in the transaction that finishes its last dependency) is not refused for
    -- its shape.
    SELECT jsonb_agg(s -> 'job' ORDER BY ord) INTO v_jobs
      FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord) WHERE s ? 'job';
    IF v_jobs IS NOT NULL THEN
        BEGIN
            PERFORM fn_job_enqueue_many_checked(v_jobs, fn_setting_int('queue.payload.max_bytes'));
            PERFORM fn_workflow_job_kind_check(j ->> 'job_kind') FROM jsonb_array_elements(v_jobs) j;
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_jobs) j WHERE j ? 'idempotency_key' OR j ? 'run_at') THEN
                RAISE EXCEPTION 'invalid_job: a step''s job has no idempotency_key or run_at (the step starts it once, when its dependencies finish)'
                    USING ERRCODE = 'QG004';
            END IF;
        EXCEPTION WHEN SQLSTATE 'QG004' OR SQLSTATE 'QG005' OR SQLSTATE 'QG007' OR SQLSTATE '23514' THEN
            -- name the step instead of the element's index
            FOR v_bad IN SELECT s ->> 'name' AS name, s -> 'job' AS job
                           FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord) WHERE s ? 'job' ORDER BY ord LOOP
                BEGIN
                    PERFORM fn_job_enqueue_many_checked(jsonb_build_array(v_bad.job), fn_setting_int('queue.payload.max_bytes'));
                    PERFORM fn_workflow_job_kind_check(v_bad.job ->> 'job_kind');
                    IF v_bad.job ? 'idempotency_key' OR v_bad.job ? 'run_at' THEN
                        RAISE EXCEPTION 'invalid_job: a step''s job has no idempotency_key or run_at (the step starts it once, when its dependencies finish)'
                            USING ERRCODE = 'QG004';
                    END IF;
                EXCEPTION WHEN OTHERS THEN
                    -- the rule's own name and SQLSTATE, the step named after it
                    RAISE EXCEPTION USING
                        MESSAGE = regexp_replace(SQLERRM, '^([a-z_]+): (element 0 )?',
                                                 '\1: ' || p_path || 'step ' || v_bad.name || ': '),
                        ERRCODE = SQLSTATE;
                END;
            END LOOP;
            RAISE;
        END;
    END IF;
    v_total := jsonb_array_length(v_steps);
    FOR v_sub IN SELECT s ->> 'name' AS name, s -> 'workflow' AS spec FROM jsonb_array_elements(v_steps) s
                  WHERE s ? 'workflow' LOOP
        v_total := v_total + fn_workflow_spec_check(v_sub.spec, p_path || 'step ' || v_sub.name || ' > ', p_depth + 1);
    END LOOP;
    RETURN v_total;
END;
$$;

CREATE FUNCTION fn_workflow_spec_cycle(p_steps jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
-- One cycle among the steps' dependencies, as "a -> b -> a", or NULL (Kahn's
-- algorithm: peel off steps with no dependency left; what never peels is in or
-- behind a cycle, and walking its first dependency from there finds one).
DECLARE
    v_left   jsonb := '{}';  -- name -> remaining dependency names
    v_ready  text[];
    v_walk   text[];
    v_name   text;
BEGIN
    SELECT coalesce(jsonb_object_agg(s ->> 'name', coalesce(s -> 'depends_on', '[]')), '{}') INTO v_left
      FROM jsonb_array_elements(p_steps) s;
    LOOP
        SELECT array_agg(key) INTO v_ready FROM jsonb_each(v_left) WHERE jsonb_array_length(value) = 0;
        EXIT WHEN v_ready IS NULL;
        v_left := (SELECT coalesce(jsonb_object_agg(key,
                                                    (SELECT coalesce(jsonb_agg(d), '[]') FROM jsonb_array_elements(value) d
                                                      WHERE d #>> '{}' <> ALL (v_ready))), '{}')
                     FROM jsonb_each(v_left) WHERE key <> ALL (v_ready));
    END LOOP;
    IF v_left = '{}' THEN
        RETURN NULL;
    END IF;
    v_name := (SELECT min(key) FROM jsonb_each(v_left));
    v_walk := ARRAY[v_name];
    LOOP
        v_name := v_left -> v_name ->> 0;
        IF v_name = ANY (v_walk) THEN
            RETURN array_to_string(v_walk[array_position(v_walk, v_name):] || v_name, ' -> ');
        END IF;
        v_walk := v_walk || v_name;
    END LOOP;
END;
$$;

CREATE FUNCTION fn_workflow_job_kind_check(p_job_kind text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
-- A step's job kind is registered and active, and open to the caller (the
-- enqueue's own rules: fn_job_kind_class, fn_job_kind_open_to_caller).
BEGIN
    PERFORM fn_job_kind_class(p_job_kind);
    IF NOT fn_job_kind_open_to_caller(p_job_kind) THEN
        RAISE EXCEPTION 'job_kind_refused: only the app enqueues % jobs', p_job_kind USING ERRCODE = 'QG002';
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------
-- Creating
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Writes a checked spec (and its sub-workflow specs, when their steps start) and
-- starts the steps that depend on nothing; answers the workflow's id.
DECLARE
    v_id bigint;
    v_n integer := jsonb_array_length(p_spec -> 'steps');
BEGIN
    INSERT INTO workflow (name, parent_step_id, started_by, correlation_id, steps_total, steps_open)
    VALUES (p_spec ->> 'name', p_parent_step_id,
            CASE WHEN p_parent_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_parent_step_id) END,
            coalesce(p_spec ->> 'correlation_id',
                     (SELECT w.correlation_id FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                       WHERE s.id = p_parent_step_id)),
            v_n, v_n)
    RETURNING id INTO v_id;
    INSERT INTO workflow_step (workflow_id, name, step_kind, spec, on_dependency_failure, deps_total, deps_pending)
    SELECT v_id, s ->> 'name', CASE WHEN s ? 'job' THEN 'job' ELSE 'workflow' END,
           coalesce(s -> 'job', s -> 'workflow'), coalesce(s ->> 'on_dependency_failure', 'cancel'),
           coalesce(jsonb_array_length(s -> 'depends_on'), 0), coalesce(jsonb_array_length(s -> 'depends_on'), 0)
      FROM jsonb_array_elements(p_spec -> 'steps') WITH ORDINALITY AS t(s, ord)
     ORDER BY ord;
    INSERT INTO workflow_step_dependency (step_id, depends_on_id)
    SELECT st.id, dep.id
      FROM jsonb_array_elements(p_spec -> 'steps') s
      JOIN workflow_step st ON st.workflow_id = v_id AND st.name = s ->> 'name'
      CROSS JOIN jsonb_array_elements_text(coalesce(s -> 'depends_on', '[]')) d
      JOIN workflow_step dep ON dep.workflow_id = v_id AND dep.name = d;
    PERFORM fn_workflow_steps_start(ARRAY(SELECT id FROM workflow_step WHERE workflow_id = v_id AND deps_total = 0
                                           ORDER BY id));
    RETURN v_id;
END;
$$;

CREATE FUNCTION fn_workflow_create(p_spec jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "created", "workflow_id": N, "steps": <all steps, sub-workflows'
-- included>} or {"status": "gate_closed", ...}. The spec (docs/workflows.md):
-- {"name", "correlation_id"?, "steps": [{"name", "job": <fn_job_enqueue_many
-- element> | "workflow": <spec>, "depends_on": [names]?, "on_dependency_failure":
-- "cancel" | "run"?}]}. Checked whole before anything is written.
DECLARE
    v_total integer;
    v_id bigint;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    v_total := fn_workflow_spec_check(p_spec, '', 1);
    IF v_total > 100000 THEN
        RAISE EXCEPTION 'too_many_steps: % steps in one workflow (sub-workflows included); at most 100000', v_total
            USING ERRCODE = 'QG004';
    END IF;
    v_id := fn_workflow_insert(p_spec, NULL);
    RETURN jsonb_build_object('status', 'created', 'workflow_id', v_id, 'steps', v_total);
END;
$$;

-- ---------------------------------------------------------------------------
-- Starting and finishing steps
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_workflow_steps_start(p_step_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
-- Starts waiting steps whose dependencies have all finished: a job step's job is
-- enqueued (fn_job_enqueue_many: its gate, registry, payload and wake-up rules)
-- and linked both ways; a sub-workflow step writes its workflow. A step whose
-- job cannot be enqueued now (its kind retired since the workflow was created,
-- the gate closed) fails with the reason instead of failing the transaction
-- that finished its dependency (that is a worker's ack).
DECLARE
    v_ids bigint[];
    v_answer jsonb;
    s record;
    v_child bigint;
BEGIN
    IF cardinality(p_step_ids) = 0 THEN
        RETURN;
    END IF;
    WITH started AS (
        UPDATE workflow_step SET status = 'active', started_at = now()
         WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind = 'job'
        RETURNING id, workflow_id, spec
    )
    SELECT array_agg(id ORDER BY id) INTO v_ids FROM started;
    IF v_ids IS NOT NULL THEN
        BEGIN
            v_answer := fn_job_enqueue_many(
                (SELECT jsonb_agg(s2.spec || jsonb_build_object('correlation_id',
                                      coalesce(s2.spec ->> 'correlation_id', w.correlation_id)) ORDER BY s2.id)
                   FROM workflow_step s2 JOIN workflow w ON w.id = s2.workflow_id WHERE s2.id = ANY (v_ids)));
            IF v_answer ->> 'status' <> 'enqueued' THEN
                RAISE EXCEPTION '%: % is closed', v_answer ->> 'status', v_answer ->> 'gate' USING ERRCODE = 'QG003';
            END IF;
            -- the jobs were inserted in step order: their ids ascend with it
            UPDATE workflow_step st SET job_id = j.job_id
              FROM (SELECT u.step_id, (v_answer -> 'job_ids' ->> (u.ord - 1)::integer)::bigint AS job_id
                      FROM unnest(v_ids) WITH ORDINALITY AS u(step_id, ord)) j
             WHERE st.id = j.step_id;
            UPDATE job_queue jq SET workflow_step_id = st.id
              FROM workflow_step st WHERE st.id = ANY (v_ids) AND jq.id = st.job_id;
        EXCEPTION WHEN OTHERS THEN
            FOREACH v_child IN ARRAY v_ids LOOP
                PERFORM fn_workflow_step_finish(v_child, 'failed', NULL, 'not_started: ' || SQLERRM);
            END LOOP;
        END;
    END IF;
    FOR s IN UPDATE workflow_step SET status = 'active', started_at = now()
              WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind = 'workflow'
             RETURNING id, spec LOOP
        v_child := fn_workflow_insert(s.spec, s.id);
        UPDATE workflow_step SET child_workflow_id = v_child WHERE id = s.id;
    END LOOP;
END;
$$;

CREATE FUNCTION fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) RETURNS void
LANGUAGE plpgsql AS $$
-- A step ended (succeeded, failed or cancelled). Its dependents each take one
-- dependency off under their row lock: those left with none start, or are
-- cancelled when a dependency did not succeed and they do not run anyway; then
-- its workflow takes one open step off, and the workflow that reaches none
-- finishes, and with it the sub-workflow step that made it. A worklist, not
-- recursion, so a chain of 1,000 cancelled steps is one loop.
DECLARE
    v_work   jsonb := jsonb_build_array(jsonb_build_object('step', p_step_id, 'outcome', p_outcome,
                                                           'result', p_result, 'error', p_error));
    v_item   jsonb;
    v_step   workflow_step%ROWTYPE;
    v_wf     workflow%ROWTYPE;
    v_start  bigint[];
    d        record;
BEGIN
    WHILE jsonb_array_length(v_work) > 0 LOOP
        v_item := v_work -> 0;
        v_work := v_work - 0;
        UPDATE workflow_step
           SET status = v_item ->> 'outcome', result = v_item -> 'result', error = v_item ->> 'error',
               finished_at = now()
         WHERE id = (v_item ->> 'step')::bigint AND status IN ('waiting', 'active')
        RETURNING * INTO v_step;
        CONTINUE WHEN NOT FOUND;  -- already final (a cancelled step whose job finished late)
        v_start := '{}';
        FOR d IN UPDATE workflow_step s
                    SET deps_pending = s.deps_pending - 1,
                        deps_failed = s.deps_failed + (v_step.status <> 'succeeded')::integer
                   FROM workflow_step_dependency dep
                  WHERE dep.depends_on_id = v_step.id AND s.id = dep.step_id AND s.status = 'waiting'
                 RETURNING s.id, s.deps_pending, s.deps_failed, s.on_dependency_failure LOOP
            IF d.deps_pending = 0 THEN
                IF d.deps_failed > 0 AND d.on_dependency_failure = 'cancel' THEN
                    v_work := v_work || jsonb_build_object('step', d.id, 'outcome', 'cancelled', 'error',
                        'dependency_failed: a step it depends on did not succeed');
                ELSE
                    v_start := v_start || d.id;
                END IF;
            END IF;
        END LOOP;
        PERFORM fn_workflow_steps_start(v_start);
        UPDATE workflow SET steps_open = steps_open - 1 WHERE id = v_step.workflow_id RETURNING * INTO v_wf;
        IF v_wf.steps_open = 0 AND v_wf.status = 'running' THEN
            UPDATE workflow
               SET status = CASE
                       WHEN cancel_reason IS NOT NULL THEN 'cancelled'
                       WHEN EXISTS (SELECT 1 FROM workflow_step WHERE workflow_id = v_wf.id AND status <> 'succeeded')
                           THEN 'failed'
                       ELSE 'succeeded' END,
                   -- the final result: what each step no other step depends on answered
                   result = (SELECT coalesce(jsonb_object_agg(s.name, s.result), '{}') FROM workflow_step s
                              WHERE s.workflow_id = v_wf.id
                                AND NOT EXISTS (SELECT 1 FROM workflow_step_dependency x WHERE x.depends_on_id = s.id)),
                   finished_at = now()
             WHERE id = v_wf.id
            RETURNING * INTO v_wf;
            IF v_wf.parent_step_id IS NOT NULL THEN
                v_work := v_work || jsonb_build_object('step', v_wf.parent_step_id,
                    'outcome', CASE v_wf.status WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled'
                                                ELSE 'failed' END,
                    'result', v_wf.result,
                    'error', CASE WHEN v_wf.status <> 'succeeded' THEN format('sub-workflow %s %s', v_wf.id, v_wf.status) END);
            END IF;
        END IF;
    END LOOP;
END;
$$;

CREATE FUNCTION fn_workflow_job_finished() RETURNS trigger
LANGUAGE plpgsql AS $$
-- AFTER UPDATE OF status on job_queue, only for a step's job reaching a final
-- status (the trigger's WHEN): the step finishes in the same transaction as its
-- job, so a worker killed before its ack leaves both as they were.
BEGIN
    PERFORM fn_workflow_step_finish(
        NEW.workflow_step_id,
        CASE NEW.status WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END,
        NEW.result,
        CASE WHEN NEW.status <> 'succeeded' THEN format('job %s %s: %s', NEW.id, NEW.status, NEW.last_error) END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_queue_workflow_step_finished
    AFTER UPDATE OF status ON job_queue
    FOR EACH ROW
    WHEN (NEW.workflow_step_id IS NOT NULL AND NEW.status IN ('succeeded', 'dead', 'cancelled')
          AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION fn_workflow_job_finished();

-- ---------------------------------------------------------------------------
-- Cancelling
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
-- Cancels every step of a running workflow that has not finished, its
-- sub-workflows' steps too (to any depth): waiting steps at once, queued and
-- running jobs through fn_job_cancel_many_unaudited (a running attempt's late
-- ack is refused). The workflow then finishes as cancelled. Answers how many
-- steps were cancelled.
DECLARE
    v_n integer := 0;
    v_child bigint;
    v_jobs bigint[];
    v_waiting integer;
BEGIN
    UPDATE workflow SET cancel_reason = p_reason WHERE id = p_workflow_id AND status = 'running' AND cancel_reason IS NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    FOR v_child IN SELECT child_workflow_id FROM workflow_step
                    WHERE workflow_id = p_workflow_id AND status = 'active' AND step_kind = 'workflow'
                    ORDER BY id LOOP
        v_n := v_n + fn_workflow_cancel_unaudited(v_child, p_reason);
    END LOOP;
    WITH c AS (
        UPDATE workflow_step SET status = 'cancelled', error = 'workflow_cancelled: ' || p_reason, finished_at = now()
         WHERE workflow_id = p_workflow_id AND status = 'waiting'
        RETURNING id
    )
    SELECT count(*) INTO v_waiting FROM c;
    v_n := v_n + v_waiting;
    IF v_waiting > 0 THEN
        UPDATE workflow SET steps_open = steps_open - v_waiting WHERE id = p_workflow_id;
    END IF;
    v_jobs := ARRAY(SELECT job_id FROM workflow_step
                     WHERE workflow_id = p_workflow_id AND status = 'active' AND step_kind = 'job' ORDER BY job_id);
    IF cardinality(v_jobs) > 0 THEN
        v_n := v_n + jsonb_array_length(fn_job_cancel_many_unaudited(v_jobs, p_reason) -> 'cancelled');
    END IF;
    -- A workflow left with no open step (every job had just finished) finishes here.
    IF (SELECT steps_open FROM workflow WHERE id = p_workflow_id) = 0 THEN
        UPDATE workflow SET status = 'cancelled', finished_at = now(),
                            result = '{}'
         WHERE id = p_workflow_id AND status = 'running';
    END IF;
    RETURN v_n;
END;
$$;

CREATE FUNCTION fn_workflow_cancel(p_workflow_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A governed act (audited as workflow.cancel): {"status": "cancelled",
-- "workflow_id", "steps_cancelled"} or {"status": "nothing_to_do", ...} for a
-- workflow that is not running. Cancelling a sub-workflow cancels it alone; its
-- step then counts as cancelled for its dependents.
DECLARE
    v_reason text := fn_reason_checked(p_reason);
    v_status text;
    v_n integer;
BEGIN
    PERFORM fn_actor_required();
    IF v_reason IS NULL OR length(btrim(v_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: cancelling a workflow needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT status INTO v_status FROM workflow WHERE id = p_workflow_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_workflow: no workflow %', p_workflow_id USING ERRCODE = 'QG005';
    END IF;
    IF v_status <> 'running' THEN
        RETURN fn_act_audit(jsonb_build_object('status', 'nothing_to_do', 'workflow_id', p_workflow_id,
                                               'workflow_status', v_status),
                            'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
    END IF;
    PERFORM fn_workflow_cancel_unaudited(p_workflow_id, btrim(v_reason));
    -- every step of the tree this transaction ended (sub-workflow steps end with their workflow)
    WITH RECURSIVE tree AS (
        SELECT p_workflow_id AS id
        UNION ALL
        SELECT s.child_workflow_id FROM tree JOIN workflow_step s ON s.workflow_id = tree.id
         WHERE s.child_workflow_id IS NOT NULL
    )
    SELECT count(*) INTO v_n FROM workflow_step s JOIN tree ON s.workflow_id = tree.id
     WHERE s.status = 'cancelled' AND s.finished_at = now();
    RETURN fn_act_audit(jsonb_build_object('status', 'cancelled', 'workflow_id', p_workflow_id, 'steps_cancelled', v_n),
                        'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
END;
$$;

-- ---------------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_workflow_step_inputs(p_job_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- What a step's job reads of its dependencies: {"workflow_id", "workflow",
-- "step", "inputs": {<dependency>: {"status", "result", "error", "job_id",
-- "workflow_id"}}}. Results were checked by the payload rules when their jobs
-- were acked. An executor login reads only the jobs leased to it.
DECLARE
    j job_queue%ROWTYPE;
BEGIN
    SELECT * INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND OR j.workflow_step_id IS NULL THEN
        RAISE EXCEPTION 'not_a_workflow_step: job % does not run a workflow step', p_job_id USING ERRCODE = 'QG005';
    END IF;
    IF NOT fn_caller_names_actor() AND coalesce(j.lease_owner, '') NOT LIKE session_user || '/%' THEN
        RAISE EXCEPTION 'lease_lost: job % is not leased to %', p_job_id, session_user USING ERRCODE = 'QG002';
    END IF;
    RETURN (SELECT jsonb_build_object(
                'workflow_id', w.id, 'workflow', w.name, 'step', s.name,
                'inputs', (SELECT coalesce(jsonb_object_agg(p.name, jsonb_build_object(
                                     'status', p.status, 'result', p.result, 'error', p.error,
                                     'job_id', p.job_id, 'workflow_id', p.child_workflow_id)), '{}')
                             FROM workflow_step_dependency d JOIN workflow_step p ON p.id = d.depends_on_id
                            WHERE d.step_id = s.id))
              FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
             WHERE s.id = j.workflow_step_id);
END;
$$;
