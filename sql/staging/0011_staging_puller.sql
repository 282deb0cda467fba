-- Why: the staging workflow waited for people to look (docs/staging.md, "The
-- staging puller"). Three scheduled, idempotent job kinds now pull it along,
-- each a SQL function the built-in worker calls (staging/builtin.py):
-- * staging.verify_new runs the verify-mark dry run on each manifest waiting
--   in pending_review that has no verdict yet, and puts the verdict in the
--   reviewers' inbox (event staging.verify_verdict);
-- * queuegov.staging_cleanup runs the cleanup with apply on schedule, behind
--   its gate iu_core.retention_enabled, so staging_cleanup --apply needs no
--   cron (a queuegov.* kind: only the app may enqueue a governed cleanup);
-- * staging.remind tells approvers of manifests waiting for approval and
--   operators of approved manifests waiting to be cut.
-- Approval and cut stay human acts: the puller never approves or cuts.
-- iu_staging_notice remembers what the puller already said, one row per
-- manifest, notice and state; its primary key is what makes concurrent ticks
-- and re-runs add nothing.

SELECT set_config('queuegov.actor', 'system:migration', true);

-- ---------------------------------------------------------------------------
-- What the puller has said
-- ---------------------------------------------------------------------------
CREATE TABLE iu_staging_notice (
    record_id   bigint NOT NULL REFERENCES iu_staging_record (id),
    notice      text NOT NULL
        CONSTRAINT iu_notice_allowed CHECK (notice IN (
            'verify_verdict',    -- the dry-run verdict went to the reviewers (state_key: the digest)
            'approval_waiting',  -- approvers were told it waits for approval (state_key: pending_review)
            'cut_waiting'        -- operators were told it waits to be cut (state_key: approved)
        )),
    state_key   text NOT NULL CONSTRAINT iu_notice_state_key_not_blank CHECK (length(btrim(state_key)) > 0),
    run_id      bigint REFERENCES dot_iu_command_run (id),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by  text NOT NULL,
    PRIMARY KEY (record_id, notice, state_key)
);
COMMENT ON TABLE iu_staging_notice IS
    'What the staging puller already told people, once per manifest, notice and state (digest or lifecycle status).';
COMMENT ON CONSTRAINT iu_staging_notice_pkey ON iu_staging_notice IS
    'the puller says each notice once per manifest and state: this one was already given';
COMMENT ON CONSTRAINT iu_notice_allowed ON iu_staging_notice IS
    'a puller notice is verify_verdict, approval_waiting or cut_waiting: use one of those three';
COMMENT ON CONSTRAINT iu_notice_state_key_not_blank ON iu_staging_notice IS
    'a puller notice names the state it was given for (the digest or the lifecycle status): give a non-blank state key';
COMMENT ON CONSTRAINT iu_staging_notice_record_id_fkey ON iu_staging_notice IS
    'a puller notice is about an existing staging record: check the record id';
COMMENT ON CONSTRAINT iu_staging_notice_run_id_fkey ON iu_staging_notice IS
    'a puller notice names an existing run, or none: check the run id';

-- ---------------------------------------------------------------------------
-- The event types and their audiences
-- ---------------------------------------------------------------------------
INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, status, producer_ref, description) VALUES
    ('staging.verify_verdict',   'staging', 'review', 'immediate', 'info', 'active', 'fn_iu_puller_verify_new',
     'the staging puller ran verify-mark (dry run) on a new manifest: the verdict for the reviewers'),
    ('staging.approval_waiting', 'staging', 'task',   'immediate', 'info', 'active', 'fn_iu_puller_remind',
     'a manifest waits for approval (told once per manifest)'),
    ('staging.cut_waiting',      'staging', 'task',   'immediate', 'info', 'active', 'fn_iu_puller_remind',
     'an approved manifest waits to be cut (told once per manifest)');
-- The staging domain's default audience is the approvers; these go to whoever acts on them.
INSERT INTO event_subscription (event_type, recipient_kind, recipient_ref, note, created_by) VALUES
    ('staging.verify_verdict',   'role', 'reviewer', 'the staging puller: verdicts of new manifests', 'system:migration'),
    ('staging.approval_waiting', 'role', 'approver', 'the staging puller: manifests waiting for approval', 'system:migration'),
    ('staging.cut_waiting',      'role', 'operator', 'the staging puller: approved manifests waiting to be cut', 'system:migration');

-- Every event type answers the inclusion rubric (docs/events.md), these too.
UPDATE event_type_registry t SET rubric = a.rubric::jsonb
  FROM (VALUES
    ('staging.verify_verdict', '{"decision": "A reviewer reads the verdict and decides whether to ask for approval or rejection.", "consumer": "The reviewers'' inbox (subscription of role reviewer).", "loss": "A new manifest nobody looks at expires unreviewed; the run row alone notifies nobody."}'),
    ('staging.approval_waiting', '{"decision": "An approver approves or rejects the manifest (four-eyes).", "consumer": "The approvers'' inbox (subscription of role approver).", "loss": "The manifest waits until it expires with nobody told."}'),
    ('staging.cut_waiting', '{"decision": "An operator cuts the approved manifest into information units.", "consumer": "The operators'' inbox (subscription of role operator).", "loss": "Approved work sits uncut until it expires."}')
  ) AS a(event_type, rubric)
 WHERE t.event_type = a.event_type;

-- ---------------------------------------------------------------------------
-- (a) verify-mark dry runs of new manifests
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_puller_verify_new(p_limit integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Each pending_review manifest with no verdict yet (no verify-mark run, no
-- notice for its digest) gets one dry run (fn_iu_verify_mark, a plan run row)
-- and one staging.verify_verdict for the reviewers. The notice row is claimed
-- first: a concurrent tick waits on it, then finds it taken and adds nothing.
-- {"status": "verified" | "nothing_to_do", "verdicts", "records": [...]}
DECLARE
    v_actor   text := fn_actor_required();
    r         record;
    v         jsonb;
    v_run     bigint;
    v_records bigint[] := '{}';
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'invalid_batch_size: p_limit must be between 1 and 1000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    FOR r IN
        SELECT s.id, s.digest, s.doc_code FROM iu_staging_record s
         WHERE s.lifecycle_status = 'pending_review'
           AND NOT EXISTS (SELECT 1 FROM iu_staging_notice n
                            WHERE n.record_id = s.id AND n.notice = 'verify_verdict' AND n.state_key = s.digest)
           AND NOT EXISTS (SELECT 1 FROM dot_iu_command_run c WHERE c.record_id = s.id AND c.command = 'verify_mark')
         ORDER BY s.id
         LIMIT p_limit
    LOOP
        INSERT INTO iu_staging_notice (record_id, notice, state_key, created_by)
        VALUES (r.id, 'verify_verdict', r.digest, v_actor)
        ON CONFLICT DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- another tick told them
        v := fn_iu_verify_mark(r.id, false);
        v_run := (v ->> 'run_id')::bigint;
        UPDATE iu_staging_notice SET run_id = v_run
         WHERE record_id = r.id AND notice = 'verify_verdict' AND state_key = r.digest;
        PERFORM fn_iu_staging_capture('staging.verify_verdict', r.id, v_run,
            jsonb_build_object('doc_code', r.doc_code, 'digest', r.digest,
                               'verdict', v -> 'verdict' ->> 'verdict',
                               'problem_count', (SELECT coalesce(sum((a.value ->> 'problem_count')::integer), 0)
                                                   FROM jsonb_each(v -> 'verdict' -> 'axes') AS a),
                               'lifecycle_status', 'pending_review'));
        v_records := v_records || r.id;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN cardinality(v_records) = 0 THEN 'nothing_to_do' ELSE 'verified' END,
                              'verdicts', cardinality(v_records), 'records', to_jsonb(v_records));
END;
$$;

-- ---------------------------------------------------------------------------
-- (b) cleanup with apply, on schedule
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_puller_cleanup() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- fn_iu_op_cleanup(apply) as a scheduled job: behind iu_core.retention_enabled
-- it answers gate_closed and changes nothing (its refusal is audited, as from
-- the shell). A cleanup already running (the staging_cleanup lease) is not a
-- failure of this tick: it answers busy instead of dead-lettering the job.
BEGIN
    RETURN fn_iu_op_cleanup(true, NULL);
EXCEPTION WHEN SQLSTATE 'QG003' THEN
    IF SQLERRM LIKE 'lease_held:%' THEN
        RETURN jsonb_build_object('status', 'busy', 'reason', SQLERRM);
    END IF;
    RAISE;
END;
$$;

-- ---------------------------------------------------------------------------
-- (c) reminders
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_puller_remind(p_limit integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Approvers hear of each manifest waiting for approval, operators of each
-- approved one waiting to be cut: once per manifest per state it waits in.
-- That granularity because the lifecycle never re-enters a state (pending_review
-- → approved → consumed, or out to rejected/expired), so "per state" is "per
-- wait": one to-do in the right inbox, not a reminder every tick; a manifest
-- that moves on to the next wait is told about again, to its next audience.
-- Expired-but-not-yet-swept manifests are left to the cleanup. Never approves or cuts.
-- {"status": "reminded" | "nothing_to_do", "approval_waiting", "cut_waiting"}
DECLARE
    v_actor    text := fn_actor_required();
    r          record;
    v_approval integer := 0;
    v_cut      integer := 0;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'invalid_batch_size: p_limit must be between 1 and 1000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    FOR r IN
        SELECT s.id, s.doc_code, s.lifecycle_status, s.last_run_id, s.expires_at, s.marked_by, s.approved_by
          FROM iu_staging_record s
         WHERE s.lifecycle_status IN ('pending_review', 'approved') AND s.expires_at > now()
           AND NOT EXISTS (SELECT 1 FROM iu_staging_notice n
                            WHERE n.record_id = s.id AND n.state_key = s.lifecycle_status
                              AND n.notice IN ('approval_waiting', 'cut_waiting'))
         ORDER BY s.id
         LIMIT p_limit
    LOOP
        INSERT INTO iu_staging_notice (record_id, notice, state_key, run_id, created_by)
        VALUES (r.id, CASE r.lifecycle_status WHEN 'pending_review' THEN 'approval_waiting' ELSE 'cut_waiting' END,
                r.lifecycle_status, r.last_run_id, v_actor)
        ON CONFLICT DO NOTHING;
        CONTINUE WHEN NOT FOUND;
        IF r.lifecycle_status = 'pending_review' THEN
            PERFORM fn_iu_staging_capture('staging.approval_waiting', r.id, r.last_run_id,
                jsonb_build_object('doc_code', r.doc_code, 'lifecycle_status', r.lifecycle_status,
                                   'marked_by', r.marked_by, 'expires_at', r.expires_at));
            v_approval := v_approval + 1;
        ELSE
            PERFORM fn_iu_staging_capture('staging.cut_waiting', r.id, r.last_run_id,
                jsonb_build_object('doc_code', r.doc_code, 'lifecycle_status', r.lifecycle_status,
                                   'approved_by', r.approved_by, 'expires_at', r.expires_at));
            v_cut := v_cut + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_approval + v_cut = 0 THEN 'nothing_to_do' ELSE 'reminded' END,
                              'approval_waiting', v_approval, 'cut_waiting', v_cut);
END;
$$;

-- ---------------------------------------------------------------------------
-- The job kinds and their schedules (like the maintenance schedules)
-- ---------------------------------------------------------------------------
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('staging.verify_new',       'pg_worker', 'maintenance', 'no_retry', 'staging.builtin.verify_new',
     'verify-mark dry run of new manifests; the verdict to the reviewers'' inbox'),
    ('queuegov.staging_cleanup', 'pg_worker', 'maintenance', 'no_retry', 'staging.builtin.staging_cleanup',
     'staging cleanup with apply (gate iu_core.retention_enabled)'),
    ('staging.remind',           'pg_worker', 'maintenance', 'no_retry', 'staging.builtin.remind',
     'tell approvers and operators of manifests waiting for them');
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.staging_verify_new', '* * * * *',    'staging.verify_new',       'maintenance', 'verify new manifests every minute'),
    ('maintenance.staging_cleanup',    '15 3 * * *',   'queuegov.staging_cleanup', 'maintenance', 'expire, clean and archive staging records daily'),
    ('maintenance.staging_remind',     '*/15 * * * *', 'staging.remind',           'maintenance', 'remind approvers and operators every 15 minutes');
