-- Issue 18: an operator retries a failed step (docs/workflows.md, "Retrying a
-- failed step"). The step and every step that was cancelled because of it wait
-- again, with their dependencies counted anew; the workflow runs again; the
-- step's job is enqueued afresh when its dependencies allow. A governed act,
-- audited as workflow.step_retry with its reason.

CREATE FUNCTION fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION fn_workflow_step_retry(p_step_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "retried", "workflow_id", "step", "steps_waiting_again", "job_id"}.
DECLARE
    v_reason text := fn_reason_checked(p_reason);
BEGIN
    PERFORM fn_actor_required();
    IF v_reason IS NULL OR length(btrim(v_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: retrying a step needs a reason' USING ERRCODE = 'QG008';
    END IF;
    RETURN fn_act_audit(fn_workflow_step_retry_unaudited(p_step_id, btrim(v_reason)),
                        'workflow.step_retry', 'workflow_step', ARRAY[p_step_id::text], v_reason);
END;
$$;
