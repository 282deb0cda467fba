-- Issue 18, a review's findings (docs/workflows.md): what a spec could carry
-- that broke a workflow later, inside a worker's ack (where a failure also
-- stalls the lease reaper, which reaps every expired job in one transaction), is
-- refused when the workflow is created; a step that still cannot start fails
-- alone; a retry recounts every step waiting on what it resets; a cancelled
-- workflow starts nothing more; executors create no human steps; an approval
-- nobody may decide is refused; more ready steps than one enqueue takes are
-- enqueued in chunks; an executor's lease is matched exactly.


CREATE FUNCTION fn_task_decidable(p_spec jsonb, p_kind text, p_starter text, p_what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
-- An approval someone may decide: one user decides once (so it needs one
-- approver), and never the person who starts the workflow or files the task.
BEGIN
    IF p_kind = 'approval' AND p_spec -> 'assignee' ? 'user' THEN
        IF coalesce((p_spec ->> 'required')::integer, 1) > 1 THEN
            RAISE EXCEPTION 'invalid_task: %an approval assigned to one user needs 1 approver, not %', p_what,
                    p_spec ->> 'required'
                USING ERRCODE = 'QG004';
        END IF;
        IF 'user:' || btrim(p_spec -> 'assignee' ->> 'user') = p_starter THEN
            RAISE EXCEPTION 'four_eyes: % may not approve what they start (%); assign the approval to someone else',
                    p_starter, coalesce(nullif(rtrim(p_what, ': '), ''), 'the approval')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
END;
$$;


CREATE OR REPLACE FUNCTION fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
-- (Replaces sql/workflows/0003's: names usable as result keys, correlation ids,
-- human steps by the app only, approvals someone may decide.)
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
    -- A step name is a key of the workflow's final result: a prohibited payload key
    -- ("embedding", "body", ...) would be refused when the workflow finishes.
    BEGIN
        PERFORM fn_payload_keys_safe(jsonb_object_agg(s ->> 'name', true)) FROM jsonb_array_elements(v_steps) s;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'invalid_step_name: %a step name is a key of the workflow''s result and may not be a prohibited payload key: %',
                p_path, SQLERRM
            USING ERRCODE = 'QG004';
    END;
    IF p_spec ? 'correlation_id' AND (jsonb_typeof(p_spec -> 'correlation_id') <> 'string'
                                      OR length(p_spec ->> 'correlation_id') > 200) THEN
        RAISE EXCEPTION 'invalid_workflow: %a correlation_id is text of at most 200 characters', p_path USING ERRCODE = 'QG004';
    END IF;
    -- People's work is assigned by the app, which names the person who asks.
    IF NOT fn_caller_names_actor()
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(v_steps) s WHERE s ? 'task' OR s ? 'approval') THEN
        RAISE EXCEPTION 'human_steps_refused: %an executor login creates workflows of jobs; task and approval steps are the app''s',
                p_path
            USING ERRCODE = 'QG002';
    END IF;
    SELECT s ->> 'name' INTO v_dup FROM jsonb_array_elements(v_steps) s
     GROUP BY s ->> 'name' HAVING count(*) > 1 ORDER BY s ->> 'name' LIMIT 1;
    IF v_dup IS NOT NULL THEN
        RAISE EXCEPTION 'duplicate_step: %two steps are named %', p_path, v_dup USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, s INTO v_bad FROM jsonb_array_elements(v_steps) s
     WHERE (s ? 'job')::integer + (s ? 'workflow')::integer + (s ? 'task')::integer + (s ? 'approval')::integer <> 1
        OR s - ARRAY['name', 'job', 'workflow', 'task', 'approval', 'depends_on', 'on_dependency_failure'] <> '{}'::jsonb
        OR (s ? 'depends_on' AND jsonb_typeof(s -> 'depends_on') <> 'array')
        OR (s ? 'on_dependency_failure' AND coalesce(s ->> 'on_dependency_failure', '') NOT IN ('cancel', 'run'))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_step: %step % has exactly one of job, workflow, task or approval, depends_on as an array of step names and on_dependency_failure cancel or run (keys: name, job, workflow, task, approval, depends_on, on_dependency_failure), not %',
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
        EXCEPTION WHEN SQLSTATE 'QG002' OR SQLSTATE 'QG004' OR SQLSTATE 'QG005' OR SQLSTATE 'QG007'
                       OR SQLSTATE '23514' THEN
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
    FOR v_bad IN SELECT s ->> 'name' AS name, CASE WHEN s ? 'task' THEN 'task' ELSE 'approval' END AS kind,
                        coalesce(s -> 'task', s -> 'approval') AS spec
                   FROM jsonb_array_elements(v_steps) s WHERE s ? 'task' OR s ? 'approval' LOOP
        PERFORM fn_task_spec_check(v_bad.spec, v_bad.kind, p_path || 'step ' || v_bad.name || ': ');
        PERFORM fn_task_decidable(v_bad.spec, v_bad.kind, fn_actor(), p_path || 'step ' || v_bad.name || ': ');
    END LOOP;
    v_total := jsonb_array_length(v_steps);
    FOR v_sub IN SELECT s ->> 'name' AS name, s -> 'workflow' AS spec FROM jsonb_array_elements(v_steps) s
                  WHERE s ? 'workflow' LOOP
        v_total := v_total + fn_workflow_spec_check(v_sub.spec, p_path || 'step ' || v_sub.name || ' > ', p_depth + 1);
    END LOOP;
    RETURN v_total;
END;
$_$;

CREATE OR REPLACE FUNCTION fn_workflow_steps_start(p_step_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0003's.) Starts waiting steps whose dependencies have
-- all finished: job steps' jobs are enqueued (fn_job_enqueue_many: its gate,
-- registry, payload and wake-up rules), in chunks of queue.enqueue_many.max_jobs,
-- and linked both ways; a task or approval step assigns its task; a sub-workflow
-- step writes its workflow. What cannot start now (a kind retired since the
-- workflow was created, a closed gate, a kind an executor's transaction may not
-- enqueue) fails with not_started instead of failing the transaction that
-- finished its dependency, which is a worker's ack; a deadlock or serialization
-- failure is raised, so the transaction is tried again.
DECLARE
    v_ids bigint[];
    v_chunk bigint[];
    v_max integer := fn_setting_int('queue.enqueue_many.max_jobs');
    v_answer jsonb;
    s record;
    v_child bigint;
    v_from integer;
BEGIN
    IF cardinality(p_step_ids) = 0 THEN
        RETURN;
    END IF;
    WITH started AS (
        UPDATE workflow_step SET status = 'active', started_at = now()
         WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind = 'job'
        RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO v_ids FROM started;
    v_from := 1;
    WHILE v_ids IS NOT NULL AND v_from <= cardinality(v_ids) LOOP
        v_chunk := v_ids[v_from:v_from + v_max - 1];
        v_from := v_from + v_max;
        BEGIN
            v_answer := fn_job_enqueue_many(
                (SELECT jsonb_agg(s2.spec || jsonb_build_object('correlation_id',
                                      coalesce(s2.spec ->> 'correlation_id', w.correlation_id)) ORDER BY s2.id)
                   FROM workflow_step s2 JOIN workflow w ON w.id = s2.workflow_id WHERE s2.id = ANY (v_chunk)));
            IF v_answer ->> 'status' <> 'enqueued' THEN
                RAISE EXCEPTION '%: % is closed', v_answer ->> 'status', v_answer ->> 'gate' USING ERRCODE = 'QG003';
            END IF;
            -- the jobs were inserted in step order: their ids ascend with it
            UPDATE workflow_step st SET job_id = j.job_id
              FROM (SELECT u.step_id, (v_answer -> 'job_ids' ->> (u.ord - 1)::integer)::bigint AS job_id
                      FROM unnest(v_chunk) WITH ORDINALITY AS u(step_id, ord)) j
             WHERE st.id = j.step_id;
            UPDATE job_queue jq SET workflow_step_id = st.id
              FROM workflow_step st WHERE st.id = ANY (v_chunk) AND jq.id = st.job_id;
        EXCEPTION
            WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
                RAISE;
            WHEN OTHERS THEN
                FOREACH v_child IN ARRAY v_chunk LOOP
                    PERFORM fn_workflow_step_finish(v_child, 'failed', NULL, 'not_started: ' || SQLERRM);
                END LOOP;
        END;
    END LOOP;
    FOR s IN UPDATE workflow_step SET status = 'active', started_at = now()
              WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind IN ('task', 'approval', 'workflow')
             RETURNING id, spec, step_kind LOOP
        BEGIN
            IF s.step_kind = 'workflow' THEN
                v_child := fn_workflow_insert(s.spec, s.id);
                UPDATE workflow_step SET child_workflow_id = v_child WHERE id = s.id;
            ELSE
                PERFORM fn_task_insert(s.step_kind, s.spec, s.id, 'workflow_step', s.id::text);
            END IF;
        EXCEPTION
            WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
                RAISE;
            WHEN OTHERS THEN
                PERFORM fn_workflow_step_finish(s.id, 'failed', NULL, 'not_started: ' || SQLERRM);
        END;
    END LOOP;
END;
$$;


CREATE OR REPLACE FUNCTION fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0001's: a workflow being cancelled starts nothing more.)
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
                IF (d.deps_failed > 0 AND d.on_dependency_failure = 'cancel')
                   OR EXISTS (SELECT 1 FROM workflow WHERE id = v_step.workflow_id AND cancel_reason IS NOT NULL) THEN
                    v_work := v_work || jsonb_build_object('step', d.id, 'outcome', 'cancelled', 'error',
                        CASE WHEN d.deps_failed > 0 AND d.on_dependency_failure = 'cancel'
                             THEN 'dependency_failed: a step it depends on did not succeed'
                             ELSE 'workflow_cancelled: its workflow is being cancelled' END);
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

CREATE OR REPLACE FUNCTION fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0003's: waiting steps first, so no sub-workflow that
-- ends as cancelled starts a dependent.)
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
    v_task human_task;
BEGIN
    UPDATE workflow SET cancel_reason = p_reason WHERE id = p_workflow_id AND status = 'running' AND cancel_reason IS NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
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
    FOR v_child IN SELECT child_workflow_id FROM workflow_step
                    WHERE workflow_id = p_workflow_id AND status = 'active' AND step_kind = 'workflow'
                    ORDER BY id LOOP
        v_n := v_n + fn_workflow_cancel_unaudited(v_child, p_reason);
    END LOOP;
    -- open tasks and approvals of its active steps are cancelled, and their steps with them
    FOR v_task IN UPDATE human_task t
                     SET status = 'cancelled', finished_at = now(), finished_by = fn_actor(), reason = p_reason
                    FROM workflow_step s
                   WHERE s.workflow_id = p_workflow_id AND s.status = 'active' AND t.workflow_step_id = s.id
                     AND t.status IN ('open', 'claimed', 'started')
                  RETURNING t.* LOOP
        PERFORM fn_task_finished(v_task);
        v_n := v_n + 1;
    END LOOP;
    v_jobs := ARRAY(SELECT job_id FROM workflow_step
                     WHERE workflow_id = p_workflow_id AND status = 'active' AND step_kind = 'job' ORDER BY job_id);
    IF cardinality(v_jobs) > 0 THEN
        v_n := v_n + jsonb_array_length(fn_job_cancel_many_unaudited(v_jobs, p_reason) -> 'cancelled');
    END IF;
    -- A workflow left with no open step (every job had just finished) finishes here.
    IF (SELECT steps_open FROM workflow WHERE id = p_workflow_id) = 0 THEN
        UPDATE workflow SET status = 'cancelled', finished_at = now(),
                            result = (SELECT coalesce(jsonb_object_agg(s.name, s.result), '{}') FROM workflow_step s
                                       WHERE s.workflow_id = p_workflow_id
                                         AND NOT EXISTS (SELECT 1 FROM workflow_step_dependency x
                                                          WHERE x.depends_on_id = s.id))
         WHERE id = p_workflow_id AND status = 'running';
    END IF;
    RETURN v_n;
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0002's: steps still waiting on a reset step are recounted.)
DECLARE
    s workflow_step%ROWTYPE;
    w workflow%ROWTYPE;
    v_reset bigint[];
    v_ready bigint[];
BEGIN
    SELECT * INTO s FROM workflow_step WHERE id = p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_workflow_step: no workflow step %', p_step_id USING ERRCODE = 'QG005';
    END IF;
    SELECT * INTO w FROM workflow WHERE id = s.workflow_id FOR UPDATE;
    PERFORM 1 FROM workflow_step WHERE workflow_id = w.id ORDER BY id FOR UPDATE;
    SELECT * INTO s FROM workflow_step WHERE id = p_step_id;
    IF s.status <> 'failed' OR s.step_kind <> 'job' THEN
        RAISE EXCEPTION 'step_not_retryable: step % of workflow % is a % step that %; only a failed job step is retried',
                s.name, w.id, s.step_kind, s.status
            USING ERRCODE = 'QG003';
    END IF;
    IF w.cancel_reason IS NOT NULL THEN
        RAISE EXCEPTION 'workflow_cancelled: workflow % was cancelled (%); its steps are not retried', w.id, w.cancel_reason
            USING ERRCODE = 'QG003';
    END IF;
    IF w.status <> 'running' AND w.parent_step_id IS NOT NULL THEN
        RAISE EXCEPTION 'sub_workflow_finished: workflow % finished as % and its parent step with it; retry in a running workflow',
                w.id, w.status
            USING ERRCODE = 'QG003';
    END IF;
    -- The step, and what its failure cancelled (transitively): they wait again.
    WITH RECURSIVE again AS (
        SELECT p_step_id AS id
        UNION
        SELECT d.step_id FROM again JOIN workflow_step_dependency d ON d.depends_on_id = again.id
          JOIN workflow_step x ON x.id = d.step_id
         WHERE x.status = 'cancelled' AND x.error LIKE 'dependency_failed:%'
    )
    SELECT array_agg(id ORDER BY id) INTO v_reset FROM again;
    -- Steps still waiting on one of them count it as pending again.
    UPDATE workflow_step x SET deps_pending = c.pending, deps_failed = c.failed
      FROM (SELECT x2.id,
                   count(p.id) FILTER (WHERE p.status IN ('waiting', 'active') OR p.id = ANY (v_reset))::integer AS pending,
                   count(p.id) FILTER (WHERE p.status IN ('failed', 'cancelled') AND p.id <> ALL (v_reset))::integer AS failed
              FROM workflow_step x2
              JOIN workflow_step_dependency d ON d.step_id = x2.id
              JOIN workflow_step p ON p.id = d.depends_on_id
             WHERE x2.workflow_id = w.id AND x2.status = 'waiting' AND x2.id <> ALL (v_reset)
               AND EXISTS (SELECT 1 FROM workflow_step_dependency d2
                            WHERE d2.step_id = x2.id AND d2.depends_on_id = ANY (v_reset))
             GROUP BY x2.id) c
     WHERE x.id = c.id;
    UPDATE workflow_step x
       SET status = 'waiting', result = NULL, error = NULL, started_at = NULL, finished_at = NULL, job_id = NULL,
           deps_pending = c.pending, deps_failed = c.failed
      FROM (SELECT x2.id,
                   count(p.id) FILTER (WHERE p.status IN ('waiting', 'active') OR p.id = ANY (v_reset))::integer AS pending,
                   count(p.id) FILTER (WHERE p.status IN ('failed', 'cancelled') AND p.id <> ALL (v_reset))::integer AS failed
              FROM workflow_step x2
              LEFT JOIN workflow_step_dependency d ON d.step_id = x2.id
              LEFT JOIN workflow_step p ON p.id = d.depends_on_id
             WHERE x2.id = ANY (v_reset)
             GROUP BY x2.id) c
     WHERE x.id = c.id;
    UPDATE workflow SET status = 'running', finished_at = NULL, result = NULL,
                        steps_open = steps_open + cardinality(v_reset)
     WHERE id = w.id;
    v_ready := ARRAY(SELECT id FROM workflow_step WHERE id = ANY (v_reset) AND deps_pending = 0 ORDER BY id);
    PERFORM fn_workflow_steps_start(v_ready);
    RETURN jsonb_build_object('status', 'retried', 'workflow_id', w.id, 'step', s.name,
                              'steps_waiting_again', cardinality(v_reset),
                              'job_id', (SELECT job_id FROM workflow_step WHERE id = p_step_id));
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- Writes a checked task spec and tells its assignee: task.assigned, delivered to
-- the assignee's inbox at once (fn_event_addressed; with event.emit_enabled closed the task
-- is only in the task list).
DECLARE
    v_id bigint;
    v_kind text := (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k);
    v_who text := btrim(p_spec -> 'assignee' ->> (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k));
    v_event jsonb;
BEGIN
    INSERT INTO human_task (task_kind, title, description, assignee_kind, assignee, approvals_required, due_at,
                            subject_table, subject_ref, workflow_step_id, created_by)
    VALUES (p_kind, btrim(p_spec ->> 'title'), coalesce(p_spec ->> 'description', ''), v_kind, v_who,
            CASE WHEN p_kind = 'approval' THEN coalesce((p_spec ->> 'required')::integer, 1) END,
            now() + make_interval(secs => (p_spec ->> 'due_in_seconds')::double precision),
            p_subject_table, p_subject_ref, p_step_id,
            CASE WHEN p_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_step_id) END)
    RETURNING id INTO v_id;
    v_event := fn_event_emit('governance.task.assigned', 'human_task', v_id::text,
                             jsonb_build_object('task_id', v_id, 'task_kind', p_kind, 'title', btrim(p_spec ->> 'title'),
                                                'assignee_kind', v_kind, 'assignee', v_who, 'workflow_step_id', p_step_id));
    PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', v_kind, 'ref', v_who)));
    RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_create(p_spec jsonb, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- A task (or an approval: "required" in the spec) on a person's task list,
-- optionally about a subject (a table and a row). {"status": "created", "task_id"}.
DECLARE
    v_kind text := CASE WHEN p_spec ? 'required' THEN 'approval' ELSE 'task' END;
    v_id bigint;
BEGIN
    PERFORM fn_actor_required();
    PERFORM fn_task_spec_check(p_spec, v_kind, '');
    PERFORM fn_task_decidable(p_spec, v_kind, fn_actor(), '');
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_task: a subject is a table and a row reference together' USING ERRCODE = 'QG004';
    END IF;
    v_id := fn_task_insert(v_kind, p_spec, NULL, p_subject_table, p_subject_ref);
    RETURN fn_act_audit(jsonb_build_object('status', 'created', 'task_id', v_id, 'task_kind', v_kind),
                        'task.create', 'human_task', ARRAY[v_id::text], p_spec ->> 'title');
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_step_inputs(p_job_id bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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
    -- the login's own prefix, compared exactly (a LIKE pattern would read "_" as any character)
    IF NOT fn_caller_names_actor() AND left(coalesce(j.lease_owner, ''), length(session_user) + 1) <> session_user || '/' THEN
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
