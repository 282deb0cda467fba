-- Why: single enqueue at 0.80x a raw INSERT (issue 3). The payload DOMAIN's
-- check called a PL/pgSQL function, and PL/pgSQL sets up its expressions again
-- in every transaction: ~25 µs per payload column per statement, on every
-- enqueue, ack and event. A LANGUAGE sql function is inlined into the DOMAIN's
-- check expression, which the type cache plans once per session, so a clean
-- payload now costs one regex match. The rule is unchanged: the exact walk
-- (fn_payload_prohibited_path) still runs, and still raises
-- payload_prohibited_key naming the path, whenever the text mentions a
-- prohibited key as a quoted string.

CREATE FUNCTION fn_payload_keys_refuse(p jsonb) RETURNS boolean
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
              HINT = 'transient payloads carry references and metadata only; prohibited keys: body, content, raw, vector, embedding, secret, token, password, ssn, personal_data';
END;
$$;

-- Same name, argument and result: the DOMAIN qg_safe_payload keeps calling it.
CREATE OR REPLACE FUNCTION fn_payload_keys_safe(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NULL
        OR p::text !~* '"(body|content|raw|vector|embedding|secret|token|password|ssn|personal_data)"'
        OR fn_payload_keys_refuse(p)
$$;
