-- Issue 18: a running job step adds workflows (docs/workflows.md, "Workflows a
-- job adds"). A step's job, while it holds its lease, adds a workflow under its
-- step with fn_workflow_add; the step then finishes when its job has succeeded
-- and every workflow the job added has finished, so its dependents wait for
-- them, at any depth. Its result is {"job": <the job's result>, "workflows":
-- {<name>: {"workflow_id", "status", "result"}}}. Names are unique per job: an
-- attempt re-run after a crash that adds the same name is answered the workflow
-- already added, so a killed worker never doubles the work. A job that fails,
-- or is cancelled, takes the workflows it added with it.

ALTER TABLE workflow ADD COLUMN added_by_job_id bigint;
COMMENT ON COLUMN workflow.added_by_job_id IS
    'The job that added this workflow while running its step (parent_step_id); NULL for declared sub-workflows and top-level workflows.';
ALTER TABLE workflow ADD CONSTRAINT workflow_added_under_its_step
    CHECK (added_by_job_id IS NULL OR parent_step_id IS NOT NULL);
COMMENT ON CONSTRAINT workflow_added_under_its_step ON workflow IS
    'A workflow a job added hangs under the step that job runs.';
CREATE UNIQUE INDEX workflow_added_name ON workflow (added_by_job_id, name) WHERE added_by_job_id IS NOT NULL;
COMMENT ON INDEX workflow_added_name IS
    'One workflow per name per job: a re-run attempt adding the same name finds the one already added.';

ALTER TABLE workflow_step ADD COLUMN added_open integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN workflow_step.added_open IS
    'Workflows its current job added that have not finished yet; the step waits for them.';
ALTER TABLE workflow_step ADD CONSTRAINT workflow_step_added_open_counted CHECK (added_open >= 0);
COMMENT ON CONSTRAINT workflow_step_added_open_counted ON workflow_step IS
    'A count of open workflows is never negative.';
ALTER TABLE workflow_step ADD COLUMN job_succeeded boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN workflow_step.job_succeeded IS
    'Its job succeeded while workflows it added were still open: result holds the job''s answer until they finish.';

CREATE FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint, p_added_by_job_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
-- Writes a checked spec (and its sub-workflow specs, when their steps start) and
-- starts the steps that depend on nothing; answers the workflow's id. A workflow
-- a running job added names that job (p_added_by_job_id) before any of its
-- steps starts, so one that fails at once is counted by the job's step.
DECLARE
    v_id bigint;
    v_n integer := jsonb_array_length(p_spec -> 'steps');
BEGIN
    INSERT INTO workflow (name, parent_step_id, added_by_job_id, started_by, correlation_id, steps_total, steps_open)
    VALUES (p_spec ->> 'name', p_parent_step_id, p_added_by_job_id,
            CASE WHEN p_parent_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_parent_step_id) END,
            coalesce(p_spec ->> 'correlation_id',
                     (SELECT w.correlation_id FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                       WHERE s.id = p_parent_step_id)),
            v_n, v_n)
    RETURNING id INTO v_id;
    INSERT INTO workflow_step (workflow_id, name, step_kind, spec, on_dependency_failure, deps_total, deps_pending)
    SELECT v_id, s ->> 'name',
           CASE WHEN s ? 'job' THEN 'job' WHEN s ? 'workflow' THEN 'workflow' WHEN s ? 'task' THEN 'task' ELSE 'approval' END,
           coalesce(s -> 'job', s -> 'workflow', s -> 'task', s -> 'approval'),
           coalesce(s ->> 'on_dependency_failure', 'cancel'),
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

CREATE OR REPLACE FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) RETURNS bigint
LANGUAGE sql AS $$
    -- (Replaces sql/workflows/0003's.) A declared workflow: no job added it.
    SELECT fn_workflow_insert(p_spec, p_parent_step_id, NULL)
$$;

CREATE FUNCTION fn_workflow_step_added_outcome(p_step_id bigint, p_job_id bigint, p_job_result jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- How a job step ends whose job succeeded and whose added workflows have all
    -- finished: succeeded when they all did, else failed (or cancelled when none
    -- failed), with the job's result and theirs.
    SELECT jsonb_build_object(
               'step', p_step_id, 'settled', true,
               'outcome', CASE WHEN bool_or(w.status = 'failed') THEN 'failed'
                               WHEN bool_or(w.status = 'cancelled') THEN 'cancelled'
                               ELSE 'succeeded' END,
               'result', jsonb_build_object('job', p_job_result, 'workflows',
                   jsonb_object_agg(w.name, jsonb_build_object('workflow_id', w.id, 'status', w.status, 'result', w.result))),
               'error', 'added_workflow_not_succeeded: '
                        || string_agg(format('%s (#%s) %s', w.name, w.id, w.status), ', ' ORDER BY w.id)
                               FILTER (WHERE w.status <> 'succeeded'))
      FROM workflow w
     WHERE w.added_by_job_id = p_job_id
$$;

CREATE FUNCTION fn_workflow_step_added_settle(s workflow_step, p_item jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- An active job step's worklist item (fn_workflow_step_finish): its job finished,
-- or a workflow its job added did. Answers the item that finishes the step, or
-- NULL while it waits for the other. A workflow added by an earlier job of a
-- retried step is not counted.
BEGIN
    IF p_item ? 'workflow' THEN
        PERFORM 1 FROM workflow WHERE id = (p_item ->> 'workflow')::bigint AND added_by_job_id = s.job_id;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        UPDATE workflow_step SET added_open = added_open - 1 WHERE id = s.id RETURNING * INTO s;
        IF s.added_open > 0 OR NOT s.job_succeeded THEN
            RETURN NULL;
        END IF;
        RETURN fn_workflow_step_added_outcome(s.id, s.job_id, s.result);
    END IF;
    IF s.job_id IS NULL OR NOT EXISTS (SELECT 1 FROM workflow WHERE added_by_job_id = s.job_id) THEN
        RETURN p_item;  -- its job added nothing: the job's outcome is the step's
    END IF;
    IF p_item ->> 'outcome' <> 'succeeded' THEN
        RETURN p_item;  -- it ends as its job did; what the job added is cancelled after
    END IF;
    IF s.added_open > 0 THEN
        UPDATE workflow_step SET job_succeeded = true, result = p_item -> 'result' WHERE id = s.id;
        RETURN NULL;
    END IF;
    RETURN fn_workflow_step_added_outcome(s.id, s.job_id, p_item -> 'result');
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) RETURNS void
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0005's: a job step that added workflows finishes when
-- its job and they all have: fn_workflow_step_added_settle.)
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
    v_open   workflow_step%ROWTYPE;
    v_child  bigint;
BEGIN
    WHILE jsonb_array_length(v_work) > 0 LOOP
        v_item := v_work -> 0;
        v_work := v_work - 0;
        IF NOT v_item ? 'settled' THEN
            SELECT * INTO v_open FROM workflow_step
             WHERE id = (v_item ->> 'step')::bigint AND status = 'active' AND step_kind = 'job';
            IF FOUND THEN
                v_item := fn_workflow_step_added_settle(v_open, v_item);
                CONTINUE WHEN v_item IS NULL;  -- it waits for its job or for a workflow its job added
            END IF;
        END IF;
        UPDATE workflow_step
           SET status = v_item ->> 'outcome', result = v_item -> 'result', error = v_item ->> 'error',
               finished_at = now()
         WHERE id = (v_item ->> 'step')::bigint AND status IN ('waiting', 'active')
        RETURNING * INTO v_step;
        CONTINUE WHEN NOT FOUND;  -- already final (a cancelled step whose job finished late)
        -- A job step that did not succeed takes the workflows its job added with it.
        IF v_step.added_open > 0 AND v_step.status <> 'succeeded' THEN
            FOR v_child IN SELECT id FROM workflow WHERE added_by_job_id = v_step.job_id AND status = 'running'
                            ORDER BY id LOOP
                PERFORM fn_workflow_cancel_unaudited(v_child,
                    format('step_ended: step %s of workflow %s %s', v_step.name, v_step.workflow_id, v_step.status));
            END LOOP;
            UPDATE workflow_step SET added_open = 0 WHERE id = v_step.id;
        END IF;
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
                v_work := v_work || jsonb_build_object('step', v_wf.parent_step_id, 'workflow', v_wf.id,
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
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0005's: workflows a running job step added are
-- cancelled too.)
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
    -- sub-workflows of its active steps: declared ones and those a step's job added
    FOR v_child IN SELECT c.id FROM workflow_step s JOIN workflow c ON c.parent_step_id = s.id
                    WHERE s.workflow_id = p_workflow_id AND s.status = 'active' AND c.status = 'running'
                    ORDER BY c.id LOOP
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
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0005's: a reset job step counts no added workflow.)
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
           added_open = 0, job_succeeded = false,
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

CREATE FUNCTION fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A running job adds a workflow under its step (the spec as fn_workflow_create
-- takes it). Fenced like an ack: the job must be running under this worker's
-- lease at this attempt. {"status": "added", "workflow_id", "steps"},
-- {"status": "already_added", "workflow_id"} when this job added one of that
-- name before (a re-run attempt), or gate_closed.
DECLARE
    j job_queue%ROWTYPE;
    s workflow_step%ROWTYPE;
    v_depth integer;
    v_total integer;
    v_id bigint;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    PERFORM fn_job_attempt_required(p_attempt, 'fn_workflow_add');
    -- the job's row before its step's, in the order its ack takes them
    SELECT * INTO j FROM job_queue WHERE id = p_job_id FOR SHARE;
    IF NOT FOUND OR (j.status = 'running') IS NOT TRUE OR j.lease_owner IS DISTINCT FROM fn_worker_ref(p_worker_id)
       OR j.attempts <> p_attempt THEN
        RAISE EXCEPTION '%', fn_job_fence_refusal(p_job_id, fn_worker_ref(p_worker_id), p_attempt) ->> 'reason'
            USING ERRCODE = 'QG002';
    END IF;
    IF j.workflow_step_id IS NULL THEN
        RAISE EXCEPTION 'not_a_workflow_step: job % does not run a workflow step', p_job_id USING ERRCODE = 'QG005';
    END IF;
    SELECT * INTO s FROM workflow_step WHERE id = j.workflow_step_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM workflow WHERE id = s.workflow_id AND cancel_reason IS NOT NULL) THEN
        RAISE EXCEPTION 'workflow_cancelled: workflow % is being cancelled; its steps add nothing', s.workflow_id
            USING ERRCODE = 'QG003';
    END IF;
    WITH RECURSIVE up AS (
        SELECT w.parent_step_id, 1 AS depth FROM workflow w WHERE w.id = s.workflow_id
        UNION ALL
        SELECT w.parent_step_id, up.depth + 1
          FROM up JOIN workflow_step ps ON ps.id = up.parent_step_id JOIN workflow w ON w.id = ps.workflow_id
    )
    SELECT max(depth) INTO v_depth FROM up;
    v_total := fn_workflow_spec_check(p_spec, format('workflow added by job %s > ', p_job_id), v_depth + 1);
    IF v_total > 100000 THEN
        RAISE EXCEPTION 'too_many_steps: % steps in one workflow (sub-workflows included); at most 100000', v_total
            USING ERRCODE = 'QG004';
    END IF;
    -- its name is a key of the step's result
    BEGIN
        PERFORM fn_payload_keys_safe(jsonb_build_object(p_spec ->> 'name', true));
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'invalid_workflow_name: an added workflow''s name is a key of its step''s result and may not be a prohibited payload key: %',
                SQLERRM
            USING ERRCODE = 'QG004';
    END;
    SELECT id INTO v_id FROM workflow WHERE added_by_job_id = p_job_id AND name = p_spec ->> 'name';
    IF FOUND THEN
        RETURN jsonb_build_object('status', 'already_added', 'workflow_id', v_id);
    END IF;
    UPDATE workflow_step SET added_open = added_open + 1 WHERE id = s.id;
    v_id := fn_workflow_insert(p_spec, s.id, p_job_id);
    RETURN jsonb_build_object('status', 'added', 'workflow_id', v_id, 'steps', v_total);
END;
$$;
