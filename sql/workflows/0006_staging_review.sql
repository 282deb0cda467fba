-- Issue 18: the staging flow as a workflow (docs/workflows.md, "The staging
-- review as a workflow"), and one approval mechanism for manifests: an approval
-- task may approve its subject, and for a staged manifest completing the
-- approval applies verify-mark as the person who gave the last approval, in the
-- same transaction, under staging's own rules (never the marker, a passing
-- verdict). fn_iu_staging_review_start makes the workflow
-- verify-mark dry run (job) -> approval (approvers) -> cut (job) -> verify-cut (job).

ALTER TABLE human_task ADD COLUMN approves boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN human_task.approves IS
    'Completing this approval approves its subject (a staged manifest: fn_task_approval_apply).';

CREATE FUNCTION fn_task_approval_apply(t human_task, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
-- What approving a subject means, per subject table; refused subjects roll the
-- approval back with the subject's own rule.
DECLARE
    v jsonb;
BEGIN
    IF t.subject_table = 'iu_staging_record' THEN
        v := fn_iu_verify_mark(t.subject_ref::bigint, true, 'approval task ' || t.id, p_reason);
        IF v ->> 'status' IS DISTINCT FROM 'approved' THEN
            RAISE EXCEPTION 'approval_refused: staging record % was not approved (%): %', t.subject_ref, v ->> 'status',
                    left((v -> 'verdict')::text, 500)
                USING ERRCODE = 'QG003';
        END IF;
    ELSE
        RAISE EXCEPTION 'approval_refused: approving % rows is not defined', t.subject_table USING ERRCODE = 'QG003';
    END IF;
END;
$$;

-- The workflow's job steps run in the app's worker (the app's own kinds).
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.staging_verify_mark', 'pg_worker', 'default', 'no_retry', 'workflows.builtin.staging_verify_mark',
     'the staging review workflow: verify-mark dry run, fails on a failing verdict'),
    ('queuegov.staging_cut', 'pg_worker', 'default', 'no_retry', 'workflows.builtin.staging_cut',
     'the staging review workflow: cut the approved manifest (re-reads the source)'),
    ('queuegov.staging_verify_cut', 'pg_worker', 'default', 'no_retry', 'workflows.builtin.staging_verify_cut',
     'the staging review workflow: verify-cut, fails on problems');

CREATE FUNCTION fn_iu_staging_review_start(p_record_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A pending manifest's review as a workflow: verify_mark (job) -> approve
-- (approval by the approver role; approving it approves the manifest) -> cut
-- (job) -> verify_cut (job). Audited as staging.review_workflow.
-- {"status": "started", "workflow_id", "record_id"} or gate_closed.
DECLARE
    r iu_staging_record%ROWTYPE;
    v_spec jsonb;
    v_id bigint;
    v_job jsonb;
BEGIN
    PERFORM fn_actor_required();
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status <> 'pending_review' THEN
        RAISE EXCEPTION 'not_pending_review: staging record % is %; a review workflow starts on a pending manifest',
                p_record_id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF EXISTS (SELECT 1 FROM workflow WHERE correlation_id = 'staging:' || p_record_id AND status = 'running') THEN
        RAISE EXCEPTION 'review_running: staging record % already has a running review workflow', p_record_id
            USING ERRCODE = 'QG003';
    END IF;
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_act_audit(fn_gate_closed_result('queue.job_substrate.enabled'), 'staging.review_workflow',
                            'iu_staging_record', ARRAY[p_record_id::text], p_reason);
    END IF;
    v_job := jsonb_build_object('payload', jsonb_build_object('record_id', p_record_id));
    v_spec := jsonb_build_object(
        'name', left(format('staging review %s record %s',
                            regexp_replace(coalesce(r.doc_code, 'manifest'), '[^A-Za-z0-9_.:/ -]', '-', 'g'), p_record_id),
                     200),
        'correlation_id', 'staging:' || p_record_id,
        'steps', jsonb_build_array(
            jsonb_build_object('name', 'verify_mark', 'job', v_job || '{"job_kind": "queuegov.staging_verify_mark"}'),
            jsonb_build_object('name', 'approve', 'depends_on', '["verify_mark"]'::jsonb,
                'approval', jsonb_build_object(
                    'title', left(format('Approve manifest #%s (%s)', p_record_id, coalesce(r.doc_code, r.source_ref)), 200),
                    'description', 'Approving this task approves the staged manifest (verify-mark apply).',
                    'assignee', '{"role": "approver"}'::jsonb,
                    'approves', jsonb_build_object('table', 'iu_staging_record', 'ref', p_record_id::text))),
            jsonb_build_object('name', 'cut', 'depends_on', '["approve"]'::jsonb,
                               'job', v_job || '{"job_kind": "queuegov.staging_cut"}'),
            jsonb_build_object('name', 'verify_cut', 'depends_on', '["cut"]'::jsonb,
                               'job', v_job || '{"job_kind": "queuegov.staging_verify_cut"}')));
    PERFORM fn_workflow_spec_check(v_spec, '', 1);
    v_id := fn_workflow_insert(v_spec, NULL);
    RETURN fn_act_audit(jsonb_build_object('status', 'started', 'workflow_id', v_id, 'record_id', p_record_id),
                        'staging.review_workflow', 'iu_staging_record', ARRAY[p_record_id::text], p_reason);
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
-- (Replaces sql/workflows/0003's: an approval may approve a subject.)
-- A task's or approval's spec: {"title", "description"?, "assignee": {"user" |
-- "group" | "role": name}, "due_in_seconds"?, "required"? (approvals, 1..10)}.
-- p_what names it in the message ("step review: ", "").
DECLARE
    v_keys text[] := CASE p_kind WHEN 'approval' THEN ARRAY['title', 'description', 'assignee', 'due_in_seconds', 'required',
                                                            'approves']
                                 ELSE ARRAY['title', 'description', 'assignee', 'due_in_seconds'] END;
BEGIN
    IF jsonb_typeof(p_spec) IS DISTINCT FROM 'object' OR p_spec - v_keys <> '{}'::jsonb
       OR jsonb_typeof(p_spec -> 'title') IS DISTINCT FROM 'string' OR length(btrim(p_spec ->> 'title')) NOT BETWEEN 1 AND 200
       OR (p_spec ? 'description' AND (jsonb_typeof(p_spec -> 'description') <> 'string'
                                       OR length(p_spec ->> 'description') > 2000))
       OR jsonb_typeof(p_spec -> 'assignee') IS DISTINCT FROM 'object'
       OR (SELECT count(*) FROM jsonb_object_keys(p_spec -> 'assignee')) <> 1
       OR (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k) NOT IN ('user', 'group', 'role')
       OR jsonb_typeof((SELECT v FROM jsonb_each(p_spec -> 'assignee') AS e(k, v))) <> 'string'
       OR length(btrim((SELECT v FROM jsonb_each_text(p_spec -> 'assignee') AS e(k, v)))) NOT BETWEEN 1 AND 150
       OR (p_spec ? 'due_in_seconds' AND (jsonb_typeof(p_spec -> 'due_in_seconds') <> 'number'
                                          OR (p_spec ->> 'due_in_seconds')::numeric NOT BETWEEN 1 AND 31536000
                                          OR (p_spec ->> 'due_in_seconds')::numeric <> trunc((p_spec ->> 'due_in_seconds')::numeric)))
       OR (p_spec ? 'required' AND (jsonb_typeof(p_spec -> 'required') <> 'number'
                                    OR (p_spec ->> 'required') NOT IN ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10')))
    THEN
        RAISE EXCEPTION 'invalid_task: %a % has a title (1..200 characters), an optional description (at most 2000), an assignee {"user" | "group" | "role": name}, an optional due_in_seconds (1..31536000)%, not %',
                p_what, p_kind, CASE WHEN p_kind = 'approval' THEN ' and required approvers (1..10)' ELSE '' END,
                left(coalesce(p_spec::text, 'null'), 300)
            USING ERRCODE = 'QG004';
    END IF;
    -- "approves": approving the task approves that subject (a staged manifest)
    IF p_spec ? 'approves' AND (jsonb_typeof(p_spec -> 'approves') <> 'object'
                                OR (p_spec -> 'approves') - ARRAY['table', 'ref'] <> '{}'::jsonb
                                OR p_spec -> 'approves' ->> 'table' IS DISTINCT FROM 'iu_staging_record'
                                OR coalesce(p_spec -> 'approves' ->> 'ref', '') !~ '^[0-9]{1,18}$') THEN
        RAISE EXCEPTION 'invalid_task: %an approval approves {"table": "iu_staging_record", "ref": a staged manifest''s id}, not %',
                p_what, left((p_spec -> 'approves')::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0005's: an approval's subject from "approves".)
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
            coalesce(p_spec -> 'approves' ->> 'table', p_subject_table), coalesce(p_spec -> 'approves' ->> 'ref', p_subject_ref),
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
    RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0003's: an approval that approves a subject applies it.)
-- One act of a person on a task: claim, release, start, complete, reject (a
-- task); approve, reject (an approval). Refused with the rule it breaks:
-- not_assignee (QG002: only the assignee, its group or role claims, and only
-- the claimer starts, completes, rejects or releases), task_not_open (QG003:
-- the act does not apply in the task's state), four_eyes (QG002: an approver
-- who started the workflow, did the work being approved or already decided).
-- Audited as task.<act> with its reason; {"status": <the task's status>,
-- "task_id", "approvals"?}.
DECLARE
    v_actor  text := fn_actor_required();
    v_reason text := fn_reason_checked(p_reason);
    t        human_task;
    v_doers  text[];
    v_approvals integer;
BEGIN
    IF p_act NOT IN ('claim', 'release', 'start', 'complete', 'reject', 'approve') THEN
        RAISE EXCEPTION 'invalid_task_act: % is not an act on a task (claim, release, start, complete, reject, approve)', p_act
            USING ERRCODE = 'QG004';
    END IF;
    IF p_act IN ('complete', 'reject', 'approve', 'release') AND (v_reason IS NULL OR length(btrim(v_reason)) < 3) THEN
        RAISE EXCEPTION 'reason_required: to % a task needs a reason', p_act USING ERRCODE = 'QG008';
    END IF;
    t := fn_task_locked(p_task_id);
    IF t.status IN ('completed', 'rejected', 'cancelled') THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id, t.status USING ERRCODE = 'QG003';
    END IF;
    IF t.task_kind = 'approval' THEN
        IF p_act NOT IN ('approve', 'reject') THEN
            RAISE EXCEPTION 'task_not_open: task % is an approval: it is approved or rejected, not %ed', t.id, p_act
                USING ERRCODE = 'QG003';
        END IF;
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: approval % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        -- Four-eyes, generalised: not the workflow's starter, not who did the work being
        -- approved (the people who finished the steps it depends on), not twice.
        SELECT array_agg(DISTINCT a) INTO v_doers FROM (
            SELECT w.started_by AS a FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
             WHERE s.id = t.workflow_step_id
            UNION ALL
            SELECT ht.finished_by FROM workflow_step_dependency d JOIN human_task ht ON ht.workflow_step_id = d.depends_on_id
             WHERE d.step_id = t.workflow_step_id
            UNION ALL
            SELECT t.created_by WHERE t.workflow_step_id IS NULL
        ) x WHERE a IS NOT NULL;
        IF v_actor = ANY (v_doers) THEN
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
            IF t.status = 'completed' AND t.approves THEN
                PERFORM fn_task_approval_apply(t, btrim(v_reason));
            END IF;
            PERFORM fn_task_finished(t);
        END IF;
        RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id, 'approvals', v_approvals,
                                               'required', t.approvals_required),
                            'task.' || p_act, 'human_task', ARRAY[t.id::text], v_reason);
    END IF;
    IF p_act = 'approve' THEN
        RAISE EXCEPTION 'task_not_open: task % is a task, not an approval: it is completed or rejected', t.id
            USING ERRCODE = 'QG003';
    END IF;
    IF p_act = 'claim' THEN
        IF t.status <> 'open' THEN
            RAISE EXCEPTION 'task_not_open: task % is already % by %', t.id, t.status, t.claimed_by USING ERRCODE = 'QG003';
        END IF;
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: task % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        UPDATE human_task SET status = 'claimed', claimed_by = v_actor, claimed_at = now() WHERE id = t.id RETURNING * INTO t;
    ELSE
        IF t.status = 'open' THEN
            RAISE EXCEPTION 'task_not_open: task % is not claimed yet: claim it first', t.id USING ERRCODE = 'QG003';
        END IF;
        IF t.claimed_by <> v_actor THEN
            RAISE EXCEPTION 'not_assignee: task % is claimed by %, not %', t.id, t.claimed_by, v_actor USING ERRCODE = 'QG002';
        END IF;
        IF p_act = 'start' AND t.status <> 'claimed' THEN
            RAISE EXCEPTION 'task_not_open: task % is already started', t.id USING ERRCODE = 'QG003';
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
