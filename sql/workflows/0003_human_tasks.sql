-- Issue 18: people's work on the queue (docs/workflows.md, "Human steps and
-- tasks"). A human task is assigned to a user, a group or a role; a person who
-- may take it claims it, starts it and completes or rejects it with a reason.
-- An approval needs N distinct approvers, none of whom started the workflow or
-- did the work being approved (four-eyes generalised). A task may stand alone
-- (a person's task list, the task stream) or be a workflow step: its outcome
-- finishes the step. Each act is audited; an assignment raises
-- governance.task.assigned into the assignee's inbox and an overdue task
-- raises governance.task.overdue once. Both are addressed: delivered to the
-- assignee when raised, not broadcast to the domain's audience (fn_task_deliver).

INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, status,
                                 producer_ref, description, rubric) VALUES
    ('governance.task.assigned', 'governance', 'task', 'immediate', 'info', 'active', 'fn_task_insert',
     'A task or approval was assigned to a user, group or role',
     '{"decision": "Someone must take the task: it is their to-do.",
       "consumer": "The assignee''s inbox (the task stream).",
       "loss": "A task nobody hears of waits unseen and holds up its workflow."}'),
    ('governance.task.overdue', 'governance', 'alert', 'immediate', 'warning', 'active', 'fn_task_overdue_tick',
     'A task or approval passed its due time unfinished (raised once per task)',
     '{"decision": "The assignee or an operator must finish, hand over or cancel the late task.",
       "consumer": "The assignee''s inbox and operators; alert routes.",
       "loss": "A late task is discovered only when someone asks why its workflow stopped."}');

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE human_task (
    id                  bigserial PRIMARY KEY,
    -- task: done by one person (claim, start, complete or reject); approval: decided by N approvers
    task_kind           text NOT NULL,
    title               text NOT NULL,
    description         text NOT NULL DEFAULT '',
    -- user: a username; group or role: a group name (the admin's roles are groups)
    assignee_kind       text NOT NULL,
    assignee            text NOT NULL,
    -- open → claimed → started → completed | rejected; cancelled from any unfinished state
    status              text NOT NULL DEFAULT 'open',
    approvals_required  integer,
    claimed_by          text,
    claimed_at          timestamptz,
    started_at          timestamptz,
    finished_at         timestamptz,
    finished_by         text,
    reason              text,
    result              qg_safe_payload,
    due_at              timestamptz,
    overdue_raised_at   timestamptz,
    subject_table       text,
    subject_ref         text,
    workflow_step_id    bigint UNIQUE REFERENCES workflow_step (id),
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT human_task_kind_allowed CHECK (task_kind IN ('task', 'approval')),
    CONSTRAINT human_task_assignee_kind_allowed CHECK (assignee_kind IN ('user', 'group', 'role')),
    CONSTRAINT human_task_status_allowed
        CHECK (status IN ('open', 'claimed', 'started', 'completed', 'rejected', 'cancelled')),
    CONSTRAINT human_task_title_length CHECK (length(btrim(title)) >= 1 AND length(btrim(title)) <= 200),
    CONSTRAINT human_task_approvals_for_approvals
        CHECK ((task_kind = 'approval') = (approvals_required IS NOT NULL)
               AND coalesce(approvals_required, 1) >= 1 AND coalesce(approvals_required, 1) <= 10),
    CONSTRAINT human_task_finished_when_final
        CHECK ((status IN ('completed', 'rejected', 'cancelled')) = (finished_at IS NOT NULL)),
    CONSTRAINT human_task_claimed_when_taken
        CHECK (status NOT IN ('claimed', 'started') OR claimed_by IS NOT NULL)
);
COMMENT ON TABLE human_task IS 'A task or approval for people (docs/workflows.md); written only by fn_task_create and fn_task_act.';
COMMENT ON CONSTRAINT human_task_kind_allowed ON human_task IS 'a human task is a task or an approval';
COMMENT ON CONSTRAINT human_task_assignee_kind_allowed ON human_task IS 'a task is assigned to a user, a group or a role';
COMMENT ON CONSTRAINT human_task_status_allowed ON human_task IS
    'a task is open, claimed, started, completed, rejected or cancelled: change it only through fn_task_act';
COMMENT ON CONSTRAINT human_task_title_length ON human_task IS 'a task has a title of 1 to 200 characters';
COMMENT ON CONSTRAINT human_task_approvals_for_approvals ON human_task IS
    'an approval needs 1 to 10 approvers; a task has no approvers count';
COMMENT ON CONSTRAINT human_task_finished_when_final ON human_task IS
    'a task has a finish time exactly when it was completed, rejected or cancelled';
COMMENT ON CONSTRAINT human_task_claimed_when_taken ON human_task IS 'a claimed or started task names who claimed it';
COMMENT ON CONSTRAINT human_task_workflow_step_id_key ON human_task IS 'a workflow step has at most one task';
COMMENT ON CONSTRAINT human_task_workflow_step_id_fkey ON human_task IS 'a task of a workflow names its step';
CREATE INDEX human_task_assignee ON human_task (assignee_kind, assignee, status, id DESC);
CREATE INDEX human_task_open_due ON human_task (due_at)
    WHERE status IN ('open', 'claimed', 'started') AND due_at IS NOT NULL AND overdue_raised_at IS NULL;
CREATE INDEX human_task_status ON human_task (status, id DESC);

CREATE TABLE human_task_decision (
    task_id     bigint NOT NULL REFERENCES human_task (id),
    actor       text NOT NULL,
    decision    text NOT NULL,
    reason      text NOT NULL,
    decided_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, actor),
    CONSTRAINT human_task_decision_allowed CHECK (decision IN ('approved', 'rejected'))
);
COMMENT ON TABLE human_task_decision IS 'Each approver''s decision on an approval: one per person (docs/workflows.md).';
COMMENT ON CONSTRAINT human_task_decision_allowed ON human_task_decision IS 'an approver approves or rejects';
COMMENT ON CONSTRAINT human_task_decision_task_id_fkey ON human_task_decision IS 'a decision is on a task';

ALTER TABLE workflow_step DROP CONSTRAINT workflow_step_kind_allowed;
ALTER TABLE workflow_step ADD CONSTRAINT workflow_step_kind_allowed
    CHECK (step_kind IN ('job', 'workflow', 'task', 'approval'));
COMMENT ON CONSTRAINT workflow_step_kind_allowed ON workflow_step IS 'a step is a job, a workflow, a task or an approval';

-- ---------------------------------------------------------------------------
-- Specs and assignment
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
-- A task's or approval's spec: {"title", "description"?, "assignee": {"user" |
-- "group" | "role": name}, "due_in_seconds"?, "required"? (approvals, 1..10)}.
-- p_what names it in the message ("step review: ", "").
DECLARE
    v_keys text[] := CASE p_kind WHEN 'approval' THEN ARRAY['title', 'description', 'assignee', 'due_in_seconds', 'required']
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
END;
$$;

CREATE FUNCTION fn_event_addressed(p_emitted jsonb, p_recipients jsonb) RETURNS void
LANGUAGE plpgsql AS $$
-- An event raised for named people ([{"kind": "user" | "group" | "role", "ref"}]):
-- in their inboxes at once (via 'addressed') and marked delivered, so
-- fn_event_deliver does not also broadcast it to its domain's audience. Routes
-- see it like every event. Nothing when the emit did not emit (a closed gate,
-- a duplicate).
BEGIN
    IF p_emitted ->> 'status' IS DISTINCT FROM 'emitted' THEN
        RETURN;
    END IF;
    INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)
    SELECT e.id, e.created_at, r ->> 'kind', r ->> 'ref', 'addressed'
      FROM event_outbox e, jsonb_array_elements(p_recipients) r
     WHERE e.id = (p_emitted ->> 'event_id')::bigint
    ON CONFLICT DO NOTHING;
    UPDATE event_outbox SET delivered_at = now() WHERE id = (p_emitted ->> 'event_id')::bigint;
END;
$$;

CREATE FUNCTION fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text)
RETURNS bigint
LANGUAGE plpgsql AS $$
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
            coalesce(fn_actor(), (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                                   WHERE s.id = p_step_id)))
    RETURNING id INTO v_id;
    v_event := fn_event_emit('governance.task.assigned', 'human_task', v_id::text,
                             jsonb_build_object('task_id', v_id, 'task_kind', p_kind, 'title', btrim(p_spec ->> 'title'),
                                                'assignee_kind', v_kind, 'assignee', v_who, 'workflow_step_id', p_step_id));
    PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', v_kind, 'ref', v_who)));
    RETURN v_id;
END;
$$;

CREATE FUNCTION fn_task_is_assignee(t human_task) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- The acting person is the assignee, or in its group or role (the app names
    -- the actor's groups: queuegov.actor_roles).
    SELECT CASE t.assignee_kind
               WHEN 'user' THEN fn_actor_governed() = 'user:' || t.assignee
               ELSE fn_caller_names_actor()
                    AND t.assignee = ANY (string_to_array(nullif(current_setting('queuegov.actor_roles', true), ''), ','))
           END
$$;

CREATE FUNCTION fn_task_locked(p_task_id bigint) RETURNS human_task
LANGUAGE plpgsql AS $$
DECLARE
    t human_task;
BEGIN
    SELECT * INTO t FROM human_task WHERE id = p_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_task: no task %', p_task_id USING ERRCODE = 'QG005';
    END IF;
    RETURN t;
END;
$$;

CREATE FUNCTION fn_task_finished(t human_task) RETURNS void
LANGUAGE plpgsql AS $$
-- A task's outcome finishes its workflow step: completed → succeeded (with its
-- result), rejected → failed (with who and why), cancelled → cancelled.
BEGIN
    IF t.workflow_step_id IS NOT NULL THEN
        PERFORM fn_workflow_step_finish(
            t.workflow_step_id,
            CASE t.status WHEN 'completed' THEN 'succeeded' WHEN 'rejected' THEN 'failed' ELSE 'cancelled' END,
            t.result,
            CASE WHEN t.status <> 'completed' THEN format('%s %s by %s: %s', t.task_kind, t.status, t.finished_by, t.reason) END);
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------
-- The lifecycle: governed acts, each audited with its reason
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_task_create(p_spec jsonb, p_subject_table text DEFAULT NULL, p_subject_ref text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- A task (or an approval: "required" in the spec) on a person's task list,
-- optionally about a subject (a table and a row). {"status": "created", "task_id"}.
DECLARE
    v_kind text := CASE WHEN p_spec ? 'required' THEN 'approval' ELSE 'task' END;
    v_id bigint;
BEGIN
    PERFORM fn_actor_required();
    PERFORM fn_task_spec_check(p_spec, v_kind, '');
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_task: a subject is a table and a row reference together' USING ERRCODE = 'QG004';
    END IF;
    v_id := fn_task_insert(v_kind, p_spec, NULL, p_subject_table, p_subject_ref);
    RETURN fn_act_audit(jsonb_build_object('status', 'created', 'task_id', v_id, 'task_kind', v_kind),
                        'task.create', 'human_task', ARRAY[v_id::text], p_spec ->> 'title');
END;
$$;

CREATE FUNCTION fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_task_overdue_tick() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Raises governance.task.overdue once for each unfinished task past its due time (the
-- event's subject is the task, so a second raise is a duplicate) and delivers
-- it to the assignee's inbox. {"status": "raised" | "nothing_to_do", "tasks": N}
-- or gate_closed (event.emit_enabled): nothing is marked, the next tick raises.
DECLARE
    t human_task;
    v_event jsonb;
    v_n integer := 0;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    FOR t IN SELECT * FROM human_task
              WHERE status IN ('open', 'claimed', 'started') AND due_at IS NOT NULL AND overdue_raised_at IS NULL
                AND due_at < now()
              ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED LOOP
        v_event := fn_event_emit('governance.task.overdue', 'human_task', t.id::text,
                                 jsonb_build_object('task_id', t.id, 'title', t.title, 'assignee_kind', t.assignee_kind,
                                                    'assignee', t.assignee, 'due_at', t.due_at,
                                                    'claimed_by', t.claimed_by));
        PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', t.assignee_kind,
                                                                                 'ref', t.assignee)));
        UPDATE human_task SET overdue_raised_at = now() WHERE id = t.id;
        v_n := v_n + 1;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_n = 0 THEN 'nothing_to_do' ELSE 'raised' END, 'tasks', v_n);
END;
$$;

-- The overdue check runs every minute as a built-in maintenance job.
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('queuegov.task_overdue', 'pg_worker', 'maintenance', 'no_retry', 'workflows.builtin.task_overdue',
     'raise governance.task.overdue for tasks past their due time');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.task_overdue', '* * * * *', 'queuegov.task_overdue', 'maintenance',
     'raise governance.task.overdue for late tasks every minute');

-- ---------------------------------------------------------------------------
-- Workflows gain task and approval steps
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
-- (Replaces sql/workflows/0001's: task and approval steps.)
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
    FOR v_bad IN SELECT s ->> 'name' AS name, CASE WHEN s ? 'task' THEN 'task' ELSE 'approval' END AS kind,
                        coalesce(s -> 'task', s -> 'approval') AS spec
                   FROM jsonb_array_elements(v_steps) s WHERE s ? 'task' OR s ? 'approval' LOOP
        PERFORM fn_task_spec_check(v_bad.spec, v_bad.kind, p_path || 'step ' || v_bad.name || ': ');
    END LOOP;
    v_total := jsonb_array_length(v_steps);
    FOR v_sub IN SELECT s ->> 'name' AS name, s -> 'workflow' AS spec FROM jsonb_array_elements(v_steps) s
                  WHERE s ? 'workflow' LOOP
        v_total := v_total + fn_workflow_spec_check(v_sub.spec, p_path || 'step ' || v_sub.name || ' > ', p_depth + 1);
    END LOOP;
    RETURN v_total;
END;
$_$;

CREATE OR REPLACE FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
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

CREATE OR REPLACE FUNCTION fn_workflow_steps_start(p_step_ids bigint[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
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
    -- a task or approval step assigns its task (sql/workflows/0003)
    FOR s IN UPDATE workflow_step SET status = 'active', started_at = now()
              WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind IN ('task', 'approval')
             RETURNING id, spec, step_kind LOOP
        PERFORM fn_task_insert(s.step_kind, s.spec, s.id, 'workflow_step', s.id::text);
    END LOOP;
    FOR s IN UPDATE workflow_step SET status = 'active', started_at = now()
              WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind = 'workflow'
             RETURNING id, spec LOOP
        v_child := fn_workflow_insert(s.spec, s.id);
        UPDATE workflow_step SET child_workflow_id = v_child WHERE id = s.id;
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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
                            result = '{}'
         WHERE id = p_workflow_id AND status = 'running';
    END IF;
    RETURN v_n;
END;
$$;
