-- Issue 18, second review (docs/workflows.md): fn_workflow_add refuses a step
-- that is no longer its job's or active, and an approval nobody could decide;
-- an approval's subject reference is stored as its canonical id; an approval
-- that starts on a subject already decided closes at once as it was decided; a
-- person's decision on an approval locks the subject before the task, as a
-- decision on the subject's own screen does (no lock-order deadlock); a retry
-- of a step in a workflow whose subject has another running workflow is refused
-- by name.

CREATE FUNCTION fn_task_subject_close(p_table text, p_ref text) RETURNS void
LANGUAGE plpgsql AS $$
-- Closes the open approvals of a subject that is no longer under review, as it
-- was decided (approved: completed; rejected: rejected; anything else:
-- cancelled), by who decided it; their workflow steps go on. Nothing while the
-- subject is still under review.
DECLARE
    v_status text;
    v_by text;
    v_how text;
    t human_task;
BEGIN
    IF p_table = 'iu_staging_record' THEN
        SELECT r.lifecycle_status,
               CASE r.lifecycle_status WHEN 'approved' THEN 'completed' WHEN 'rejected' THEN 'rejected' ELSE 'cancelled' END,
               coalesce(CASE r.lifecycle_status WHEN 'approved' THEN r.approved_by WHEN 'rejected' THEN r.rejected_by END,
                        fn_actor())
          INTO v_how, v_status, v_by
          FROM iu_staging_record r WHERE r.id = p_ref::bigint AND r.lifecycle_status <> 'pending_review';
    ELSIF p_table = 'gate_change_request' THEN
        SELECT g.status, CASE g.status WHEN 'applied' THEN 'completed' WHEN 'rejected' THEN 'rejected' ELSE 'cancelled' END,
               coalesce(g.decided_by, fn_actor())
          INTO v_how, v_status, v_by
          FROM gate_change_request g WHERE g.id = p_ref::bigint AND g.status <> 'pending';
    END IF;
    IF v_status IS NULL THEN
        RETURN;
    END IF;
    FOR t IN UPDATE human_task
                SET status = v_status, finished_at = now(), finished_by = v_by,
                    reason = format('%s %s on its own screen', p_table, v_how),
                    result = CASE WHEN v_status = 'completed' THEN jsonb_build_object('approved_by', jsonb_build_array(v_by)) END
              WHERE subject_table = p_table AND subject_ref = p_ref AND approves AND status IN ('open', 'claimed', 'started')
             RETURNING * LOOP
        PERFORM fn_task_finished(t);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_subject_decided() RETURNS trigger
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0008's: the closing is fn_task_subject_close, which an
-- approval starting on a subject already decided uses too.)
-- AFTER UPDATE on a subject that approvals approve, when it leaves review.
BEGIN
    PERFORM fn_task_subject_close(TG_TABLE_NAME, NEW.id::text);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text)
RETURNS bigint
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0005's: the approved subject's id stored canonically, so
-- its own screen's decision finds the approval, and an approval of a subject
-- already decided closes at once.)
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
                            subject_table, subject_ref, workflow_step_id, created_by, approves)
    VALUES (p_kind, btrim(p_spec ->> 'title'), coalesce(p_spec ->> 'description', ''), v_kind, v_who,
            CASE WHEN p_kind = 'approval' THEN coalesce((p_spec ->> 'required')::integer, 1) END,
            now() + make_interval(secs => (p_spec ->> 'due_in_seconds')::double precision),
            coalesce(p_spec -> 'approves' ->> 'table', p_subject_table),
            coalesce(((p_spec -> 'approves' ->> 'ref')::bigint)::text, p_subject_ref),
            p_step_id,
            CASE WHEN p_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_step_id) END,
            p_spec ? 'approves')
    RETURNING id INTO v_id;
    v_event := fn_event_emit('governance.task.assigned', 'human_task', v_id::text,
                             jsonb_build_object('task_id', v_id, 'task_kind', p_kind, 'title', btrim(p_spec ->> 'title'),
                                                'assignee_kind', v_kind, 'assignee', v_who, 'workflow_step_id', p_step_id));
    PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', v_kind, 'ref', v_who)));
    IF p_spec ? 'approves' THEN
        PERFORM fn_task_subject_close(p_spec -> 'approves' ->> 'table', ((p_spec -> 'approves' ->> 'ref')::bigint)::text);
    END IF;
    RETURN v_id;
END;
$$;

-- Approvals filed with a non-canonical id ("05") name their subject canonically.
UPDATE human_task SET subject_ref = (subject_ref::bigint)::text
 WHERE approves AND subject_ref ~ '^[0-9]{1,18}$' AND subject_ref <> (subject_ref::bigint)::text;

CREATE OR REPLACE FUNCTION fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0008's: an approval of a subject locks the subject's row
-- before the task's, in the order a decision on the subject's own screen takes them.)
-- (sql/workflows/0008: applicability from fn_task_act_statuses, a
-- NULL act refused, membership never NULL, four-eyes from fn_task_doers at every
-- decision, a rejected approval's subject told, and cancel.)
-- One act of a person on a task: claim, release, start, complete, reject (a
-- task); approve, reject (an approval); cancel (either, by who filed it).
-- Refused with the rule it breaks: not_assignee (QG002: only the assignee, its
-- group or role claims or decides, and only the claimer starts, completes,
-- rejects or releases), task_not_open (QG003: the act does not apply in the
-- task's state), four_eyes (QG002: an approver who started the workflow, did
-- the work being approved, is behind its subject or already decided),
-- not_creator / task_in_workflow / approval_of_subject (cancel). Audited as
-- task.<act> with its reason; {"status": <the task's status>, "task_id", "approvals"?}.
DECLARE
    v_actor  text := fn_actor_required();
    v_reason text := fn_reason_checked(p_reason);
    t        human_task;
    v_statuses text[];
    v_approvals integer;
BEGIN
    IF p_act IS NULL OR p_act NOT IN ('claim', 'release', 'start', 'complete', 'reject', 'approve', 'cancel') THEN
        RAISE EXCEPTION 'invalid_task_act: % is not an act on a task (claim, release, start, complete, reject, approve, cancel)',
                coalesce(p_act, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF p_act IN ('complete', 'reject', 'approve', 'release', 'cancel') AND (v_reason IS NULL OR length(btrim(v_reason)) < 3) THEN
        RAISE EXCEPTION 'reason_required: to % a task needs a reason', p_act USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO t FROM human_task WHERE id = p_task_id;
    IF t.approves AND t.subject_table = 'iu_staging_record' THEN
        PERFORM 1 FROM iu_staging_record WHERE id = t.subject_ref::bigint FOR UPDATE;
    ELSIF t.approves AND t.subject_table = 'gate_change_request' THEN
        PERFORM 1 FROM gate_change_request WHERE id = t.subject_ref::bigint FOR UPDATE;
    END IF;
    t := fn_task_locked(p_task_id);
    v_statuses := fn_task_act_statuses(p_act, t.task_kind);
    IF t.status IN ('completed', 'rejected', 'cancelled') THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id, t.status USING ERRCODE = 'QG003';
    END IF;
    IF v_statuses IS NULL THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id,
                CASE t.task_kind WHEN 'approval' THEN format('an approval: it is approved, rejected or cancelled, not %s', p_act)
                                 ELSE 'a task, not an approval: it is completed or rejected' END
            USING ERRCODE = 'QG003';
    END IF;
    IF t.status <> ALL (v_statuses) THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id,
                CASE WHEN p_act = 'claim' THEN format('already %s by %s', t.status, t.claimed_by)
                     WHEN t.status = 'open' THEN 'not claimed yet: claim it first'
                     WHEN p_act = 'start' THEN 'already started'
                     ELSE format('%s; %s applies when it is %s', t.status, p_act, array_to_string(v_statuses, ' or ')) END
            USING ERRCODE = 'QG003';
    END IF;
    IF p_act = 'cancel' THEN
        IF t.workflow_step_id IS NOT NULL THEN
            RAISE EXCEPTION 'task_in_workflow: task % is step % of workflow %; cancel the workflow', t.id,
                    (SELECT name FROM workflow_step WHERE id = t.workflow_step_id),
                    (SELECT workflow_id FROM workflow_step WHERE id = t.workflow_step_id)
                USING ERRCODE = 'QG003';
        END IF;
        IF t.approves THEN
            RAISE EXCEPTION 'approval_of_subject: approval % decides %:%; it closes when that is decided or withdrawn', t.id,
                    t.subject_table, t.subject_ref
                USING ERRCODE = 'QG003';
        END IF;
        IF t.created_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'not_creator: task % was filed by %, not %; only they cancel it', t.id,
                    coalesce(t.created_by, 'the system'), v_actor
                USING ERRCODE = 'QG002';
        END IF;
        UPDATE human_task SET status = 'cancelled', finished_at = now(), finished_by = v_actor, reason = btrim(v_reason)
         WHERE id = t.id RETURNING * INTO t;
        RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id),
                            'task.cancel', 'human_task', ARRAY[t.id::text], v_reason);
    END IF;
    IF t.task_kind = 'approval' THEN
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: approval % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        IF v_actor = ANY (fn_task_doers(t)) THEN
            RAISE EXCEPTION 'four_eyes: % started the workflow or did the work approval % is about; another approver decides',
                    v_actor, t.id
                USING ERRCODE = 'QG002';
        END IF;
        IF EXISTS (SELECT 1 FROM human_task_decision WHERE task_id = t.id AND actor = v_actor) THEN
            RAISE EXCEPTION 'four_eyes: % already decided approval %; another approver decides', v_actor, t.id
                USING ERRCODE = 'QG002';
        END IF;
        INSERT INTO human_task_decision (task_id, actor, decision, reason)
        VALUES (t.id, v_actor, CASE p_act WHEN 'approve' THEN 'approved' ELSE 'rejected' END, btrim(v_reason));
        SELECT count(*) INTO v_approvals FROM human_task_decision WHERE task_id = t.id AND decision = 'approved';
        IF p_act = 'reject' OR v_approvals >= t.approvals_required THEN
            UPDATE human_task
               SET status = CASE p_act WHEN 'reject' THEN 'rejected' ELSE 'completed' END, finished_at = now(),
                   finished_by = v_actor, reason = btrim(v_reason),
                   result = (SELECT jsonb_build_object('approved_by', coalesce(jsonb_agg(actor ORDER BY decided_at)
                                                                              FILTER (WHERE decision = 'approved'), '[]'))
                               FROM human_task_decision WHERE task_id = t.id)
             WHERE id = t.id RETURNING * INTO t;
            IF t.approves THEN
                PERFORM fn_task_approval_apply(t, btrim(v_reason));
            END IF;
            PERFORM fn_task_finished(t);
        END IF;
        RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id, 'approvals', v_approvals,
                                               'required', t.approvals_required),
                            'task.' || p_act, 'human_task', ARRAY[t.id::text], v_reason);
    END IF;
    IF p_act = 'claim' THEN
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: task % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        UPDATE human_task SET status = 'claimed', claimed_by = v_actor, claimed_at = now() WHERE id = t.id RETURNING * INTO t;
    ELSE
        IF t.claimed_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'not_assignee: task % is claimed by %, not %', t.id, t.claimed_by, v_actor USING ERRCODE = 'QG002';
        END IF;
        IF p_act = 'complete' THEN
            PERFORM fn_payload_assert_size(p_result, 'result');
        END IF;
        UPDATE human_task
           SET status = CASE p_act WHEN 'release' THEN 'open' WHEN 'start' THEN 'started' WHEN 'complete' THEN 'completed'
                                   ELSE 'rejected' END,
               claimed_by = CASE WHEN p_act = 'release' THEN NULL ELSE claimed_by END,
               claimed_at = CASE WHEN p_act = 'release' THEN NULL ELSE claimed_at END,
               started_at = CASE WHEN p_act = 'start' THEN now() WHEN p_act = 'release' THEN NULL ELSE started_at END,
               finished_at = CASE WHEN p_act IN ('complete', 'reject') THEN now() END,
               finished_by = CASE WHEN p_act IN ('complete', 'reject') THEN v_actor END,
               reason = CASE WHEN p_act IN ('complete', 'reject') THEN btrim(v_reason) END,
               result = CASE WHEN p_act = 'complete' THEN coalesce(p_result, '{}') END
         WHERE id = t.id RETURNING * INTO t;
        IF p_act IN ('complete', 'reject') THEN
            PERFORM fn_task_finished(t);
        END IF;
    END IF;
    RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id),
                        'task.' || p_act, 'human_task', ARRAY[t.id::text], v_reason);
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0009's: a workflow whose subject has another running
-- workflow is not run again.)
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
    IF w.status <> 'running' AND w.subject_table IS NOT NULL
       AND EXISTS (SELECT 1 FROM workflow o WHERE o.subject_table = w.subject_table AND o.subject_ref = w.subject_ref
                      AND o.status = 'running' AND o.id <> w.id) THEN
        RAISE EXCEPTION 'review_running: %:% has another running workflow; workflow % is not run again',
                w.subject_table, w.subject_ref, w.id
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

CREATE OR REPLACE FUNCTION fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0008's: only an active step whose job this is adds, and
-- an approval the workflow's starter is the only one to decide is refused.)
-- (sql/workflows/0008: the refusal names its rule, lease_lost.)
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
    v_bad text;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    PERFORM fn_job_attempt_required(p_attempt, 'fn_workflow_add');
    -- the job's row before its step's, in the order its ack takes them
    SELECT * INTO j FROM job_queue WHERE id = p_job_id FOR SHARE;
    IF NOT FOUND OR (j.status = 'running') IS NOT TRUE OR j.lease_owner IS DISTINCT FROM fn_worker_ref(p_worker_id)
       OR j.attempts <> p_attempt THEN
        RAISE EXCEPTION 'lease_lost: %',
                regexp_replace(fn_job_fence_refusal(p_job_id, fn_worker_ref(p_worker_id), p_attempt) ->> 'reason',
                               '^lease_lost: ', '')
            USING ERRCODE = 'QG002';
    END IF;
    IF j.workflow_step_id IS NULL THEN
        RAISE EXCEPTION 'not_a_workflow_step: job % does not run a workflow step', p_job_id USING ERRCODE = 'QG005';
    END IF;
    SELECT * INTO s FROM workflow_step WHERE id = j.workflow_step_id FOR UPDATE;
    IF s.status <> 'active' OR s.job_id IS DISTINCT FROM p_job_id THEN
        RAISE EXCEPTION 'step_finished: step % of workflow % is %; job % adds nothing to it', s.name, s.workflow_id,
                s.status || CASE WHEN s.job_id IS DISTINCT FROM p_job_id THEN format(' and runs job %s', s.job_id) ELSE '' END,
                p_job_id
            USING ERRCODE = 'QG003';
    END IF;
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
    -- an approval assigned to the workflow's starter alone could never be decided
    SELECT x.name INTO v_bad FROM (
        WITH RECURSIVE specs(spec) AS (
            SELECT p_spec
            UNION ALL
            SELECT st -> 'workflow' FROM specs, jsonb_array_elements(specs.spec -> 'steps') st WHERE st ? 'workflow'
        )
        SELECT st ->> 'name' AS name FROM specs, jsonb_array_elements(specs.spec -> 'steps') st
         WHERE st ? 'approval'
           AND 'user:' || btrim(st -> 'approval' -> 'assignee' ->> 'user')
               = (SELECT w.started_by FROM workflow w WHERE w.id = s.workflow_id)
    ) x LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'four_eyes: % started workflow % and may not approve what it adds (step %); assign the approval to someone else',
                (SELECT w.started_by FROM workflow w WHERE w.id = s.workflow_id), s.workflow_id, v_bad
            USING ERRCODE = 'QG002';
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
