-- Why: the event type registry (SPEC §5). Every durable event names a
-- registered, active type; each active type names the producer that emits it
-- (tests/events/test_registry.py keeps producers and registry in step: no
-- orphan types, no unregistered emits).

CREATE TABLE event_type_registry (
    event_type       text PRIMARY KEY
        CONSTRAINT event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    event_domain     text NOT NULL REFERENCES event_domain_registry (event_domain),
    event_stream     qg_event_stream NOT NULL,
    delivery_lane    qg_delivery_lane NOT NULL,
    default_severity qg_severity,
    description      text NOT NULL,
    status           text NOT NULL DEFAULT 'active'
        CONSTRAINT event_type_status_allowed CHECK (status IN (
            'draft',    -- designed, not emitted yet
            'active',   -- emitted by producer_ref
            'retired'   -- no longer emitted; emitting it is an error
        )),
    producer_ref     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_type_in_its_domain CHECK (split_part(event_type, '.', 1) = event_domain),
    CONSTRAINT active_event_type_has_producer CHECK (status <> 'active' OR producer_ref IS NOT NULL)
);
COMMENT ON COLUMN event_type_registry.producer_ref IS 'The SQL function (fn_…) or Python module that emits this type.';

INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, status, producer_ref, description) VALUES
    -- staging workflow (delayed lane: debounced per manifest)
    ('staging.record_created',  'staging', 'birth',  'delayed', 'info',    'draft', NULL, 'a manifest was marked for review'),
    ('staging.record_approved', 'staging', 'review', 'delayed', 'info',    'draft', NULL, 'a manifest passed verify-mark and was approved'),
    ('staging.record_consumed', 'staging', 'update', 'delayed', 'info',    'draft', NULL, 'a manifest was cut into information units'),
    ('staging.record_rejected', 'staging', 'review', 'delayed', 'warning', 'draft', NULL, 'a manifest was rejected'),
    ('staging.record_cleaned',  'staging', 'update', 'delayed', 'info',    'draft', NULL, 'a staging record was cleaned or archived'),
    -- information units from the cut
    ('iu.unit_created',         'iu',      'birth',  'immediate', 'info',  'draft', NULL, 'an information unit was materialised'),
    ('iu.cut_verified',         'iu',      'review', 'immediate', 'info',  'draft', NULL, 'a cut passed verify-cut'),
    -- governance
    ('governance.gate_change_requested', 'governance', 'review', 'immediate', 'info',     'active', 'fn_gate_change_request', 'a gate or setting change was requested'),
    ('governance.gate_changed',          'governance', 'update', 'immediate', 'warning',  'active', 'fn_gate_change_approve', 'a gate or setting changed (four-eyes approved)'),
    ('governance.gate_change_rejected',  'governance', 'review', 'immediate', 'info',     'active', 'fn_gate_change_reject',  'a gate change request was rejected'),
    ('governance.problem.raised',        'governance', 'alert',  'immediate', 'critical', 'active', 'fn_governance_problem_raise', 'a governance problem needs attention'),
    -- the queue system
    ('system.queue_worker_silent',    'system', 'health', 'immediate', 'critical', 'active', 'fn_queue_stale_check',    'an executor stopped beating (fresh → stale)'),
    ('system.queue_worker_recovered', 'system', 'health', 'immediate', 'info',     'active', 'fn_queue_heartbeat_tick', 'a stale executor beats again (stale → fresh)'),
    -- jobs
    ('job.dead_lettered', 'job', 'alert',  'immediate', 'warning', 'active', 'fn_event_capture_trigger', 'a job exhausted its attempts (trigger-IN route on job_dead_letter)'),
    ('job.replayed',      'job', 'update', 'immediate', 'info',    'active', 'fn_job_dead_letter_replay', 'a dead-lettered job was replayed'),
    -- routing
    ('system.route_dead_lettered', 'system', 'alert',  'immediate', 'warning', 'active', 'fn_iu_route_worker_run',         'an event exhausted its route attempts'),
    ('system.route_replayed',      'system', 'update', 'immediate', 'info',    'active', 'fn_iu_route_dead_letter_replay', 'a routing dead letter was replayed');

CREATE FUNCTION fn_event_type_set_status(p_event_type text, p_status text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- The registry's governed edit: draft ↔ active ↔ retired (an active type
-- needs a producer_ref, by CHECK). New types arrive by migration.
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_status NOT IN ('draft', 'active', 'retired') THEN
        RAISE EXCEPTION 'invalid_event_type_status: % (allowed: draft, active, retired)', p_status USING ERRCODE = 'QG004';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: changing an event type''s status needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT status INTO v_old FROM event_type_registry WHERE event_type = p_event_type FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'event_type', p_event_type);
    END IF;
    UPDATE event_type_registry SET status = p_status WHERE event_type = p_event_type;
    RETURN jsonb_build_object('status', 'updated', 'event_type', p_event_type, 'from', v_old, 'to', p_status,
                              'by', v_actor);
END;
$$;
