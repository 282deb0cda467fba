-- Issue 18, review of the human work (docs/workflows.md, "Human steps and tasks"):
-- * membership of a group or role is never NULL (an actor with no roles was let
--   through), and every act's applicability is one table, fn_task_act_statuses,
--   which the console reads;
-- * four-eyes reaches all the work being approved: every step upstream,
--   transitively, the steps inside their sub-workflows, the work before the
--   sub-workflow holding the approval, and the person behind the approved subject
--   (a manifest's marker, a gate change's requester) at every approver's decision;
-- * a standalone task can be cancelled by whoever filed it;
-- * specs name the part that is wrong, and assignees, recipients and subjects
--   must exist;
-- * one approval mechanism for gate changes too: a request assigns an approval to
--   the approver role; approving it applies the change, rejecting it rejects it;
--   and a subject decided on its own screen closes the approvals still open on it;
-- * a manifest has one review workflow at a time, keyed by the workflow's subject
--   (which no caller sets) under the manifest's row lock.

CREATE OR REPLACE FUNCTION fn_task_is_assignee(t human_task) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- (Replaces sql/workflows/0003's: an actor with no roles is no member: false, never NULL.)
    -- The acting person is the assignee, or in its group or role (the app names
    -- the actor's groups: queuegov.actor_roles).
    SELECT coalesce(CASE t.assignee_kind
               WHEN 'user' THEN fn_actor_governed() = 'user:' || t.assignee
               ELSE fn_caller_names_actor()
                    AND t.assignee = ANY (string_to_array(nullif(current_setting('queuegov.actor_roles', true), ''), ','))
           END, false)
$$;

CREATE FUNCTION fn_task_act_statuses(p_act text, p_kind text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    -- The states in which an act applies to a task or an approval; NULL where the
    -- act is not one of that kind's. fn_task_act enforces it; the console reads it.
    -- A task is claimed, optionally started, then completed or rejected (or
    -- released); an approval is decided while open. Either is cancelled by who filed it.
    SELECT CASE p_kind
               WHEN 'approval' THEN CASE p_act WHEN 'approve' THEN ARRAY['open'] WHEN 'reject' THEN ARRAY['open']
                                               WHEN 'cancel' THEN ARRAY['open'] END
               WHEN 'task' THEN CASE p_act
                   WHEN 'claim' THEN ARRAY['open']
                   WHEN 'release' THEN ARRAY['claimed', 'started']
                   WHEN 'start' THEN ARRAY['claimed']
                   WHEN 'complete' THEN ARRAY['claimed', 'started']
                   WHEN 'reject' THEN ARRAY['claimed', 'started']
                   WHEN 'cancel' THEN ARRAY['open', 'claimed', 'started'] END
           END
$$;

CREATE FUNCTION fn_task_doers(t human_task) RETURNS text[]
LANGUAGE sql STABLE AS $$
    -- Who may not decide approval t: who started its workflow (or filed it), who
    -- claimed or finished the human work it comes after (every step upstream,
    -- transitively; the steps inside their sub-workflows, at any depth; and the work
    -- before each sub-workflow that holds it), and who is behind the subject it
    -- approves (a manifest's marker, a gate change's requester).
    WITH RECURSIVE
    ctx(step_id) AS (
        SELECT t.workflow_step_id WHERE t.workflow_step_id IS NOT NULL
        UNION
        SELECT w.parent_step_id FROM ctx JOIN workflow_step s ON s.id = ctx.step_id JOIN workflow w ON w.id = s.workflow_id
         WHERE w.parent_step_id IS NOT NULL
    ),
    up(step_id) AS (
        SELECT d.depends_on_id FROM ctx JOIN workflow_step_dependency d ON d.step_id = ctx.step_id
        UNION
        SELECT d.depends_on_id FROM up JOIN workflow_step_dependency d ON d.step_id = up.step_id
    ),
    inside(step_id) AS (
        SELECT step_id FROM up
        UNION
        SELECT s.id FROM inside JOIN workflow c ON c.parent_step_id = inside.step_id
          JOIN workflow_step s ON s.workflow_id = c.id
    )
    SELECT coalesce(array_agg(DISTINCT a) FILTER (WHERE a IS NOT NULL), '{}') FROM (
        SELECT w.started_by AS a FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id WHERE s.id = t.workflow_step_id
        UNION ALL
        SELECT t.created_by WHERE t.workflow_step_id IS NULL
        UNION ALL
        SELECT v.a FROM inside JOIN human_task ht ON ht.workflow_step_id = inside.step_id,
               LATERAL (VALUES (ht.claimed_by), (ht.finished_by)) v(a)
        UNION ALL
        SELECT r.marked_by FROM iu_staging_record r
         WHERE r.id = CASE WHEN t.approves AND t.subject_table = 'iu_staging_record' THEN t.subject_ref::bigint END
        UNION ALL
        SELECT g.requested_by FROM gate_change_request g
         WHERE g.id = CASE WHEN t.approves AND t.subject_table = 'gate_change_request' THEN t.subject_ref::bigint END
    ) x
$$;

CREATE FUNCTION fn_subject_exists(p_table text, p_ref text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $_$
-- Whether row p_ref of a registered subject table (message_subject_registry)
-- exists, looked up through its key column's own type (an index, not a scan of
-- every row cast to text); a reference that is not of that type names no row.
DECLARE
    v_subject message_subject_registry%ROWTYPE;
    v_type text;
    v_exists boolean;
BEGIN
    SELECT * INTO v_subject FROM message_subject_registry WHERE subject_table = p_table;
    IF NOT FOUND OR p_ref IS NULL THEN
        RETURN false;
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO v_type FROM pg_attribute a
     WHERE a.attrelid = to_regclass(v_subject.subject_table) AND a.attname = v_subject.key_column AND NOT a.attisdropped;
    IF v_type IN ('bigint', 'integer') AND p_ref !~ '^[0-9]{1,18}$' THEN
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1::%s)', v_subject.subject_table, v_subject.key_column,
                       v_type)
           INTO v_exists USING p_ref;
    EXCEPTION WHEN data_exception THEN
        RETURN false;
    END;
    RETURN v_exists;
END;
$_$;

CREATE FUNCTION fn_assignee_unknown(p_kind text, p_name text) RETURNS text
LANGUAGE sql STABLE AS $$
    -- Why a user, group or role cannot be assigned work or sent a message, or NULL
    -- when it can: users are the active accounts, groups and roles the app's groups.
    SELECT CASE
               WHEN p_kind = 'user' AND NOT EXISTS (SELECT 1 FROM auth_user WHERE username = p_name AND is_active)
                   THEN format('no active user %s', p_name)
               WHEN p_kind IN ('group', 'role') AND NOT EXISTS (SELECT 1 FROM auth_group WHERE name = p_name)
                   THEN format('no %s %s (roles and groups are the app''s groups)', p_kind, p_name)
           END
$$;

CREATE OR REPLACE FUNCTION fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) RETURNS void
LANGUAGE plpgsql STABLE AS $_$
-- (Replaces sql/workflows/0006's: each error names the part that is wrong, and the
-- assignee and the approved manifest must exist.)
-- A task's or approval's spec: {"title", "description"?, "assignee": {"user" |
-- "group" | "role": name}, "due_in_seconds"?, "required"? and "approves"?
-- (approvals)}. p_what names it in the message ("step review: ", "").
DECLARE
    v_keys text[] := CASE p_kind WHEN 'approval' THEN ARRAY['title', 'description', 'assignee', 'due_in_seconds', 'required',
                                                            'approves']
                                 ELSE ARRAY['title', 'description', 'assignee', 'due_in_seconds'] END;
    v_extra text;
    v_who_kind text;
    v_who text;
    v_why text;
BEGIN
    IF jsonb_typeof(p_spec) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_task: %a % is an object {"title", "assignee", ...}, not %', p_what, p_kind,
                left(coalesce(p_spec::text, 'null'), 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_extra FROM jsonb_object_keys(p_spec - v_keys) k;
    IF v_extra IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_task: %unknown key % (a % has %)%', p_what, v_extra, p_kind, array_to_string(v_keys, ', '),
                CASE WHEN p_kind = 'task' AND (p_spec ? 'approves') THEN '; an approval names its required approvers'
                     ELSE '' END
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'title') IS DISTINCT FROM 'string' OR length(btrim(p_spec ->> 'title')) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid_task: %title is text of 1 to 200 characters, not %', p_what,
                left(coalesce((p_spec -> 'title')::text, 'missing'), 100)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'description' AND (jsonb_typeof(p_spec -> 'description') <> 'string'
                                   OR length(p_spec ->> 'description') > 2000) THEN
        RAISE EXCEPTION 'invalid_task: %description is text of at most 2000 characters', p_what USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'assignee') IS DISTINCT FROM 'object'
       OR (SELECT count(*) FROM jsonb_object_keys(p_spec -> 'assignee')) <> 1
       OR (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k) NOT IN ('user', 'group', 'role')
       OR jsonb_typeof((SELECT v FROM jsonb_each(p_spec -> 'assignee') AS e(k, v))) <> 'string'
       OR length(btrim((SELECT v FROM jsonb_each_text(p_spec -> 'assignee') AS e(k, v)))) NOT BETWEEN 1 AND 150 THEN
        RAISE EXCEPTION 'invalid_task: %assignee is one of {"user": name}, {"group": name} or {"role": name}, not %', p_what,
                left(coalesce((p_spec -> 'assignee')::text, 'missing'), 200)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'due_in_seconds' AND (jsonb_typeof(p_spec -> 'due_in_seconds') <> 'number'
                                      OR (p_spec ->> 'due_in_seconds')::numeric NOT BETWEEN 1 AND 31536000
                                      OR (p_spec ->> 'due_in_seconds')::numeric <> trunc((p_spec ->> 'due_in_seconds')::numeric)) THEN
        RAISE EXCEPTION 'invalid_task: %due_in_seconds is a whole number of seconds from 1 to 31536000, not %', p_what,
                left((p_spec -> 'due_in_seconds')::text, 50)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'required' AND (jsonb_typeof(p_spec -> 'required') <> 'number'
                                OR (p_spec ->> 'required') NOT IN ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10')) THEN
        RAISE EXCEPTION 'invalid_task: %required is the number of distinct approvers, 1 to 10, not %', p_what,
                left((p_spec -> 'required')::text, 50)
            USING ERRCODE = 'QG004';
    END IF;
    -- "approves": approving the task approves that subject (a staged manifest pending review)
    IF p_spec ? 'approves' AND (jsonb_typeof(p_spec -> 'approves') <> 'object'
                                OR (p_spec -> 'approves') - ARRAY['table', 'ref'] <> '{}'::jsonb
                                OR p_spec -> 'approves' ->> 'table' IS DISTINCT FROM 'iu_staging_record'
                                OR coalesce(p_spec -> 'approves' ->> 'ref', '') !~ '^[0-9]{1,18}$') THEN
        RAISE EXCEPTION 'invalid_task: %an approval approves {"table": "iu_staging_record", "ref": a staged manifest''s id}, not %',
                p_what, left((p_spec -> 'approves')::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'approves' AND NOT EXISTS (SELECT 1 FROM iu_staging_record
                                            WHERE id = (p_spec -> 'approves' ->> 'ref')::bigint
                                              AND lifecycle_status = 'pending_review') THEN
        RAISE EXCEPTION 'unknown_subject: %staging record % does not exist or is not pending review', p_what,
                p_spec -> 'approves' ->> 'ref'
            USING ERRCODE = 'QG005';
    END IF;
    SELECT k, btrim(v) INTO v_who_kind, v_who FROM jsonb_each_text(p_spec -> 'assignee') AS e(k, v);
    v_why := fn_assignee_unknown(v_who_kind, v_who);
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_assignee: %', p_what || v_why USING ERRCODE = 'QG005';
    END IF;
END;
$_$;

CREATE OR REPLACE FUNCTION fn_task_create(p_spec jsonb, p_subject_table text DEFAULT NULL, p_subject_ref text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0005's: the subject is a registered one that exists.)
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
    IF p_subject_table IS NOT NULL AND NOT fn_subject_exists(p_subject_table, p_subject_ref) THEN
        RAISE EXCEPTION 'unknown_subject: %:% is not a row of a registered subject table (%)', p_subject_table, p_subject_ref,
                (SELECT string_agg(subject_table, ', ' ORDER BY subject_table) FROM message_subject_registry)
            USING ERRCODE = 'QG005';
    END IF;
    v_id := fn_task_insert(v_kind, p_spec, NULL, p_subject_table, p_subject_ref);
    RETURN fn_act_audit(jsonb_build_object('status', 'created', 'task_id', v_id, 'task_kind', v_kind),
                        'task.create', 'human_task', ARRAY[v_id::text], p_spec ->> 'title');
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_approval_apply(t human_task, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
-- (Replaces sql/workflows/0006's: gate change requests, and rejections.)
-- What deciding an approval that approves a subject means, per subject table;
-- a subject that refuses rolls the decision back with its own rule. Approving a
-- manifest applies verify-mark; rejecting one leaves it pending (staging's
-- reject is an act of its own). Approving a gate change applies it, rejecting
-- it rejects it (fn_gate_change_approve / _reject: their own four-eyes and audit).
DECLARE
    v jsonb;
BEGIN
    IF t.subject_table = 'iu_staging_record' THEN
        IF t.status = 'completed' THEN
            v := fn_iu_verify_mark(t.subject_ref::bigint, true, 'approval task ' || t.id, p_reason);
            IF v ->> 'status' IS DISTINCT FROM 'approved' THEN
                RAISE EXCEPTION 'approval_refused: staging record % was not approved (%): %', t.subject_ref, v ->> 'status',
                        left((v -> 'verdict')::text, 500)
                    USING ERRCODE = 'QG003';
            END IF;
        END IF;
    ELSIF t.subject_table = 'gate_change_request' THEN
        IF t.status = 'completed' THEN
            PERFORM fn_gate_change_approve(t.subject_ref::bigint, p_reason);
        ELSE
            PERFORM fn_gate_change_reject(t.subject_ref::bigint, p_reason);
        END IF;
    ELSE
        RAISE EXCEPTION 'approval_refused: approving % rows is not defined', t.subject_table USING ERRCODE = 'QG003';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0006's: applicability from fn_task_act_statuses, a
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

CREATE INDEX human_task_open_subject ON human_task (subject_table, subject_ref)
    WHERE approves AND status IN ('open', 'claimed', 'started');
COMMENT ON INDEX human_task_open_subject IS 'The open approvals of a subject, closed when it is decided on its own screen.';

CREATE FUNCTION fn_task_subject_decided() RETURNS trigger
LANGUAGE plpgsql AS $$
-- AFTER UPDATE on a subject that approvals approve (a manifest, a gate change
-- request), when it leaves review: its open approvals close as it was decided
-- (approved: completed; rejected: rejected; withdrawn, expired or cut: cancelled),
-- by who decided it, and their workflow steps go on. The approval's own path has
-- already closed its task when it decides the subject.
DECLARE
    v_status text;
    v_by text;
    v_how text;
    t human_task;
BEGIN
    IF TG_TABLE_NAME = 'iu_staging_record' THEN
        v_how := NEW.lifecycle_status;
        v_status := CASE NEW.lifecycle_status WHEN 'approved' THEN 'completed' WHEN 'rejected' THEN 'rejected'
                                              ELSE 'cancelled' END;
        v_by := coalesce(CASE NEW.lifecycle_status WHEN 'approved' THEN NEW.approved_by
                                                   WHEN 'rejected' THEN NEW.rejected_by END, fn_actor());
    ELSE
        v_how := NEW.status;
        v_status := CASE NEW.status WHEN 'applied' THEN 'completed' WHEN 'rejected' THEN 'rejected' ELSE 'cancelled' END;
        v_by := coalesce(NEW.decided_by, fn_actor());
    END IF;
    FOR t IN UPDATE human_task
                SET status = v_status, finished_at = now(), finished_by = v_by,
                    reason = format('%s %s on its own screen', TG_TABLE_NAME, v_how),
                    result = CASE WHEN v_status = 'completed' THEN jsonb_build_object('approved_by', jsonb_build_array(v_by)) END
              WHERE subject_table = TG_TABLE_NAME AND subject_ref = NEW.id::text AND approves
                AND status IN ('open', 'claimed', 'started')
             RETURNING * LOOP
        PERFORM fn_task_finished(t);
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE TRIGGER iu_staging_record_closes_approvals AFTER UPDATE OF lifecycle_status ON iu_staging_record
    FOR EACH ROW WHEN (OLD.lifecycle_status = 'pending_review' AND NEW.lifecycle_status IS DISTINCT FROM 'pending_review')
    EXECUTE FUNCTION fn_task_subject_decided();
CREATE TRIGGER gate_change_request_closes_approvals AFTER UPDATE OF status ON gate_change_request
    FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status IS DISTINCT FROM 'pending')
    EXECUTE FUNCTION fn_task_subject_decided();

CREATE OR REPLACE FUNCTION fn_gate_change_request_unaudited(p_key text, p_new_value jsonb, p_reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/queuegov/0010's: the request assigns its approval to the approver role.)
DECLARE
    v_actor text := fn_actor_required();
    v_old   jsonb;
    v_id    bigint;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: a gate change request needs a reason' USING ERRCODE = 'QG008';
    END IF;
    PERFORM fn_config_validate(p_key, p_new_value);
    SELECT value INTO v_old FROM dot_config WHERE key = p_key FOR SHARE;
    IF v_old = p_new_value THEN
        RAISE EXCEPTION 'no_change: % is already %', p_key, v_old::text USING ERRCODE = 'QG004';
    END IF;
    IF EXISTS (SELECT 1 FROM gate_change_request WHERE config_key = p_key AND status = 'pending') THEN
        RAISE EXCEPTION 'request_pending: % already has a pending change request; approve, reject or withdraw it first', p_key
            USING ERRCODE = 'QG003';
    END IF;
    INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)
    VALUES (p_key, v_old, p_new_value, btrim(p_reason), v_actor)
    RETURNING id INTO v_id;
    -- One approval mechanism (docs/workflows.md): the approver role's task list and
    -- inbox carry the request; deciding the approval decides it (fn_task_approval_apply).
    PERFORM fn_task_insert('approval', jsonb_build_object(
                'title', left(format('Approve gate change #%s: %s to %s', v_id, p_key, p_new_value::text), 200),
                'description', left(btrim(p_reason), 2000),
                'assignee', jsonb_build_object('role', 'approver'),
                'approves', jsonb_build_object('table', 'gate_change_request', 'ref', v_id::text)),
            NULL, NULL, NULL);
    -- L1 capture (the event substrate turns it into governance.gate_change_requested)
    PERFORM fn_event_capture('governance.gate_change_requested', 'gate_change_request', v_id::text,
                             jsonb_build_object('key', p_key, 'old_value', v_old, 'new_value', p_new_value,
                                                'requested_by', v_actor));
    RETURN v_id;
END;
$$;

-- Requests pending now get their approval too.
INSERT INTO human_task (task_kind, title, description, assignee_kind, assignee, approvals_required,
                        subject_table, subject_ref, created_by, approves)
SELECT 'approval', left(format('Approve gate change #%s: %s to %s', g.id, g.config_key, g.new_value::text), 200),
       left(g.reason, 2000), 'role', 'approver', 1, 'gate_change_request', g.id::text, g.requested_by, true
  FROM gate_change_request g
 WHERE g.status = 'pending'
 ORDER BY g.id;

CREATE OR REPLACE FUNCTION fn_message_recipients_checked(p_recipients jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
-- (Replaces sql/workflows/0004's: the bad recipient is named, and each must exist.)
-- [{"kind", "ref"}] with kinds user, group or role naming an active user or one
-- of the app's groups, without repeats; NULL is no recipient.
DECLARE
    v_bad record;
    v_why text;
BEGIN
    IF p_recipients IS NULL THEN
        RETURN '[]';
    END IF;
    IF jsonb_typeof(p_recipients) <> 'array' OR jsonb_array_length(p_recipients) > 50 THEN
        RAISE EXCEPTION 'invalid_recipients: recipients are an array of at most 50 {"kind": "user" | "group" | "role", "ref": name}, not %',
                left(p_recipients::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT ord, r INTO v_bad FROM jsonb_array_elements(p_recipients) WITH ORDINALITY AS x(r, ord)
     WHERE jsonb_typeof(r) <> 'object' OR r - ARRAY['kind', 'ref'] <> '{}'::jsonb
        OR coalesce(r ->> 'kind', '') NOT IN ('user', 'group', 'role')
        OR jsonb_typeof(r -> 'ref') IS DISTINCT FROM 'string'
        OR length(btrim(r ->> 'ref')) NOT BETWEEN 1 AND 150
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_recipients: recipient % (%) is not {"kind": "user" | "group" | "role", "ref": name}',
                v_bad.ord, left(v_bad.r::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT ord, fn_assignee_unknown(r ->> 'kind', btrim(r ->> 'ref')) AS why INTO v_bad
      FROM jsonb_array_elements(p_recipients) WITH ORDINALITY AS x(r, ord)
     WHERE fn_assignee_unknown(r ->> 'kind', btrim(r ->> 'ref')) IS NOT NULL
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown_recipient: recipient %: %', v_bad.ord, v_bad.why USING ERRCODE = 'QG005';
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('kind', r ->> 'kind', 'ref', btrim(r ->> 'ref'))), '[]')
              FROM jsonb_array_elements(p_recipients) r);
END;
$$;

CREATE OR REPLACE FUNCTION fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb,
                                           p_reply_to bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $_$
-- (Replaces sql/workflows/0005's: the subject's row is looked up by its key's own type.)
-- Posts a message on a registered subject's row, or a reply on a message's
-- thread (same subject; to the thread's author and recipients as well as those
-- named). Raises governance.message.posted into every recipient's inbox
-- (fn_event_addressed).
-- {"status": "posted", "message_id", "thread_id", "recipients"}.
DECLARE
    v_actor text := fn_actor_required();
    v_subject message_subject_registry%ROWTYPE;
    v_parent subject_message%ROWTYPE;
    v_recipients jsonb := fn_message_recipients_checked(p_recipients);
    v_id bigint;
    v_thread bigint;
    v_event jsonb;
BEGIN
    IF p_body IS NULL OR length(btrim(p_body)) = 0 OR length(p_body) > 4000 THEN
        RAISE EXCEPTION 'invalid_message: a message has 1 to 4000 characters' USING ERRCODE = 'QG004';
    END IF;
    IF p_reply_to IS NOT NULL THEN
        SELECT * INTO v_parent FROM subject_message WHERE id = p_reply_to;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown_message: no message %', p_reply_to USING ERRCODE = 'QG005';
        END IF;
        IF (p_subject_table, p_subject_ref) IS DISTINCT FROM (v_parent.subject_table, v_parent.subject_ref)
           AND (p_subject_table IS NOT NULL OR p_subject_ref IS NOT NULL) THEN
            RAISE EXCEPTION 'reply_off_subject: message % is on %:%, and its replies are too', p_reply_to,
                    v_parent.subject_table, v_parent.subject_ref
                USING ERRCODE = 'QG004';
        END IF;
        p_subject_table := v_parent.subject_table;
        p_subject_ref := v_parent.subject_ref;
        v_thread := v_parent.thread_id;
        -- the thread's people hear the reply: its earlier authors and recipients
        v_recipients := (SELECT coalesce(jsonb_agg(DISTINCT r), '[]') FROM (
            SELECT jsonb_array_elements(v_recipients) AS r
            UNION SELECT jsonb_array_elements(m.recipients) FROM subject_message m WHERE m.thread_id = v_thread
            UNION SELECT jsonb_build_object('kind', 'user', 'ref', substr(m.author, 6)) FROM subject_message m
             WHERE m.thread_id = v_thread AND m.author LIKE 'user:%'
        ) x WHERE NOT (r ->> 'kind' = 'user' AND 'user:' || (r ->> 'ref') = v_actor));
    END IF;
    SELECT * INTO v_subject FROM message_subject_registry WHERE subject_table = p_subject_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_subject: % is not a table messages are posted on (%)', coalesce(p_subject_table, 'null'),
                (SELECT string_agg(subject_table, ', ' ORDER BY subject_table) FROM message_subject_registry)
            USING ERRCODE = 'QG005';
    END IF;
    IF NOT fn_subject_exists(v_subject.subject_table, p_subject_ref) THEN
        RAISE EXCEPTION 'unknown_subject: no % %', v_subject.description, coalesce(p_subject_ref, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    IF jsonb_array_length(v_recipients) = 0 THEN
        RAISE EXCEPTION 'invalid_recipients: a message is posted to at least one user, group or role' USING ERRCODE = 'QG004';
    END IF;
    v_id := nextval('subject_message_id_seq');
    INSERT INTO subject_message (id, subject_table, subject_ref, reply_to_id, thread_id, author, body, recipients)
    VALUES (v_id, p_subject_table, p_subject_ref, p_reply_to, coalesce(v_thread, v_id), v_actor, btrim(p_body),
            v_recipients);
    v_event := fn_event_emit('governance.message.posted', 'subject_message', v_id::text,
                             jsonb_build_object('message_id', v_id, 'thread_id', coalesce(v_thread, v_id),
                                                'subject_table', p_subject_table, 'subject_ref', p_subject_ref,
                                                'author', v_actor, 'excerpt', left(btrim(p_body), 140)));
    IF v_event ->> 'status' = 'emitted' THEN
        UPDATE subject_message SET event_id = (v_event ->> 'event_id')::bigint WHERE id = v_id;
    END IF;
    PERFORM fn_event_addressed(v_event, v_recipients);
    RETURN fn_act_audit(jsonb_build_object('status', 'posted', 'message_id', v_id, 'thread_id', coalesce(v_thread, v_id),
                                           'recipients', v_recipients),
                        'message.post', 'subject_message', ARRAY[v_id::text], NULL, NULL,
                        format('on %s:%s', p_subject_table, p_subject_ref));
END;
$_$;

ALTER TABLE workflow ADD COLUMN subject_table text, ADD COLUMN subject_ref text;
COMMENT ON COLUMN workflow.subject_table IS
    'What the workflow is about, set by the function that starts it (a manifest''s review), never by a spec.';
ALTER TABLE workflow ADD CONSTRAINT workflow_subject_whole
    CHECK ((subject_table IS NULL) = (subject_ref IS NULL));
COMMENT ON CONSTRAINT workflow_subject_whole ON workflow IS 'a workflow''s subject is a table and a row together';
-- (sql/workflows/0007's explanations, as the console shows them: one plain sentence)
COMMENT ON CONSTRAINT workflow_added_under_its_step ON workflow IS
    'a workflow a job added hangs under the step that job runs';
COMMENT ON CONSTRAINT workflow_step_added_open_counted ON workflow_step IS
    'a step''s count of open workflows its job added is never negative';
CREATE UNIQUE INDEX workflow_one_running_per_subject ON workflow (subject_table, subject_ref)
    WHERE status = 'running' AND subject_table IS NOT NULL;
COMMENT ON INDEX workflow_one_running_per_subject IS 'One running workflow per subject (a manifest has one review at a time).';
UPDATE workflow SET subject_table = 'iu_staging_record', subject_ref = substr(correlation_id, 9)
 WHERE correlation_id ~ '^staging:[0-9]+$' AND status = 'running' AND parent_step_id IS NULL
   AND name LIKE 'staging review %'
   AND id = (SELECT max(w2.id) FROM workflow w2 WHERE w2.correlation_id = workflow.correlation_id AND w2.status = 'running');

CREATE OR REPLACE FUNCTION fn_iu_staging_review_start(p_record_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0006's: under the manifest's row lock, and keyed by the
-- workflow's subject, which no caller's spec sets, rather than its correlation id.)
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
    -- the manifest's row lock: two starts for one manifest take turns
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status <> 'pending_review' THEN
        RAISE EXCEPTION 'not_pending_review: staging record % is %; a review workflow starts on a pending manifest',
                p_record_id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF EXISTS (SELECT 1 FROM workflow WHERE subject_table = 'iu_staging_record' AND subject_ref = p_record_id::text
                                        AND status = 'running') THEN
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
    UPDATE workflow SET subject_table = 'iu_staging_record', subject_ref = p_record_id::text WHERE id = v_id;
    RETURN fn_act_audit(jsonb_build_object('status', 'started', 'workflow_id', v_id, 'record_id', p_record_id),
                        'staging.review_workflow', 'iu_staging_record', ARRAY[p_record_id::text], p_reason);
END;
$$;

CREATE OR REPLACE FUNCTION fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- (Replaces sql/workflows/0007's: the refusal names its rule, lease_lost.)
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
        RAISE EXCEPTION 'lease_lost: %',
                regexp_replace(fn_job_fence_refusal(p_job_id, fn_worker_ref(p_worker_id), p_attempt) ->> 'reason',
                               '^lease_lost: ', '')
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
