-- Why: which job statuses an operator's act applies to is said once, here, and
-- read by the act (fn_job_retry_now_many, fn_job_cancel_many skip the rest) and
-- by the admin, which offers "Retry now" or "Cancel" only where they can apply
-- (docs/operations.md, "The admin"): retrying a dead job was offered and then
-- answered "nothing to do".

CREATE FUNCTION fn_job_act_statuses(p_act text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    -- retry_now: a queued job runs now, a cancelled one is queued again (a dead job
    -- is replayed from its dead letter); cancel: a queued or running job.
    SELECT CASE p_act
               WHEN 'retry_now' THEN ARRAY['queued', 'cancelled']
               WHEN 'cancel' THEN ARRAY['queued', 'running']
           END
$$;

CREATE OR REPLACE FUNCTION fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: retrying jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    WITH r AS (
        UPDATE job_queue
           SET status = 'queued', run_at = now(), finished_at = NULL,
               max_attempts = greatest(max_attempts, attempts - released_attempts + 1),
               last_error = CASE WHEN status = 'cancelled'
                                 THEN format('requeued by %s: %s (was: %s)', v_actor, btrim(p_reason), last_error)
                                 ELSE last_error END
         WHERE id = ANY (p_job_ids) AND status = ANY (fn_job_act_statuses('retry_now'))
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM r;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'requeued' END,
        'requeued', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status,
                        'why', CASE status WHEN 'dead' THEN 'dead jobs are replayed from their dead letter'
                                           WHEN 'running' THEN 'already running'
                                           ELSE 'already finished' END) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)));
END;
$$;

CREATE OR REPLACE FUNCTION fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: cancelling jobs needs a reason' USING ERRCODE = 'QG008';
    END IF;
    -- Rows are locked first, in id order (as every writer of job_attempt locks the job
    -- before it writes the attempt: no deadlock with a worker failing the same attempt);
    -- a running attempt then ends as 'cancelled' in the history (its late ack is refused).
    WITH locked AS (
        SELECT id, status, attempts, lease_owner, started_at FROM job_queue
         WHERE id = ANY (p_job_ids) AND status = ANY (fn_job_act_statuses('cancel'))
         ORDER BY id FOR UPDATE
    ), c AS (
        UPDATE job_queue j
           SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL,
               last_error = format('cancelled by %s: %s', v_actor, btrim(p_reason))
          FROM locked l WHERE j.id = l.id
        RETURNING j.id
    ), kept AS (
        INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT id, attempts, lease_owner, started_at, 'cancelled', format('cancelled by %s: %s', v_actor, btrim(p_reason))
          FROM locked WHERE status = 'running'
        ON CONFLICT DO NOTHING
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM c;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_ids) = 0 THEN 'nothing_to_do' ELSE 'cancelled' END,
        'cancelled', to_jsonb(v_ids),
        'skipped', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status) ORDER BY id), '[]'::jsonb)
                    FROM job_queue WHERE id = ANY (p_job_ids) AND id <> ALL (v_ids)),
        'unknown', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT id FROM job_queue WHERE id = ANY (p_job_ids))));
END;
$$;
