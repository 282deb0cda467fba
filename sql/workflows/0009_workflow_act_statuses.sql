-- Issue 18: which workflows cancel and which steps retry is one table,
-- fn_workflow_act_statuses, that the functions enforce and the console reads
-- (as fn_job_act_statuses and fn_task_act_statuses do).

CREATE FUNCTION fn_workflow_act_statuses(p_act text, p_step_kind text DEFAULT NULL) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    -- cancel: a running workflow; retry: a failed job step (a step of another kind,
    -- or of no kind given, is retried by nothing; NULL). NULL for an unknown act.
    SELECT CASE p_act
               WHEN 'cancel' THEN ARRAY['running']
               WHEN 'retry' THEN CASE WHEN p_step_kind = 'job' THEN ARRAY['failed'] END
           END
$$;

CREATE OR REPLACE FUNCTION fn_workflow_cancel(p_workflow_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0001's: which workflows cancel is fn_workflow_act_statuses,
-- and the steps counted include those of workflows a job added.)
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
    IF v_status <> ALL (fn_workflow_act_statuses('cancel')) THEN
        RETURN fn_act_audit(jsonb_build_object('status', 'nothing_to_do', 'workflow_id', p_workflow_id,
                                               'workflow_status', v_status),
                            'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
    END IF;
    PERFORM fn_workflow_cancel_unaudited(p_workflow_id, btrim(v_reason));
    -- every step of the tree this transaction ended (sub-workflow steps end with their workflow)
    WITH RECURSIVE tree AS (
        SELECT p_workflow_id AS id
        UNION ALL
        SELECT c.id FROM tree JOIN workflow_step s ON s.workflow_id = tree.id JOIN workflow c ON c.parent_step_id = s.id
    )
    SELECT count(*) INTO v_n FROM workflow_step s JOIN tree ON s.workflow_id = tree.id
     WHERE s.status = 'cancelled' AND s.finished_at = now();
    RETURN fn_act_audit(jsonb_build_object('status', 'cancelled', 'workflow_id', p_workflow_id, 'steps_cancelled', v_n),
                        'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0007's: which steps retry is fn_workflow_act_statuses.)
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
    IF s.status <> ALL (coalesce(fn_workflow_act_statuses('retry', s.step_kind), '{}')) THEN
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
