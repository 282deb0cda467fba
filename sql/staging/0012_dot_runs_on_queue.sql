-- Why: DOT commands run on the queue (docs/staging.md, "DOT runs on the
-- queue"). A person enqueues a catalogued command as a job of kind
-- dot.command (executor class dot, the DOT operator runtime) through a
-- governed, audited act; the executor that claims the job runs the command
-- against it with fn_iu_dot_command_run, fenced by the job's lease like
-- fn_job_ack; the run row names its job (dot_iu_command_run.job_id) and the
-- executor acknowledges the job with the function's answer, which carries the
-- run_id. Only read-only commands run this way; the first is
-- dot_queue_healthcheck: it reads fn_queue_health and records the answer as the
-- run's evidence (run mode plan).

SELECT set_config('queuegov.actor', 'system:migration', true);

-- ---------------------------------------------------------------------------
-- The run names its job
-- ---------------------------------------------------------------------------
-- No FOREIGN KEY: retention archives jobs (job_archive) while the ledger keeps its runs.
ALTER TABLE dot_iu_command_run ADD COLUMN job_id bigint;
CREATE INDEX dot_iu_command_run_job ON dot_iu_command_run (job_id) WHERE job_id IS NOT NULL;
COMMENT ON COLUMN dot_iu_command_run.job_id IS
    'The dot.command job this run ran for (fn_iu_dot_command_run); the job''s result names the run back (run_id).';

-- ---------------------------------------------------------------------------
-- The catalogue entry
-- ---------------------------------------------------------------------------
INSERT INTO dot_iu_command_catalog (command, operator_alias, primitive, run_modes, snapshot_keys, event_types, description) VALUES
    ('dot_queue_healthcheck', 'fn_iu_dot_command_enqueue', 'fn_queue_health', ARRAY['plan'],
     ARRAY['queue.job_substrate.enabled', 'queue.worker.enabled', 'queue.heartbeat.enabled', 'vector.sync.enabled'],
     '{}',
     'DOT: read the queue''s health (fn_queue_health) and record the answer as the run''s evidence; read-only, runs as a dot.command job');

CREATE FUNCTION fn_iu_dot_command_on_queue(p_command text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
-- The catalogued commands a dot.command job may run: read-only ones only
-- (plan mode, nothing changed but their run row).
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dot_iu_command_catalog WHERE command = p_command) THEN
        RAISE EXCEPTION 'unknown_command: % is not in dot_iu_command_catalog', coalesce(quote_literal(p_command), 'NULL')
            USING ERRCODE = 'QG005';
    END IF;
    IF p_command NOT IN ('dot_queue_healthcheck') THEN
        RAISE EXCEPTION 'command_not_on_queue: % does not run as a dot.command job; the queue runs the read-only command dot_queue_healthcheck',
                p_command
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------
-- The job kind (executor class dot) and its queue
-- ---------------------------------------------------------------------------
INSERT INTO queue_state (queue_name) VALUES ('dot') ON CONFLICT DO NOTHING;
INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) VALUES
    ('dot.command', 'dot', 'dot', 'default', 'staging.builtin.dot_command',
     'run a catalogued read-only DOT command against its job (fn_iu_dot_command_run); the result names the run');

-- ---------------------------------------------------------------------------
-- Enqueue: a governed act
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_dot_command_enqueue_unaudited(p_command text, p_reason text, p_idempotency_key text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v jsonb;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: enqueueing DOT command % needs a reason', coalesce(p_command, 'NULL')
            USING ERRCODE = 'QG008';
    END IF;
    PERFORM fn_iu_dot_command_on_queue(p_command);
    v := fn_job_enqueue('dot.command', jsonb_build_object('command', p_command, 'run_mode', 'plan', 'requested_by', v_actor),
                        p_idempotency_key => p_idempotency_key,
                        p_correlation_id => 'dot_iu_command:' || p_command);
    RETURN v || jsonb_build_object('command', p_command);
END;
$$;

CREATE FUNCTION fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- {"status": "enqueued" | "duplicate" | "gate_closed", "job_id", "command"}; audited as dot_command.enqueue.
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_dot_command_enqueue_unaudited(p_command, fn_reason_checked(p_reason), p_idempotency_key);
    RETURN fn_act_audit(v, 'dot_command.enqueue', 'job_queue',
                        CASE WHEN v ? 'job_id' THEN ARRAY[v ->> 'job_id'] ELSE '{}' END, p_reason, NULL,
                        CASE WHEN v ? 'job_id' THEN format('DOT command %s as job #%s', p_command, v ->> 'job_id') END);
END;
$$;

-- ---------------------------------------------------------------------------
-- Run: what the executor calls for its claimed job
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
-- Runs the job's command, fenced like fn_job_ack: only the current attempt of
-- the job's lease owner gets through (otherwise the same refusal fn_job_ack
-- gives, and nothing runs). Writes the run row naming the job; the executor
-- then acknowledges the job with this answer, so the job's result names the
-- run. Called again for the same attempt (a lost connection), it answers the
-- run it already made instead of running twice.
-- {"status": "ran" | "duplicate", "run_id", "job_id", "attempt", "command", "run_status", "healthy", "problems"}
DECLARE
    v_worker text := fn_worker_ref(p_worker_id);
    j        job_queue%ROWTYPE;
    v_cmd    text;
    v_run    bigint;
    v_health jsonb;
    v_status text;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_iu_dot_command_run');
    SELECT * INTO j FROM job_queue
     WHERE id = p_job_id AND status = 'running' AND lease_owner = v_worker AND attempts = p_attempt
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN fn_job_fence_refusal(p_job_id, v_worker, p_attempt);
    END IF;
    IF j.job_kind <> 'dot.command' THEN
        RAISE EXCEPTION 'not_dot_command_job: job % is not a dot.command job; run it with its own handler', p_job_id
            USING ERRCODE = 'QG004';
    END IF;
    v_cmd := j.payload ->> 'command';
    PERFORM fn_iu_dot_command_on_queue(v_cmd);

    SELECT id, run_status INTO v_run, v_status FROM dot_iu_command_run
     WHERE job_id = p_job_id AND (params ->> 'attempt')::integer = p_attempt;
    IF FOUND THEN
        RETURN jsonb_build_object('status', 'duplicate', 'run_id', v_run, 'job_id', p_job_id, 'attempt', p_attempt,
                                  'command', v_cmd, 'run_status', v_status);
    END IF;

    v_run := fn_iu_run_open(v_cmd, 'plan', NULL,
                            jsonb_build_object('job_id', p_job_id, 'attempt', p_attempt,
                                               'requested_by', j.payload ->> 'requested_by'));
    UPDATE dot_iu_command_run SET job_id = p_job_id WHERE id = v_run;
    -- dot_queue_healthcheck (the one command fn_iu_dot_command_on_queue admits)
    v_health := fn_queue_health();
    v_status := CASE WHEN (v_health ->> 'healthy')::boolean THEN 'passed' ELSE 'problems' END;
    PERFORM fn_iu_run_close(v_run, v_status, v_health);
    RETURN jsonb_build_object('status', 'ran', 'run_id', v_run, 'job_id', p_job_id, 'attempt', p_attempt,
                              'command', v_cmd, 'run_status', v_status,
                              'healthy', (v_health ->> 'healthy')::boolean,
                              'problems', jsonb_array_length(v_health -> 'problems'));
END;
$$;
