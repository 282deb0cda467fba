-- Why: scheduling without pg_cron (SPEC §6 supports_scheduling). Cron
-- expressions are parsed and evaluated in SQL so every caller — the Python
-- tick, an external cron script, a psql session — gets the same slots; each
-- due slot is enqueued exactly once (row lock + idempotency key per slot).

CREATE TYPE qg_cron AS (
    minutes integer[],
    hours   integer[],
    doms    integer[],
    months  integer[],
    dows    integer[],
    dom_any boolean,
    dow_any boolean
);

CREATE FUNCTION fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[])
RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_part  text;
    v_range text;
    v_step  integer;
    v_lo    integer;
    v_hi    integer;
    v_out   integer[] := '{}';
    v_bits  text[];
    v_i     integer;
BEGIN
    IF p_text IS NULL OR p_text = '' THEN
        RAISE EXCEPTION 'cron_expression_invalid: % has no % field (expected: minute hour day-of-month month day-of-week)', quote_literal(p_expr), p_field
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cron_expression_valid';
    END IF;
    -- names (jan..dec, sun..sat) become numbers
    IF p_names IS NOT NULL THEN
        FOR v_i IN 1 .. cardinality(p_names) LOOP
            p_text := regexp_replace(lower(p_text), p_names[v_i], (v_i - 1 + p_min)::text, 'g');
        END LOOP;
    END IF;
    FOREACH v_part IN ARRAY string_to_array(p_text, ',') LOOP
        v_bits := string_to_array(v_part, '/');
        IF cardinality(v_bits) > 2 OR v_part !~ '^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?$' THEN
            RAISE EXCEPTION 'cron_expression_invalid: % has a malformed % field %', quote_literal(p_expr), p_field, quote_literal(v_part)
                USING ERRCODE = 'check_violation', CONSTRAINT = 'cron_expression_valid';
        END IF;
        v_range := v_bits[1];
        v_step := coalesce(v_bits[2]::integer, 1);
        IF v_range = '*' THEN
            v_lo := p_min; v_hi := p_max;
        ELSIF position('-' IN v_range) > 0 THEN
            v_lo := split_part(v_range, '-', 1)::integer; v_hi := split_part(v_range, '-', 2)::integer;
        ELSE
            v_lo := v_range::integer;
            v_hi := CASE WHEN v_bits[2] IS NULL THEN v_lo ELSE p_max END;
        END IF;
        IF v_lo < p_min OR v_hi > p_max OR v_lo > v_hi OR v_step < 1 THEN
            RAISE EXCEPTION 'cron_expression_invalid: % field % in % is out of range %-%', p_field, quote_literal(v_part), quote_literal(p_expr), p_min, p_max
                USING ERRCODE = 'check_violation', CONSTRAINT = 'cron_expression_valid';
        END IF;
        FOR v_i IN v_lo .. v_hi BY v_step LOOP
            v_out := v_out || v_i;
        END LOOP;
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT unnest(v_out) ORDER BY 1);
END;
$$;

CREATE FUNCTION fn_cron_parse(p_expr text) RETURNS qg_cron
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_expr text := btrim(coalesce(p_expr, ''));
    f text[];
    c qg_cron;
BEGIN
    v_expr := CASE lower(v_expr)
        WHEN '@yearly' THEN '0 0 1 1 *' WHEN '@annually' THEN '0 0 1 1 *'
        WHEN '@monthly' THEN '0 0 1 * *' WHEN '@weekly' THEN '0 0 * * 0'
        WHEN '@daily' THEN '0 0 * * *' WHEN '@midnight' THEN '0 0 * * *'
        WHEN '@hourly' THEN '0 * * * *' ELSE v_expr END;
    f := regexp_split_to_array(v_expr, '\s+');
    IF cardinality(f) <> 5 THEN
        RAISE EXCEPTION 'cron_expression_invalid: % has % fields; expected 5 (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly',
                quote_literal(p_expr), CASE WHEN v_expr = '' THEN 0 ELSE cardinality(f) END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cron_expression_valid';
    END IF;
    c.minutes := fn_cron_field(p_expr, 'minute', f[1], 0, 59, NULL);
    c.hours   := fn_cron_field(p_expr, 'hour', f[2], 0, 23, NULL);
    c.doms    := fn_cron_field(p_expr, 'day-of-month', f[3], 1, 31, NULL);
    c.months  := fn_cron_field(p_expr, 'month', f[4], 1, 12,
                               ARRAY['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec']);
    c.dows    := fn_cron_field(p_expr, 'day-of-week', f[5], 0, 7, ARRAY['sun','mon','tue','wed','thu','fri','sat']);
    IF 7 = ANY (c.dows) THEN
        c.dows := ARRAY(SELECT DISTINCT CASE WHEN d = 7 THEN 0 ELSE d END FROM unnest(c.dows) d ORDER BY 1);
    END IF;
    c.dom_any := f[3] LIKE '*%';
    c.dow_any := f[5] LIKE '*%';
    RETURN c;
END;
$$;

CREATE FUNCTION fn_cron_valid(p_expr text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM fn_cron_parse(p_expr);
    RETURN true;
END;
$$;

CREATE FUNCTION fn_cron_next(p_expr text, p_after timestamptz) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
-- The first slot strictly after p_after (UTC, minute resolution), with
-- Vixie cron's day rule (as croniter).
DECLARE
    c qg_cron := fn_cron_parse(p_expr);
    t timestamp := date_trunc('minute', p_after AT TIME ZONE 'UTC') + interval '1 minute';
    v_limit timestamp := (p_after AT TIME ZONE 'UTC') + interval '10 years';
    v_dom_ok boolean;
    v_dow_ok boolean;
BEGIN
    WHILE t < v_limit LOOP
        IF NOT (extract(month FROM t)::integer = ANY (c.months)) THEN
            t := date_trunc('month', t) + interval '1 month';
            CONTINUE;
        END IF;
        v_dom_ok := extract(day FROM t)::integer = ANY (c.doms);
        v_dow_ok := extract(dow FROM t)::integer = ANY (c.dows);
        -- Vixie cron: a day field starting with '*' (even '*/2') makes both
        -- day fields apply together; two restricted fields match either way.
        IF NOT (CASE WHEN c.dom_any OR c.dow_any THEN v_dom_ok AND v_dow_ok
                     ELSE v_dom_ok OR v_dow_ok END) THEN
            t := date_trunc('day', t) + interval '1 day';
            CONTINUE;
        END IF;
        IF NOT (extract(hour FROM t)::integer = ANY (c.hours)) THEN
            t := date_trunc('hour', t) + interval '1 hour';
            CONTINUE;
        END IF;
        IF NOT (extract(minute FROM t)::integer = ANY (c.minutes)) THEN
            t := t + interval '1 minute';
            CONTINUE;
        END IF;
        RETURN t AT TIME ZONE 'UTC';
    END LOOP;
    RAISE EXCEPTION 'cron_expression_invalid: % never fires within 10 years', quote_literal(p_expr)
        USING ERRCODE = 'check_violation', CONSTRAINT = 'cron_expression_valid';
END;
$$;

CREATE TABLE job_schedule (
    name               text PRIMARY KEY CONSTRAINT schedule_name_format CHECK (name ~ '^[a-z][a-z0-9_.-]{0,99}$'),
    cron_expression    text NOT NULL CONSTRAINT cron_expression_valid CHECK (fn_cron_valid(cron_expression)),
    job_kind           text NOT NULL CONSTRAINT schedule_job_kind_format CHECK (job_kind ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$'),
    payload            qg_safe_payload NOT NULL DEFAULT '{}',
    queue_name         text REFERENCES queue_state (queue_name),
    priority           smallint NOT NULL DEFAULT 0 CONSTRAINT schedule_priority_in_range CHECK (priority BETWEEN -100 AND 100),
    enabled            boolean NOT NULL DEFAULT true,
    next_run_at        timestamptz,
    last_enqueued_slot timestamptz,
    last_job_id        bigint,
    skipped_slots      bigint NOT NULL DEFAULT 0,
    description        text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text
);
CREATE INDEX job_schedule_due ON job_schedule (next_run_at) WHERE enabled;

CREATE FUNCTION fn_job_schedule_next_slot() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.cron_expression IS DISTINCT FROM OLD.cron_expression
       OR (NEW.enabled AND NOT OLD.enabled) OR NEW.next_run_at IS NULL THEN
        NEW.next_run_at := fn_cron_next(NEW.cron_expression, now());
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER job_schedule_next_slot BEFORE INSERT OR UPDATE ON job_schedule
    FOR EACH ROW EXECUTE FUNCTION fn_job_schedule_next_slot();

-- The system drives its own maintenance (each run gated by its own gate too).
INSERT INTO job_schedule (name, cron_expression, job_kind, queue_name, description) VALUES
    ('maintenance.lease_reaper', '* * * * *', 'queuegov.lease_reaper', 'maintenance', 'reap expired leases every minute'),
    ('maintenance.stale_check',  '* * * * *', 'queuegov.stale_check',  'maintenance', 'detect silent executors every minute');

CREATE FUNCTION fn_schedule_tick(p_now timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql AS $$
-- Enqueue the latest due slot of each due schedule (missed older slots are
-- counted in skipped_slots, not flooded into the queue).
DECLARE
    s job_schedule%ROWTYPE;
    v_slot timestamptz;
    v_next timestamptz;
    v_skipped integer;
    v_result jsonb;
    v_enqueued jsonb := '[]'::jsonb;
BEGIN
    IF NOT fn_gate_open('queue.scheduler.enabled') THEN
        RETURN fn_gate_closed_result('queue.scheduler.enabled');
    END IF;
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    FOR s IN
        SELECT * FROM job_schedule WHERE enabled AND next_run_at <= p_now
        ORDER BY next_run_at FOR UPDATE SKIP LOCKED
    LOOP
        v_slot := s.next_run_at;
        v_skipped := 0;
        LOOP
            v_next := fn_cron_next(s.cron_expression, v_slot);
            EXIT WHEN v_next > p_now;
            v_slot := v_next;
            v_skipped := v_skipped + 1;
        END LOOP;
        v_result := fn_job_enqueue(
            p_job_kind => s.job_kind, p_payload => s.payload, p_queue_name => s.queue_name, p_priority => s.priority,
            p_idempotency_key => format('schedule:%s:%s', s.name, extract(epoch FROM v_slot)::bigint),
            p_correlation_id => 'schedule:' || s.name);
        UPDATE job_schedule
           SET last_enqueued_slot = v_slot, last_job_id = (v_result ->> 'job_id')::bigint,
               skipped_slots = skipped_slots + v_skipped, next_run_at = v_next
         WHERE name = s.name;
        v_enqueued := v_enqueued || jsonb_build_object('schedule', s.name, 'slot', v_slot,
                                                        'job_id', v_result -> 'job_id', 'result', v_result ->> 'status',
                                                        'skipped', v_skipped);
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN jsonb_array_length(v_enqueued) = 0 THEN 'nothing_to_do' ELSE 'enqueued' END,
                              'schedules', v_enqueued);
END;
$$;

CREATE FUNCTION fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old boolean;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: enabling or disabling a schedule needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT enabled INTO v_old FROM job_schedule WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_schedule: % is not in job_schedule', p_name USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_enabled THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'schedule', p_name, 'enabled', v_old);
    END IF;
    UPDATE job_schedule SET enabled = p_enabled, updated_by = v_actor WHERE name = p_name;
    RETURN jsonb_build_object('status', CASE WHEN p_enabled THEN 'enabled' ELSE 'disabled' END, 'schedule', p_name);
END;
$$;
