-- Why: an enqueue_job route whose kind is not registered would fail every
-- event it matches into the dead-letter queue. Creating one, pointing one at
-- such a kind, or having one enabled while its kind is unregistered or
-- retired is refused with unknown_job_kind (docs/architecture.md,
-- Glossary, "Route"); disabling it is always allowed.

CREATE FUNCTION fn_iu_outbound_route_kind_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.enabled THEN
        PERFORM fn_job_kind_class(NEW.target);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER iu_outbound_route_kind_check BEFORE INSERT OR UPDATE ON iu_outbound_route
    FOR EACH ROW WHEN (NEW.action_kind = 'enqueue_job') EXECUTE FUNCTION fn_iu_outbound_route_kind_check();
