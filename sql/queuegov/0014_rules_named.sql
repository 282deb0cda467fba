-- Why: every RAISE names the rule it enforces, so errors.py maps it to a refusal
-- (tests/queuegov/test_error_mapping.py reads every live RAISE), and the live
-- schema cites the project's own docs (docs/architecture.md).

CREATE OR REPLACE FUNCTION fn_config_guard_set(p_enabled boolean) RETURNS void
LANGUAGE plpgsql AS $$
-- Migrations (table owner only) switch dot_config's four-eyes guard off to add keys.
DECLARE
    v_name text;
BEGIN
    SELECT tgname INTO v_name FROM pg_trigger
     WHERE tgrelid = 'dot_config'::regclass AND tgname LIKE 'pgtrigger\_dot\_config\_four\_eyes\_only\_%';
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'four_eyes_guard_missing: the dot_config four-eyes guard trigger is not installed'
            USING ERRCODE = 'QG005';
    END IF;
    EXECUTE format('ALTER TABLE dot_config %s TRIGGER %I', CASE WHEN p_enabled THEN 'ENABLE' ELSE 'DISABLE' END, v_name);
END;
$$;

CREATE OR REPLACE FUNCTION fn_gate_open(p_key text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
-- PL/pgSQL, not LANGUAGE sql: docs/architecture.md, "Implementation notes".
DECLARE
    v_value jsonb;
BEGIN
    SELECT value INTO v_value FROM dot_config WHERE key = p_key AND kind = 'gate';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_gate: % is not a gate in dot_config', p_key USING ERRCODE = 'QG005';
    END IF;
    RETURN v_value = 'true'::jsonb;
END;
$$;

COMMENT ON TABLE event_domain_registry IS
    'Event domains (docs/architecture.md, "Glossary"); event tables reference it by foreign key.';
