-- Why: each rule written once (issue 13). The prohibited payload keys were
-- written three more times beside fn_payload_prohibited_keys(): spelled letter
-- by letter in fn_payload_keys_safe's text pre-test (so a key added to the list
-- alone would have slipped past the pre-test and never reached the exact
-- walk), in fn_payload_keys_refuse's HINT, and in fn_sql_event_route_register
-- (sql/events/0008_rules_once.sql). Numeric ranges get one checker, like the
-- vocabularies' fn_vocabulary_check: a DOMAIN states its range once and its
-- violation reads `<column>_in_range: ...` (sql/jobs/0010_rules_once.sql uses
-- it for priority and max_attempts). fn_payload_assert_size reads the payload
-- cap through fn_setting_int, which refuses a key that does not exist
-- (docs/architecture.md, "Governance").

-- The text pre-test of fn_payload_keys_safe, built from the list: a quoted
-- string spelling a prohibited key with whitespace or separators around and
-- between its letters, any escaped control character or any non-ASCII
-- character. IMMUTABLE without arguments, so the planner folds it to a
-- constant where fn_payload_keys_safe is inlined: in the DOMAIN qg_safe_payload's
-- check, which the type cache plans once per session (sql/queuegov/0009).
CREATE FUNCTION fn_payload_keys_pretest() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '[^\x01-\x7f]|\\[tnrfu]|"[\s_.-]*(?:'
           || string_agg(array_to_string(regexp_split_to_array(k, ''), '[\s_.-]*'), '|' ORDER BY n)
           || ')[\s_.-]*"'
      FROM unnest(fn_payload_prohibited_keys()) WITH ORDINALITY AS t(k, n)
$$;

-- Same name, argument and result: the DOMAIN qg_safe_payload keeps calling it, inlined.
CREATE OR REPLACE FUNCTION fn_payload_keys_safe(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NULL
        OR p::text !~* fn_payload_keys_pretest()
        OR fn_payload_keys_refuse(p)
$$;

CREATE OR REPLACE FUNCTION fn_payload_keys_refuse(p jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
-- The exact walk behind fn_payload_keys_safe's text pre-test.
DECLARE
    v_hit text := fn_payload_prohibited_path(p);
BEGIN
    IF v_hit IS NULL THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'payload_prohibited_key: %', v_hit
        USING ERRCODE = 'check_violation',
              CONSTRAINT = 'payload_prohibited_key',
              HINT = 'transient payloads carry references and metadata only; prohibited keys: '
                     || array_to_string(fn_payload_prohibited_keys(), ', ')
                     || ' (compared without case, spaces or the separators _ - .)';
END;
$$;

CREATE OR REPLACE FUNCTION fn_payload_assert_size(p jsonb, p_column text DEFAULT 'payload') RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_max bigint;
    v_size integer;
BEGIN
    IF p IS NULL THEN
        RETURN;
    END IF;
    v_size := octet_length(p::text);
    -- Small payloads never need the lookup (the minimum cap is 256 bytes).
    IF v_size <= 256 THEN
        RETURN;
    END IF;
    v_max := fn_setting_int('queue.payload.max_bytes');
    IF v_size > v_max THEN
        RAISE EXCEPTION 'payload_too_large: % is % bytes; queue.payload.max_bytes is %', p_column, v_size, v_max
            USING ERRCODE = 'QG007', COLUMN = p_column;
    END IF;
END;
$$;

-- A DOMAIN's numeric range, the way fn_vocabulary_check is a DOMAIN's value list:
-- CHECK (fn_range_check('priority', VALUE, '[-100,100]')) under the constraint
-- name priority_in_range. LANGUAGE sql, so the DOMAIN's check inlines it and a
-- value in range costs two comparisons; only a refusal calls fn_range_refuse.
CREATE FUNCTION fn_range_refuse(p_column text, p_value bigint, p_range int4range) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION '%_in_range: % must be between % and %, not %',
            p_column, p_column, lower(p_range), upper(p_range) - 1, coalesce(p_value::text, 'null')
        USING ERRCODE = 'check_violation',
              CONSTRAINT = p_column || '_in_range',
              COLUMN = p_column;
END;
$$;

CREATE FUNCTION fn_range_check(p_column text, p_value bigint, p_range int4range) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_value IS NULL OR (p_value >= lower(p_range) AND p_value < upper(p_range))
        OR fn_range_refuse(p_column, p_value, p_range)
$$;

-- The range a DOMAIN's fn_range_check constraint states, read from the DOMAIN, for
-- the functions that must test a value without raising (a fast path that falls
-- back to the checked path, a batch that names its first bad element) or that
-- name the range in a message. IMMUTABLE so a call with a constant DOMAIN folds
-- to a constant when a statement is planned: the hot paths pay nothing per call.
-- The DOMAIN stays the rule: a session planned before a migration changed the
-- range may route a value to the wrong path, but the DOMAIN refuses or admits it.
CREATE FUNCTION fn_domain_range(p_domain regtype) RETURNS int4range
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_range int4range;
BEGIN
    SELECT substring(pg_get_constraintdef(c.oid) FROM '''(\[[^'']*\))''::int4range')::int4range
      INTO v_range
      FROM pg_constraint c
     WHERE c.contypid = p_domain AND pg_get_constraintdef(c.oid) LIKE '%fn_range_check(%';
    IF v_range IS NULL THEN
        RAISE EXCEPTION 'unknown_range: % has no fn_range_check constraint', p_domain USING ERRCODE = 'QG005';
    END IF;
    RETURN v_range;
END;
$$;
