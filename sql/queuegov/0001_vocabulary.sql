-- Why: the shared vocabulary (SPEC §3) and the actor context every later table
-- and function relies on. Vocabularies are DOMAINs whose CHECK calls an
-- IMMUTABLE function, so a bad value is refused wherever it is written with an
-- error that names the column and the allowed values, and the check runs only
-- when the value is written (never again on unrelated UPDATEs).

-- ---------------------------------------------------------------------------
-- Actor context: transaction-local settings set by queuegov.actor.actor_context
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_actor() RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN nullif(current_setting('queuegov.actor', true), '');
END;
$$;
COMMENT ON FUNCTION fn_actor() IS 'Who is acting in this transaction (user:<name>, command:<name>, worker:<id>, sql:<role>), or NULL.';

CREATE FUNCTION fn_actor_required() RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_actor text := nullif(current_setting('queuegov.actor', true), '');
BEGIN
    IF v_actor IS NULL THEN
        RAISE EXCEPTION 'actor_required: governed state changes need an actor; run SELECT set_config(''queuegov.actor'', ''sql:<you>'', true) first'
            USING ERRCODE = 'QG001';
    END IF;
    RETURN v_actor;
END;
$$;

CREATE FUNCTION fn_actor_context() RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'actor', nullif(current_setting('queuegov.actor', true), ''),
        'roles', nullif(current_setting('queuegov.actor_roles', true), ''),
        'request_id', nullif(current_setting('queuegov.request_id', true), ''),
        'source', nullif(current_setting('queuegov.source', true), '')
    ));
END;
$$;

-- ---------------------------------------------------------------------------
-- Vocabulary checks
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_vocabulary_check(p_column text, p_value text, p_allowed text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NULL OR p_value = ANY (p_allowed) THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION '%_allowed: % % is not allowed; allowed values: %',
            p_column, p_column, quote_literal(p_value), array_to_string(p_allowed, ', ')
        USING ERRCODE = 'check_violation',
              CONSTRAINT = p_column || '_allowed',
              COLUMN = p_column;
END;
$$;

-- event streams: what kind of fact an event is
CREATE DOMAIN qg_event_stream AS text
    CONSTRAINT event_stream_allowed CHECK (fn_vocabulary_check('event_stream', VALUE, ARRAY[
        'comment',  -- a remark on a subject
        'review',   -- a review decision or request
        'update',   -- a change of state of a subject
        'birth',    -- a subject came into existence
        'task',     -- work to be done
        'alert',    -- something needs attention
        'health'    -- liveness / health signal
    ]));

-- delivery lanes: how fast an event must reach its recipients
CREATE DOMAIN qg_delivery_lane AS text
    CONSTRAINT delivery_lane_allowed CHECK (fn_vocabulary_check('delivery_lane', VALUE, ARRAY[
        'immediate',  -- emitted as soon as captured
        'delayed'     -- debounced and grouped by stable key
    ]));

-- severities (nullable)
CREATE DOMAIN qg_severity AS text
    CONSTRAINT severity_allowed CHECK (fn_vocabulary_check('severity', VALUE, ARRAY[
        'info',      -- for the record
        'warning',   -- look at it soon
        'critical'   -- look at it now
    ]));

-- payload classification
CREATE DOMAIN qg_payload_classification AS text
    CONSTRAINT payload_classification_allowed CHECK (fn_vocabulary_check('payload_classification', VALUE, ARRAY[
        'safe_metadata',  -- references and metadata only
        'restricted'      -- metadata whose readers are restricted
    ]));

-- executor kinds; MOT is deliberately not an executor
CREATE DOMAIN qg_executor_kind AS text
    CONSTRAINT executor_kind_allowed CHECK (fn_vocabulary_check('executor_kind', VALUE, ARRAY[
        'DOT',                    -- the DOT operator runtime
        'Agent',                  -- an AI agent
        'Hermes',                 -- the Hermes orchestrator
        'Codex',                  -- a code agent
        'PG_worker',              -- queuegov's own Python worker
        'external_worker',        -- any other process using the SQL API
        'future_Kestra_adapter'   -- reserved for a Kestra bridge
    ]));

CREATE FUNCTION fn_vocabulary() RETURNS TABLE (vocabulary text, allowed text[])
LANGUAGE sql STABLE AS $$
    -- The allowed values, read back from the DOMAIN definitions so Python never
    -- keeps a second copy of them.
    SELECT c.conname::text,
           regexp_split_to_array(
               regexp_replace(substring(pg_get_constraintdef(c.oid) FROM 'ARRAY\[(.*)\]'),
                              '''|::text|\s', '', 'g'), ',')
    FROM pg_constraint c
    JOIN pg_type t ON t.oid = c.contypid
    WHERE t.typname IN ('qg_event_stream', 'qg_delivery_lane', 'qg_severity',
                        'qg_payload_classification', 'qg_executor_kind')
    ORDER BY 1;
$$;

-- ---------------------------------------------------------------------------
-- Event domains: a governed registry (adding a domain is a row, not an ALTER)
-- ---------------------------------------------------------------------------
CREATE TABLE event_domain_registry (
    event_domain text PRIMARY KEY
        CONSTRAINT event_domain_name_format CHECK (event_domain ~ '^[a-z][a-z0-9_]{1,62}$'),
    description  text NOT NULL DEFAULT '',
    default_audience text NOT NULL DEFAULT 'operator',
    status       text NOT NULL DEFAULT 'active'
        CONSTRAINT event_domain_status_allowed CHECK (status IN ('active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT coalesce(nullif(current_setting('queuegov.actor', true), ''), 'system:migration')
);
COMMENT ON TABLE event_domain_registry IS 'Event domains (SPEC §3); event tables reference it by foreign key.';

INSERT INTO event_domain_registry (event_domain, description, default_audience) VALUES
    ('iu',             'information units',                         'reviewer'),
    ('piece',          'pieces of information units',               'reviewer'),
    ('staging',        'the staging workflow (mark … cleanup)',     'approver'),
    ('system',         'the queue system itself',                   'operator'),
    ('birth_registry', 'births of governed subjects',               'reviewer'),
    ('governance',     'gates, approvals and governance problems',  'approver'),
    ('tac',            'TAC',                                       'reviewer'),
    ('kg',             'knowledge graph',                           'reviewer'),
    ('dot',            'the DOT operator runtime',                  'operator'),
    ('health',         'health signals',                            'operator'),
    ('mother',         'mother documents',                          'reviewer'),
    ('job',            'the job substrate',                         'operator');

-- ---------------------------------------------------------------------------
-- Payload safety: no content, vectors or secrets in transient payloads
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_payload_prohibited_path(p jsonb, p_path text DEFAULT '$')
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
-- Returns the JSON path of the first prohibited key (case-insensitive, any
-- depth), or NULL when the payload is clean.
DECLARE
    v_key text;
    v_val jsonb;
    v_hit text;
    v_i   integer := 0;
BEGIN
    IF p IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p) = 'object' THEN
        FOR v_key, v_val IN SELECT key, value FROM jsonb_each(p) LOOP
            IF lower(v_key) IN ('body', 'content', 'raw', 'vector', 'embedding', 'secret',
                                'token', 'password', 'ssn', 'personal_data') THEN
                RETURN v_key || ' at ' || p_path || '.' || v_key;
            END IF;
            IF jsonb_typeof(v_val) IN ('object', 'array') THEN
                v_hit := fn_payload_prohibited_path(v_val, p_path || '.' || v_key);
                IF v_hit IS NOT NULL THEN
                    RETURN v_hit;
                END IF;
            END IF;
        END LOOP;
    ELSIF jsonb_typeof(p) = 'array' THEN
        FOR v_val IN SELECT value FROM jsonb_array_elements(p) LOOP
            IF jsonb_typeof(v_val) IN ('object', 'array') THEN
                v_hit := fn_payload_prohibited_path(v_val, p_path || '[' || v_i || ']');
                IF v_hit IS NOT NULL THEN
                    RETURN v_hit;
                END IF;
            END IF;
            v_i := v_i + 1;
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION fn_payload_keys_safe(p jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_hit text;
BEGIN
    -- Cheap text pre-test first: only a payload whose text mentions a
    -- prohibited word as a quoted string pays for the exact walk.
    IF p IS NULL OR lower(p::text) !~ '"(body|content|raw|vector|embedding|secret|token|password|ssn|personal_data)"' THEN
        RETURN true;
    END IF;
    v_hit := fn_payload_prohibited_path(p);
    IF v_hit IS NULL THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'payload_prohibited_key: %', v_hit
        USING ERRCODE = 'check_violation',
              CONSTRAINT = 'payload_prohibited_key',
              HINT = 'transient payloads carry references and metadata only; prohibited keys: body, content, raw, vector, embedding, secret, token, password, ssn, personal_data';
END;
$$;

-- The reusable payload type for every transient payload column.
CREATE DOMAIN qg_safe_payload AS jsonb
    CONSTRAINT payload_prohibited_key CHECK (fn_payload_keys_safe(VALUE));
