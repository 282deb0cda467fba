-- The current queuegov schema, written by `manage.py schema_sql` from a migrated database:
-- do not edit (change the schema with a new sql/<app>/NNNN_*.sql migration, then rerun it).
-- Not in it: the monthly event_outbox_YYYYMM partitions and the seeded rows (queuegov/schema.py).

--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: pg_database_owner
--

ALTER SCHEMA public OWNER TO pg_database_owner;

--
-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: pg_database_owner
--

COMMENT ON SCHEMA public IS 'standard public schema';

--
-- Name: qg_correlation_id; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_correlation_id AS text
	CONSTRAINT correlation_id_length CHECK ((length(VALUE) <= 200));

ALTER DOMAIN public.qg_correlation_id OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT correlation_id_length ON DOMAIN qg_correlation_id; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT correlation_id_length ON DOMAIN public.qg_correlation_id IS 'a correlation id is at most 200 characters: pass a shorter id (a reference, not content)';

--
-- Name: qg_cron; Type: TYPE; Schema: public; Owner: queuegov_owner
--

CREATE TYPE public.qg_cron AS (
	minutes integer[],
	hours integer[],
	doms integer[],
	months integer[],
	dows integer[],
	dom_any boolean,
	dow_any boolean
);

ALTER TYPE public.qg_cron OWNER TO queuegov_owner;

--
-- Name: fn_vocabulary_check(text, text, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_vocabulary_check(p_column text, p_value text, p_allowed text[]) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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

ALTER FUNCTION public.fn_vocabulary_check(p_column text, p_value text, p_allowed text[]) OWNER TO queuegov_owner;

--
-- Name: qg_delivery_lane; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_delivery_lane AS text
	CONSTRAINT delivery_lane_allowed CHECK (public.fn_vocabulary_check('delivery_lane'::text, VALUE, ARRAY['immediate'::text, 'delayed'::text]));

ALTER DOMAIN public.qg_delivery_lane OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT delivery_lane_allowed ON DOMAIN qg_delivery_lane; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT delivery_lane_allowed ON DOMAIN public.qg_delivery_lane IS 'an event''s delivery lane is immediate or delayed: use one of those two';

--
-- Name: qg_event_stream; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_event_stream AS text
	CONSTRAINT event_stream_allowed CHECK (public.fn_vocabulary_check('event_stream'::text, VALUE, ARRAY['comment'::text, 'review'::text, 'update'::text, 'birth'::text, 'task'::text, 'alert'::text, 'health'::text]));

ALTER DOMAIN public.qg_event_stream OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT event_stream_allowed ON DOMAIN qg_event_stream; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_stream_allowed ON DOMAIN public.qg_event_stream IS 'an event stream is one of comment, review, update, birth, task, alert or health: use one of those';

--
-- Name: qg_executor_kind; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_executor_kind AS text
	CONSTRAINT executor_kind_allowed CHECK (public.fn_vocabulary_check('executor_kind'::text, VALUE, ARRAY['DOT'::text, 'Agent'::text, 'Hermes'::text, 'Codex'::text, 'PG_worker'::text, 'external_worker'::text, 'future_Kestra_adapter'::text]));

ALTER DOMAIN public.qg_executor_kind OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT executor_kind_allowed ON DOMAIN qg_executor_kind; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT executor_kind_allowed ON DOMAIN public.qg_executor_kind IS 'an executor kind is one of DOT, Agent, Hermes, Codex, PG_worker, external_worker or future_Kestra_adapter: use one of those, spelled exactly';

--
-- Name: qg_idempotency_key; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_idempotency_key AS text
	CONSTRAINT idempotency_key_length CHECK (((length(VALUE) >= 1) AND (length(VALUE) <= 500)));

ALTER DOMAIN public.qg_idempotency_key OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT idempotency_key_length ON DOMAIN qg_idempotency_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT idempotency_key_length ON DOMAIN public.qg_idempotency_key IS 'a job''s idempotency key is 1 to 500 characters: pass a shorter non-empty key, or none';

--
-- Name: qg_job_attempts; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_job_attempts AS integer
	CONSTRAINT attempts_non_negative CHECK ((VALUE >= 0));

ALTER DOMAIN public.qg_job_attempts OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT attempts_non_negative ON DOMAIN qg_job_attempts; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT attempts_non_negative ON DOMAIN public.qg_job_attempts IS 'a job''s attempt count is never negative: it counts claims, so leave it to the job functions';

--
-- Name: qg_job_kind; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_job_kind AS text
	CONSTRAINT job_kind_format CHECK (((VALUE ~ '^[A-Za-z][A-Za-z0-9_.:-]*$'::text) AND (length(VALUE) <= 200)));

ALTER DOMAIN public.qg_job_kind OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT job_kind_format ON DOMAIN qg_job_kind; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT job_kind_format ON DOMAIN public.qg_job_kind IS 'a job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): rename the kind to fit';

--
-- Name: qg_job_max_attempts; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_job_max_attempts AS integer;

ALTER DOMAIN public.qg_job_max_attempts OWNER TO queuegov_owner;

--
-- Name: qg_job_priority; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_job_priority AS smallint;

ALTER DOMAIN public.qg_job_priority OWNER TO queuegov_owner;

--
-- Name: qg_job_status; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_job_status AS text
	CONSTRAINT job_status_allowed CHECK ((VALUE = ANY (ARRAY['queued'::text, 'running'::text, 'succeeded'::text, 'cancelled'::text, 'dead'::text])));

ALTER DOMAIN public.qg_job_status OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT job_status_allowed ON DOMAIN qg_job_status; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT job_status_allowed ON DOMAIN public.qg_job_status IS 'a job''s status is queued, running, succeeded, cancelled or dead: move jobs between them only through the job functions (claim, ack, fail, cancel, release)';

--
-- Name: qg_payload_classification; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_payload_classification AS text
	CONSTRAINT payload_classification_allowed CHECK (public.fn_vocabulary_check('payload_classification'::text, VALUE, ARRAY['safe_metadata'::text, 'restricted'::text]));

ALTER DOMAIN public.qg_payload_classification OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT payload_classification_allowed ON DOMAIN qg_payload_classification; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT payload_classification_allowed ON DOMAIN public.qg_payload_classification IS 'a payload is classified safe_metadata or restricted: use one of those two';

--
-- Name: fn_payload_keys_safe(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_keys_safe(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT p IS NULL
        OR p::text !~* fn_payload_keys_pretest()
        OR fn_payload_keys_refuse(p)
$$;

ALTER FUNCTION public.fn_payload_keys_safe(p jsonb) OWNER TO queuegov_owner;

--
-- Name: qg_safe_payload; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_safe_payload AS jsonb
	CONSTRAINT payload_prohibited_key CHECK (public.fn_payload_keys_safe(VALUE));

ALTER DOMAIN public.qg_safe_payload OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT payload_prohibited_key ON DOMAIN qg_safe_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT payload_prohibited_key ON DOMAIN public.qg_safe_payload IS 'a transient payload carries references and metadata only, never a key such as body, content, raw, vector, embedding, secret, token, password, ssn or personal_data (at any depth, however spelled): remove the key and pass a reference to the data instead';

--
-- Name: fn_iu_section_types(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_section_types() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT ARRAY[
        'preamble',    -- text before the first heading
        'document',    -- heading level 1
        'chapter',     -- heading level 2
        'section',     -- heading level 3
        'subsection',  -- heading level 4
        'paragraph'    -- heading level 5 and 6, or a block of a text file without headings
    ];
$$;

ALTER FUNCTION public.fn_iu_section_types() OWNER TO queuegov_owner;

--
-- Name: qg_section_type; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_section_type AS text
	CONSTRAINT section_type_allowed CHECK (public.fn_vocabulary_check('section_type'::text, VALUE, public.fn_iu_section_types()));

ALTER DOMAIN public.qg_section_type OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT section_type_allowed ON DOMAIN qg_section_type; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT section_type_allowed ON DOMAIN public.qg_section_type IS 'a section type is preamble, document, chapter, section, subsection or paragraph: mark the piece with one of those';

--
-- Name: qg_severity; Type: DOMAIN; Schema: public; Owner: queuegov_owner
--

CREATE DOMAIN public.qg_severity AS text
	CONSTRAINT severity_allowed CHECK (public.fn_vocabulary_check('severity'::text, VALUE, ARRAY['info'::text, 'warning'::text, 'critical'::text]));

ALTER DOMAIN public.qg_severity OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT severity_allowed ON DOMAIN qg_severity; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT severity_allowed ON DOMAIN public.qg_severity IS 'a severity is info, warning or critical, or left empty: use one of those';

--
-- Name: _pgtrigger_should_ignore(name); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public._pgtrigger_should_ignore(trigger_name name) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
                DECLARE
                    _pgtrigger_ignore TEXT[];
                    _result BOOLEAN;
                BEGIN
                    BEGIN
                        SELECT INTO _pgtrigger_ignore
                            CURRENT_SETTING('pgtrigger.ignore');
                        EXCEPTION WHEN OTHERS THEN
                    END;
                    IF _pgtrigger_ignore IS NOT NULL THEN
                        SELECT trigger_name = ANY(_pgtrigger_ignore)
                        INTO _result;
                        RETURN _result;
                    ELSE
                        RETURN FALSE;
                    END IF;
                END;
            $$;

ALTER FUNCTION public._pgtrigger_should_ignore(trigger_name name) OWNER TO queuegov_owner;

--
-- Name: fn_act_audit(jsonb, text, text, text[], text, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_act_audit(p_answer jsonb, p_action text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb DEFAULT NULL::jsonb, p_detail text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Internal: the audit row of a governed act that ran to an answer, with the
-- outcome its status means; returns the answer unchanged.
DECLARE
    v_status  text := p_answer ->> 'status';
    v_outcome text;
BEGIN
    v_outcome := CASE
        WHEN v_status IN ('gate_closed', 'refused') THEN 'refused'
        WHEN v_status = 'dry_run' THEN 'dry_run'
        WHEN v_status = 'failed' THEN 'failed'
        ELSE 'applied'
    END;
    PERFORM fn_audit_write(p_action, v_outcome, p_target_table, p_target_ids, p_reason, p_before, p_answer,
        coalesce(
            CASE WHEN v_status = 'gate_closed' THEN format('gate_closed: %s is closed', p_answer ->> 'gate')
                 WHEN v_status = 'nothing_to_do' THEN format('nothing_to_do: %s', p_answer) END,
            p_detail,
            v_status));
    RETURN p_answer;
END;
$$;

ALTER FUNCTION public.fn_act_audit(p_answer jsonb, p_action text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_detail text) OWNER TO queuegov_owner;

--
-- Name: fn_actor(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_actor() RETURNS text
    LANGUAGE sql STABLE
    AS $$
    -- The resolved actor: the app's named actor (NULL when it named none), else db:<login>.
    SELECT CASE WHEN fn_caller_names_actor() THEN nullif(current_setting('queuegov.actor', true), '')
                ELSE 'db:' || session_user END
$$;

ALTER FUNCTION public.fn_actor() OWNER TO queuegov_owner;

--
-- Name: FUNCTION fn_actor(); Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON FUNCTION public.fn_actor() IS 'Who acts: the actor the app role named (user:<name>, command:<name>, worker:<id>, sql:<name>), or db:<login> for every other login.';

--
-- Name: fn_actor_context(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_actor_context() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT fn_caller_names_actor() THEN
        RETURN jsonb_build_object('actor', fn_actor(), 'source', 'sql');
    END IF;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'actor', nullif(current_setting('queuegov.actor', true), ''),
        'roles', nullif(current_setting('queuegov.actor_roles', true), ''),
        'request_id', nullif(current_setting('queuegov.request_id', true), ''),
        'source', nullif(current_setting('queuegov.source', true), '')
    ));
END;
$$;

ALTER FUNCTION public.fn_actor_context() OWNER TO queuegov_owner;

--
-- Name: fn_actor_governed(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_actor_governed() RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- The actor of a governed act, sealed for the rest of the transaction: naming
-- one user to file a request and another to approve it in one transaction is
-- refused. (Across transactions the app role is trusted to name the user it
-- authenticated: its credentials are the trust anchor, docs/security.md.)
DECLARE
    v_actor text := fn_actor_required();
    v_xid   xid8 := pg_current_xact_id();
    v_seal  actor_seal%ROWTYPE;
BEGIN
    SELECT * INTO v_seal FROM actor_seal WHERE pid = pg_backend_pid();
    IF FOUND AND v_seal.xid = v_xid THEN
        IF v_seal.actor IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'actor_switched: this transaction already acted as %; % cannot act in it too (one actor per transaction)',
                    v_seal.actor, v_actor
                USING ERRCODE = 'QG001';
        END IF;
        RETURN v_actor;
    END IF;
    INSERT INTO actor_seal (pid, xid, actor) VALUES (pg_backend_pid(), v_xid, v_actor)
    ON CONFLICT (pid) DO UPDATE SET xid = EXCLUDED.xid, actor = EXCLUDED.actor;
    RETURN v_actor;
END;
$$;

ALTER FUNCTION public.fn_actor_governed() OWNER TO queuegov_owner;

--
-- Name: fn_actor_required(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_actor_required() RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_actor text := fn_actor();
BEGIN
    IF v_actor IS NULL THEN
        RAISE EXCEPTION 'actor_required: governed state changes need an actor; run SELECT set_config(''queuegov.actor'', ''sql:<you>'', true) first'
            USING ERRCODE = 'QG001';
    END IF;
    RETURN v_actor;
END;
$$;

ALTER FUNCTION public.fn_actor_required() OWNER TO queuegov_owner;

--
-- Name: fn_actor_unseal(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_actor_unseal() RETURNS void
    LANGUAGE sql
    AS $$
    -- Owner only (the trust root): lets a test act as several actors in one transaction.
    DELETE FROM actor_seal WHERE pid = pg_backend_pid();
$$;

ALTER FUNCTION public.fn_actor_unseal() OWNER TO queuegov_owner;

--
-- Name: fn_assignee_unknown(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_assignee_unknown(p_kind text, p_name text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    -- Why a user, group or role cannot be assigned work or sent a message, or NULL
    -- when it can: users are the active accounts, groups and roles the app's groups.
    SELECT CASE
               WHEN p_kind = 'user' AND NOT EXISTS (SELECT 1 FROM auth_user WHERE username = p_name AND is_active)
                   THEN format('no active user %s', p_name)
               WHEN p_kind IN ('group', 'role') AND NOT EXISTS (SELECT 1 FROM auth_group WHERE name = p_name)
                   THEN format('no %s %s (roles and groups are the app''s groups)', p_kind, p_name)
           END
$$;

ALTER FUNCTION public.fn_assignee_unknown(p_kind text, p_name text) OWNER TO queuegov_owner;

--
-- Name: fn_audit_chain_link(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_audit_chain_link() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- BEFORE INSERT: link the new row to the last one. The head row's lock is held
-- to commit, so concurrent appends take chain numbers one after another.
DECLARE
    h admin_action_audit_chain_head%ROWTYPE;
BEGIN
    SELECT * INTO h FROM admin_action_audit_chain_head FOR UPDATE;
    NEW.chain_no := h.chain_no + 1;
    NEW.prev_hash := h.row_hash;
    NEW.row_hash := fn_audit_row_hash(NEW);
    UPDATE admin_action_audit_chain_head SET chain_no = NEW.chain_no, row_hash = NEW.row_hash;
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_audit_chain_link() OWNER TO queuegov_owner;

--
-- Name: fn_audit_record(text, text, text, text[], text, jsonb, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_audit_record(p_action text, p_outcome text, p_target_table text DEFAULT NULL::text, p_target_ids text[] DEFAULT '{}'::text[], p_reason text DEFAULT NULL::text, p_before jsonb DEFAULT NULL::jsonb, p_after jsonb DEFAULT NULL::jsonb, p_detail text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
-- For the app: an attempt refused or failed before (or instead of) the function
-- that would apply it (a permission denial, a rule the function raised). Applied
-- acts and dry runs are audited by the functions that perform them.
BEGIN
    IF p_outcome IS NULL OR p_outcome NOT IN ('refused', 'failed') THEN
        RAISE EXCEPTION 'audit_outcome_not_recordable: fn_audit_record records refused or failed attempts, not %; a governed act that applies audits itself',
                coalesce(p_outcome, 'null')
            USING ERRCODE = 'QG004';
    END IF;
    IF p_action IS NULL OR p_action !~ '^[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+$' OR length(p_action) > 100 THEN
        RAISE EXCEPTION 'audit_action_invalid: an audited action is a dotted name such as job.cancel, not %', coalesce(p_action, 'null')
            USING ERRCODE = 'QG004';
    END IF;
    RETURN fn_audit_write(p_action, p_outcome, p_target_table, p_target_ids, p_reason, p_before, p_after, p_detail);
END;
$_$;

ALTER FUNCTION public.fn_audit_record(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) OWNER TO queuegov_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: admin_action_audit; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.admin_action_audit (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    actor_user_id integer,
    roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    target_table text,
    target_ids text[] DEFAULT '{}'::text[] NOT NULL,
    reason text,
    before_state jsonb,
    after_state jsonb,
    outcome text NOT NULL,
    detail text,
    source text DEFAULT 'admin'::text NOT NULL,
    request_id text,
    request_ip inet,
    request_path text,
    user_agent text,
    txid bigint DEFAULT txid_current() NOT NULL,
    chain_no bigint NOT NULL,
    prev_hash bytea,
    row_hash bytea NOT NULL,
    CONSTRAINT audit_action_not_blank CHECK ((action <> ''::text)),
    CONSTRAINT audit_outcome_allowed CHECK ((outcome = ANY (ARRAY['applied'::text, 'refused'::text, 'failed'::text, 'dry_run'::text]))),
    CONSTRAINT audit_source_allowed CHECK ((source = ANY (ARRAY['admin'::text, 'command'::text, 'worker'::text, 'sql'::text])))
);

ALTER TABLE public.admin_action_audit OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT audit_action_not_blank ON admin_action_audit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT audit_action_not_blank ON public.admin_action_audit IS 'an audit row names the action it records: pass a non-empty action name';

--
-- Name: CONSTRAINT audit_outcome_allowed ON admin_action_audit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT audit_outcome_allowed ON public.admin_action_audit IS 'an audit row''s outcome is applied, refused, failed or dry_run: record one of those';

--
-- Name: CONSTRAINT audit_source_allowed ON admin_action_audit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT audit_source_allowed ON public.admin_action_audit IS 'an audit row''s source is admin, command, worker or sql: record one of those';

--
-- Name: fn_audit_row_hash(public.admin_action_audit); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_audit_row_hash(a public.admin_action_audit) RETURNS bytea
    LANGUAGE sql STABLE
    AS $$
    -- sha256 of the row's content and its predecessor's hash. Times as epoch
    -- microseconds, so the text does not depend on the session's TimeZone.
    SELECT sha256(convert_to(jsonb_build_array(
        a.chain_no, encode(a.prev_hash, 'hex'), a.id,
        (extract(epoch FROM a.occurred_at) * 1000000)::bigint,
        a.actor, a.actor_user_id, to_jsonb(a.roles), a.action, a.target_table, to_jsonb(a.target_ids),
        a.reason, a.before_state, a.after_state, a.outcome, a.detail, a.source,
        a.request_id, a.request_ip::text, a.request_path, a.user_agent, a.txid)::text, 'UTF8'))
$$;

ALTER FUNCTION public.fn_audit_row_hash(a public.admin_action_audit) OWNER TO queuegov_owner;

--
-- Name: fn_audit_verify(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_audit_verify() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Walk the chain in chain order and report the first broken link: a row whose
-- content no longer hashes to its row_hash (edited), a gap in chain numbers or a
-- prev_hash that is not its predecessor's hash (rows deleted), a missing tail
-- (the head names a later link than the last row).
DECLARE
    v_rows bigint;
    v_bad record;
    h admin_action_audit_chain_head%ROWTYPE;
    v_last record;
BEGIN
    SELECT * INTO h FROM admin_action_audit_chain_head;
    SELECT count(*) INTO v_rows FROM admin_action_audit;
    SELECT * INTO v_bad FROM (
        SELECT t.id, t.chain_no,
               CASE
                   WHEN t.row_hash IS DISTINCT FROM fn_audit_row_hash(t)
                       THEN format('row %s (link %s) was changed after it was written: its content no longer hashes to its row_hash', t.id, t.chain_no)
                   WHEN lag(t.chain_no) OVER w IS NULL AND t.chain_no <> 1
                       THEN format('links 1..%s are missing before row %s: the first rows of the trail were deleted', t.chain_no - 1, t.id)
                   WHEN t.chain_no <> lag(t.chain_no) OVER w + 1
                       THEN format('links %s..%s are missing between row %s and row %s: rows were deleted',
                                   lag(t.chain_no) OVER w + 1, t.chain_no - 1, lag(t.id) OVER w, t.id)
                   WHEN t.prev_hash IS DISTINCT FROM lag(t.row_hash) OVER w
                       THEN format('row %s (link %s) does not follow row %s: its prev_hash is not that row''s hash', t.id, t.chain_no, lag(t.id) OVER w)
               END AS problem
          FROM admin_action_audit t
        WINDOW w AS (ORDER BY t.chain_no)
    ) c WHERE c.problem IS NOT NULL ORDER BY c.chain_no LIMIT 1;
    IF v_bad.problem IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'broken', 'rows', v_rows, 'audit_id', v_bad.id, 'chain_no', v_bad.chain_no,
                                  'problem', v_bad.problem);
    END IF;
    SELECT id, chain_no, row_hash INTO v_last FROM admin_action_audit ORDER BY chain_no DESC LIMIT 1;
    IF coalesce(v_last.chain_no, 0) <> h.chain_no OR v_last.row_hash IS DISTINCT FROM h.row_hash THEN
        RETURN jsonb_build_object('status', 'broken', 'rows', v_rows, 'audit_id', v_last.id, 'chain_no', v_last.chain_no,
            'problem', format('the chain head is link %s but the last row is link %s: rows at the end of the trail were deleted',
                              h.chain_no, coalesce(v_last.chain_no, 0)));
    END IF;
    RETURN jsonb_build_object('status', 'ok', 'rows', v_rows, 'head_chain_no', h.chain_no,
                              'head_hash', encode(h.row_hash, 'hex'));
END;
$$;

ALTER FUNCTION public.fn_audit_verify() OWNER TO queuegov_owner;

--
-- Name: fn_audit_write(text, text, text, text[], text, jsonb, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_audit_write(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Internal: one audit row for the resolved (and sealed) actor. Roles and request
-- metadata are taken only from the app, which authenticated the request.
DECLARE
    v_named  boolean := fn_caller_names_actor();
    v_actor  text := fn_actor_governed();
    v_source text := CASE WHEN v_named THEN coalesce(nullif(current_setting('queuegov.source', true), ''), 'sql')
                          ELSE 'sql' END;
    v_id     bigint;
BEGIN
    IF v_source NOT IN ('admin', 'command', 'worker', 'sql') THEN
        RAISE EXCEPTION 'audit_source_allowed: queuegov.source is %; allowed values: admin, command, worker, sql', v_source
            USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_source_allowed';
    END IF;
    INSERT INTO admin_action_audit (actor, actor_user_id, roles, action, target_table, target_ids,
                                    reason, before_state, after_state, outcome, detail, source,
                                    request_id, request_ip, request_path, user_agent)
    VALUES (
        v_actor,
        CASE WHEN v_named THEN nullif(current_setting('queuegov.actor_user_id', true), '')::integer END,
        CASE WHEN v_named THEN coalesce(string_to_array(nullif(current_setting('queuegov.actor_roles', true), ''), ','), '{}')
             ELSE '{}' END,
        p_action, p_target_table, coalesce(p_target_ids, '{}'), left(p_reason, 2000), p_before, p_after, p_outcome,
        left(p_detail, 10000),
        v_source,
        CASE WHEN v_named THEN left(nullif(current_setting('queuegov.request_id', true), ''), 200) END,
        CASE WHEN v_named THEN nullif(current_setting('queuegov.request_ip', true), '')::inet END,
        CASE WHEN v_named THEN left(nullif(current_setting('queuegov.request_path', true), ''), 2000) END,
        CASE WHEN v_named THEN left(nullif(current_setting('queuegov.user_agent', true), ''), 500) END
    )
    RETURNING id INTO v_id;
    -- The caller (the admin) reads which row its act wrote.
    PERFORM set_config('queuegov.audit_last_id', v_id::text, true);
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_audit_write(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) OWNER TO queuegov_owner;

--
-- Name: fn_caller_names_actor(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_caller_names_actor() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    -- Only members of the app role and of the owner (superusers are members of
    -- every role) name the actor; every other login acts as itself.
    SELECT pg_has_role(fn_caller_role(), fn_db_role('app'), 'MEMBER')
        OR pg_has_role(fn_caller_role(), fn_db_role('owner'), 'MEMBER')
$$;

ALTER FUNCTION public.fn_caller_names_actor() OWNER TO queuegov_owner;

--
-- Name: fn_caller_role(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_caller_role() RETURNS name
    LANGUAGE sql STABLE
    AS $$
    -- The role the session acts as: SET ROLE (or the login's `-c role=`) else the login.
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role')::name END
$$;

ALTER FUNCTION public.fn_caller_role() OWNER TO queuegov_owner;

--
-- Name: fn_capped_count(text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_capped_count(p_sql text, p_cap integer DEFAULT 100000) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
-- count(*) of a query, stopping at p_cap (+1 means "over the cap").
DECLARE
    v bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s LIMIT %s) capped', p_sql, p_cap + 1) INTO v;
    RETURN v;
END;
$$;

ALTER FUNCTION public.fn_capped_count(p_sql text, p_cap integer) OWNER TO queuegov_owner;

--
-- Name: fn_clock(timestamp with time zone, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_clock(p_now timestamp with time zone, p_what text) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    AS $$
-- The time a destructive or governing act takes as "now". Moving the clock
-- (p_now, for tests and repairs) is the owner's: for anyone else a p_now more
-- than a minute from now() would let retention purge everything ('infinity')
-- or approve a manifest past its expiry.
BEGIN
    IF p_now IS NULL THEN
        RETURN now();
    END IF;
    IF (isfinite(p_now) AND abs(extract(epoch FROM p_now - now())) <= 60)
       OR pg_has_role(fn_caller_role(), fn_db_role('owner'), 'MEMBER') THEN
        RETURN p_now;
    END IF;
    RAISE EXCEPTION 'clock_refused: only the owner runs % at another time than now (p_now %, now %)', p_what, p_now, now()
        USING ERRCODE = 'QG002';
END;
$$;

ALTER FUNCTION public.fn_clock(p_now timestamp with time zone, p_what text) OWNER TO queuegov_owner;

--
-- Name: fn_config_guard_set(boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_config_guard_set(p_enabled boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

ALTER FUNCTION public.fn_config_guard_set(p_enabled boolean) OWNER TO queuegov_owner;

--
-- Name: fn_config_history_capture(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_config_history_capture() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO dot_config_history (key, old_value, new_value, operation, changed_by,
                                    gate_change_request_id, request_id)
    VALUES (
        CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END,
        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.value END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.value END,
        TG_OP,
        coalesce(fn_actor(), 'db:' || session_user),
        nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint,
        CASE WHEN fn_caller_names_actor() THEN nullif(current_setting('queuegov.request_id', true), '') END
    );
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_config_history_capture() OWNER TO queuegov_owner;

--
-- Name: fn_config_validate(text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_config_validate(p_key text, p_value jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $_$
-- Raises invalid_config_value naming the rule; returns the normalised value.
-- Opening a subject's gate also asks fn_gate_subject_ready.
DECLARE
    c dot_config%ROWTYPE;
    v_num numeric;
BEGIN
    SELECT * INTO c FROM dot_config WHERE key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_config_key: % is not a gate or setting', p_key USING ERRCODE = 'QG005';
    END IF;
    IF p_value IS NULL THEN
        RAISE EXCEPTION 'invalid_config_value: % needs a value', p_key USING ERRCODE = 'QG004';
    END IF;
    IF c.value_type = 'boolean' THEN
        IF jsonb_typeof(p_value) <> 'boolean' THEN
            RAISE EXCEPTION 'invalid_config_value: % is a gate and takes true or false, not %', p_key, p_value::text
                USING ERRCODE = 'QG004';
        END IF;
        IF p_value = 'true'::jsonb THEN
            PERFORM fn_gate_subject_ready(p_key);
        END IF;
        RETURN p_value;
    END IF;
    IF jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}') !~ '^-?[0-9]+$' THEN
        RAISE EXCEPTION 'invalid_config_value: % takes a whole number, not %', p_key, p_value::text
            USING ERRCODE = 'QG004';
    END IF;
    v_num := (p_value #>> '{}')::numeric;
    IF (c.min_value IS NOT NULL AND v_num < c.min_value) OR (c.max_value IS NOT NULL AND v_num > c.max_value) THEN
        RAISE EXCEPTION 'invalid_config_value: % must be between % and %, not %',
                p_key, coalesce(c.min_value::text, '-inf'), coalesce(c.max_value::text, 'inf'), v_num
            USING ERRCODE = 'QG004';
    END IF;
    RETURN p_value;
END;
$_$;

ALTER FUNCTION public.fn_config_validate(p_key text, p_value jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_config_value_at(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_config_value_at(p_key text, p_at timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
-- The value a key had at p_at (NULL if it did not exist then).
DECLARE
    v_value jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dot_config_history WHERE key = p_key) THEN
        RAISE EXCEPTION 'unknown_config_key: % has no history', p_key USING ERRCODE = 'QG005';
    END IF;
    SELECT new_value INTO v_value
    FROM dot_config_history
    WHERE key = p_key AND changed_at <= p_at
    ORDER BY changed_at DESC, id DESC
    LIMIT 1;
    RETURN v_value;
END;
$$;

ALTER FUNCTION public.fn_config_value_at(p_key text, p_at timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_consumer_class_follow(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_consumer_class_follow() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- AFTER UPDATE OF executor_class on consumer_registry: a kind bound to another
-- class takes its queued jobs along; running ones finish where they are.
BEGIN
    UPDATE job_queue SET executor_class = NEW.executor_class
     WHERE job_kind = NEW.job_kind AND status = 'queued' AND executor_class <> NEW.executor_class;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_consumer_class_follow() OWNER TO queuegov_owner;

--
-- Name: fn_consumer_register(text, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_consumer_register(p_job_kind text, p_executor_class text DEFAULT 'pg_worker'::text, p_queue_name text DEFAULT 'default'::text, p_retry_policy text DEFAULT 'default'::text, p_handler_ref text DEFAULT NULL::text, p_description text DEFAULT ''::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_consumer_register_unaudited(p_job_kind, p_executor_class, p_queue_name, p_retry_policy, p_handler_ref,
                                       fn_reason_checked(p_description, 'description')),
        'consumer.register', 'consumer_registry', ARRAY[p_job_kind], NULL, NULL,
        format('job kind %s → executor class %s, queue %s, retry policy %s', p_job_kind, p_executor_class,
               p_queue_name, p_retry_policy));
END;
$$;

ALTER FUNCTION public.fn_consumer_register(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_consumer_register_unaudited(text, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_consumer_register_unaudited(p_job_kind text, p_executor_class text DEFAULT 'pg_worker'::text, p_queue_name text DEFAULT 'default'::text, p_retry_policy text DEFAULT 'default'::text, p_handler_ref text DEFAULT NULL::text, p_description text DEFAULT ''::text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Bind a job kind to its executor class, default queue, retry policy and handler.
DECLARE
    v_actor text := fn_actor_required();
    v_existed boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM executor_class_registry WHERE code = p_executor_class AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_executor_class: % is not an active executor class', p_executor_class USING ERRCODE = 'QG005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM retry_policy_registry WHERE code = p_retry_policy AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not an active retry policy', p_retry_policy USING ERRCODE = 'QG005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = p_queue_name) THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    v_existed := EXISTS (SELECT 1 FROM consumer_registry WHERE job_kind = p_job_kind);
    INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description)
    VALUES (p_job_kind, p_executor_class, p_queue_name, p_retry_policy, p_handler_ref, coalesce(p_description, ''))
    ON CONFLICT (job_kind) DO UPDATE
        SET executor_class = EXCLUDED.executor_class, queue_name = EXCLUDED.queue_name,
            retry_policy = EXCLUDED.retry_policy, handler_ref = EXCLUDED.handler_ref,
            description = EXCLUDED.description, status = 'active';
    RETURN jsonb_build_object('status', CASE WHEN v_existed THEN 'updated' ELSE 'registered' END,
                              'job_kind', p_job_kind, 'by', v_actor);
END;
$$;

ALTER FUNCTION public.fn_consumer_register_unaudited(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_cron_field(text, text, text, integer, integer, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
$_$;

ALTER FUNCTION public.fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]) OWNER TO queuegov_owner;

--
-- Name: fn_cron_next(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_cron_next(p_expr text, p_after timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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

ALTER FUNCTION public.fn_cron_next(p_expr text, p_after timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_cron_parse(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_cron_parse(p_expr text) RETURNS public.qg_cron
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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

ALTER FUNCTION public.fn_cron_parse(p_expr text) OWNER TO queuegov_owner;

--
-- Name: fn_cron_valid(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_cron_valid(p_expr text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    PERFORM fn_cron_parse(p_expr);
    RETURN true;
END;
$$;

ALTER FUNCTION public.fn_cron_valid(p_expr text) OWNER TO queuegov_owner;

--
-- Name: fn_db_role(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_db_role(p_purpose text) RETURNS name
    LANGUAGE sql IMMUTABLE
    AS $$SELECT CASE p_purpose WHEN 'owner' THEN 'queuegov_owner' WHEN 'app' THEN 'queuegov_app' WHEN 'executor' THEN 'queuegov_executor' WHEN 'auditor' THEN 'queuegov_auditor' END::name$$;

ALTER FUNCTION public.fn_db_role(p_purpose text) OWNER TO queuegov_owner;

--
-- Name: fn_domain_range(regtype); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_domain_range(p_domain regtype) RETURNS int4range
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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

ALTER FUNCTION public.fn_domain_range(p_domain regtype) OWNER TO queuegov_owner;

--
-- Name: fn_estimated_rows(regclass); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_estimated_rows(p_table regclass) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT greatest(coalesce(sum(c.reltuples), 0), 0)::bigint
    FROM pg_class c
    WHERE c.oid = p_table OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = p_table);
$$;

ALTER FUNCTION public.fn_estimated_rows(p_table regclass) OWNER TO queuegov_owner;

--
-- Name: fn_event_actor(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_actor(p_actor text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    -- Who an event names: the actor a trusted caller passes on (a capture's), else who acts now.
    SELECT CASE WHEN fn_caller_names_actor() THEN coalesce(p_actor, fn_actor()) ELSE fn_actor() END;
$$;

ALTER FUNCTION public.fn_event_actor(p_actor text) OWNER TO queuegov_owner;

--
-- Name: fn_event_addressed(jsonb, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_addressed(p_emitted jsonb, p_recipients jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- An event raised for named people ([{"kind": "user" | "group" | "role", "ref"}]):
-- in their inboxes at once (via 'addressed') and marked delivered, so
-- fn_event_deliver does not also broadcast it to its domain's audience. Routes
-- see it like every event. Nothing when the emit did not emit (a closed gate,
-- a duplicate).
BEGIN
    IF p_emitted ->> 'status' IS DISTINCT FROM 'emitted' THEN
        RETURN;
    END IF;
    INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)
    SELECT e.id, e.created_at, r ->> 'kind', r ->> 'ref', 'addressed'
      FROM event_outbox e, jsonb_array_elements(p_recipients) r
     WHERE e.id = (p_emitted ->> 'event_id')::bigint
    ON CONFLICT DO NOTHING;
    UPDATE event_outbox SET delivered_at = now() WHERE id = (p_emitted ->> 'event_id')::bigint;
END;
$$;

ALTER FUNCTION public.fn_event_addressed(p_emitted jsonb, p_recipients jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_capture(text, text, text, jsonb, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_capture(p_event_type text, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text, p_payload jsonb DEFAULT '{}'::jsonb, p_correlation_id text DEFAULT NULL::text, p_source_document_ref text DEFAULT NULL::text, p_import_batch_ref text DEFAULT NULL::text, p_causation_id text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_event_pending_insert(p_event_type, p_subject_table, p_subject_ref, p_payload, p_correlation_id,
                                   p_source_document_ref, p_import_batch_ref, p_causation_id);
END;
$$;

ALTER FUNCTION public.fn_event_capture(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_event_capture_attach(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_capture_attach(p_source_table text) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- The capture's three statement triggers on a watched table (transition tables
-- name the statement's rows qg_rows). A statement trigger sees only the table
-- a statement names: partitioned tables, their partitions and foreign tables
-- (no transition tables) are refused.
DECLARE
    c pg_class%ROWTYPE;
BEGIN
    SELECT * INTO c FROM pg_class WHERE oid = to_regclass(p_source_table);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_table: % does not exist', p_source_table USING ERRCODE = 'QG005';
    END IF;
    IF c.relkind <> 'r' OR c.relispartition
       OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid) THEN
        RAISE EXCEPTION 'unsupported_table: % is partitioned, a partition, inherited or foreign; a trigger-IN route watches a plain table',
                p_source_table USING ERRCODE = 'QG004';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_insert ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_update ON %I', p_source_table);
    EXECUTE format('DROP TRIGGER IF EXISTS iu_event_capture_delete ON %I', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_update AFTER UPDATE ON %I REFERENCING NEW TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
    EXECUTE format('CREATE TRIGGER iu_event_capture_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS qg_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION fn_event_capture_trigger()', p_source_table);
END;
$$;

ALTER FUNCTION public.fn_event_capture_attach(p_source_table text) OWNER TO queuegov_owner;

--
-- Name: fn_event_capture_trigger(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_capture_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- The one generic trigger-IN function: AFTER INSERT/UPDATE/DELETE FOR EACH
-- STATEMENT, the statement's rows in the transition table qg_rows (NEW rows;
-- OLD rows for DELETE), read once per matching route. A capture fires on
-- whatever table it watches, written by whoever may write it; the capture
-- itself is the owner's.
DECLARE
    v_actor text;
    r iu_sql_event_route%ROWTYPE;
    v_drop text[];  -- the source table's columns the route does not copy into the payload
BEGIN
    FOR r IN
        SELECT * FROM iu_sql_event_route
         WHERE source_table = TG_TABLE_NAME AND operation = TG_OP AND (enabled OR dry_run)
         ORDER BY id
    LOOP
        v_actor := coalesce(v_actor, fn_actor());
        -- The payload is the row less the columns it does not copy: one operator per row, where
        -- building it column by column ran a subquery per row.
        v_drop := ARRAY(SELECT attname::text FROM pg_attribute
                         WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped
                           AND attname <> ALL (coalesce(r.payload_columns, '{}')));
        IF r.enabled AND NOT r.dry_run THEN
            INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,
                                       capture_payload, actor)
            SELECT r.target_event_type, TG_TABLE_NAME, x.j ->> r.subject_column,
                   CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END,
                   jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || (x.j - v_drop),
                   v_actor
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition
               -- a long reference is asked of its named rule (which refuses it, and nothing is written)
               AND (coalesce(length(x.j ->> r.subject_column), 0) <= 200
                    AND (r.correlation_column IS NULL OR coalesce(length(x.j ->> r.correlation_column), 0) <= 200)
                    OR fn_event_refs_pass(x.j ->> r.subject_column,
                                          CASE WHEN r.correlation_column IS NOT NULL THEN x.j ->> r.correlation_column END));
        ELSE
            INSERT INTO iu_sql_event_route_dry_run_log (route_id, source_table, operation, subject_ref, would_capture)
            SELECT r.id, TG_TABLE_NAME, TG_OP, x.j ->> r.subject_column,
                   jsonb_build_object('event_type', r.target_event_type, 'payload',
                       jsonb_build_object('operation', TG_OP, 'source_table', TG_TABLE_NAME, 'route', r.route_name)
                       || (x.j - v_drop))
              FROM qg_rows t CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) x
             WHERE x.j @> r.condition;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_event_capture_trigger() OWNER TO queuegov_owner;

--
-- Name: fn_event_deliver(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_deliver(p_batch_size integer DEFAULT 1000) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Fan undelivered events out to their recipients' inboxes.
DECLARE
    v_events integer;
    v_rows integer;
BEGIN
    IF NOT fn_gate_open('event.delivery.enabled') THEN
        RETURN fn_gate_closed_result('event.delivery.enabled');
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _qg_deliver (id bigint, created_at timestamptz) ON COMMIT DROP;
    TRUNCATE _qg_deliver;
    WITH picked AS (
        SELECT id, created_at FROM event_outbox WHERE delivered_at IS NULL
        ORDER BY id LIMIT p_batch_size FOR UPDATE SKIP LOCKED
    )
    INSERT INTO _qg_deliver SELECT id, created_at FROM picked;
    GET DIAGNOSTICS v_events = ROW_COUNT;
    IF v_events = 0 THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'events', 0, 'inbox_rows', 0);
    END IF;
    INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)
    SELECT DISTINCT ON (r.event_id, r.recipient_kind, r.recipient_ref)
           r.event_id, r.event_created_at, r.recipient_kind, r.recipient_ref, r.via
    FROM v_event_recipient r JOIN _qg_deliver d ON d.id = r.event_id AND d.created_at = r.event_created_at
    WHERE r.recipient_kind <> 'executor'
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    UPDATE event_outbox e SET delivered_at = now() FROM _qg_deliver d WHERE e.id = d.id AND e.created_at = d.created_at;
    IF fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_inbox', v_events::text);
    END IF;
    RETURN jsonb_build_object('status', 'delivered', 'events', v_events, 'inbox_rows', v_rows);
END;
$$;

ALTER FUNCTION public.fn_event_deliver(p_batch_size integer) OWNER TO queuegov_owner;

--
-- Name: fn_event_emit(text, text, text, jsonb, text, text, text, timestamp with time zone, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_emit(p_event_type text, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text, p_payload jsonb DEFAULT '{}'::jsonb, p_severity text DEFAULT NULL::text, p_correlation_id text DEFAULT NULL::text, p_causation_id text DEFAULT NULL::text, p_occurred_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_classification text DEFAULT 'safe_metadata'::text, p_fact_key text DEFAULT ''::text, p_actor text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed. The fact keys the
-- pending processor gives captures are the engine's: a caller may not write one.
BEGIN
    IF p_fact_key LIKE 'pending:%' OR p_fact_key LIKE 'group:%' THEN
        RAISE EXCEPTION 'reserved_fact_key: % is a fact key the engine gives captures (pending:<id>, group:<id>); choose another',
            p_fact_key USING ERRCODE = 'QG004';
    END IF;
    RETURN fn_event_emit_keyed(p_event_type, p_subject_table, p_subject_ref, p_payload, p_severity, p_correlation_id, p_causation_id, p_occurred_at, p_classification, p_fact_key, p_actor);
END;
$$;

ALTER FUNCTION public.fn_event_emit(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) OWNER TO queuegov_owner;

--
-- Name: event_type_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_type_registry (
    event_type text NOT NULL,
    event_domain text NOT NULL,
    event_stream public.qg_event_stream NOT NULL,
    delivery_lane public.qg_delivery_lane NOT NULL,
    default_severity public.qg_severity,
    description text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    producer_ref text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    rubric jsonb DEFAULT '{}'::jsonb NOT NULL,
    gate_key text,
    registered_by text DEFAULT 'system:migration'::text NOT NULL,
    CONSTRAINT active_event_type_has_producer CHECK (((status <> 'active'::text) OR (producer_ref IS NOT NULL))),
    CONSTRAINT event_type_format CHECK ((event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'::text)),
    CONSTRAINT event_type_gate_key_own CHECK (((gate_key IS NULL) OR (gate_key = (('event.type.'::text || event_type) || '.active'::text)))),
    CONSTRAINT event_type_in_its_domain CHECK ((split_part(event_type, '.'::text, 1) = event_domain)),
    CONSTRAINT event_type_rubric_is_object CHECK ((jsonb_typeof(rubric) = 'object'::text)),
    CONSTRAINT event_type_status_allowed CHECK ((status = ANY (ARRAY['draft'::text, 'active'::text, 'retired'::text])))
);

ALTER TABLE public.event_type_registry OWNER TO queuegov_owner;

--
-- Name: COLUMN event_type_registry.producer_ref; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.event_type_registry.producer_ref IS 'The SQL function (fn_…) or Python module that emits this type.';

--
-- Name: COLUMN event_type_registry.rubric; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.event_type_registry.rubric IS 'Answers to the inclusion rubric (fn_event_type_rubric: decision, consumer, loss); required to activate.';

--
-- Name: COLUMN event_type_registry.gate_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.event_type_registry.gate_key IS 'A type registered at run time (or seeded as a draft) becomes active only while this four-eyes gate is open.';

--
-- Name: CONSTRAINT active_event_type_has_producer ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT active_event_type_has_producer ON public.event_type_registry IS 'an active event type names the function or module that emits it: set producer_ref before making the type active';

--
-- Name: CONSTRAINT event_type_format ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_format ON public.event_type_registry IS 'an event type is a dotted lowercase name of two or more parts (letters, digits, _), like staging.record_created: rename the type to fit';

--
-- Name: CONSTRAINT event_type_gate_key_own ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_gate_key_own ON public.event_type_registry IS 'a type''s gate is event.type.<the type>.active: let fn_event_type_register name it';

--
-- Name: CONSTRAINT event_type_in_its_domain ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_in_its_domain ON public.event_type_registry IS 'an event type''s first part is its domain (staging.record_created belongs to staging): rename the type or give the matching domain';

--
-- Name: CONSTRAINT event_type_rubric_is_object ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_rubric_is_object ON public.event_type_registry IS 'a type''s rubric is a JSON object of answers keyed decision, consumer and loss: give an object';

--
-- Name: CONSTRAINT event_type_status_allowed ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_status_allowed ON public.event_type_registry IS 'an event type is draft, active or retired: change it with fn_event_type_set_status';

--
-- Name: fn_event_emit_check(public.event_type_registry, text, text, text, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_emit_check(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN t.event_type IS NOT NULL AND t.status = 'active'
                     AND (p_subject_table IS NULL) = (p_subject_ref IS NULL)
                     AND coalesce(length(p_subject_ref), 0) <= 200 AND coalesce(length(p_correlation_id), 0) <= 200
                     AND coalesce(length(p_causation_id), 0) <= 200 AND coalesce(length(p_fact_key), 0) <= 200
                     AND coalesce(octet_length(p_payload::text), 0) <= 256
                THEN true
                ELSE fn_event_emit_check_exact(t, p_event_type, p_subject_table, p_subject_ref, p_correlation_id,
                                               p_causation_id, p_fact_key, p_payload)
           END;
$$;

ALTER FUNCTION public.fn_event_emit_check(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_emit_check_exact(public.event_type_registry, text, text, text, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_emit_check_exact(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
-- The rules an event obeys before it is emitted, written once: true, or the
-- rule's error. fn_event_emit_check decides the common case inline and calls
-- this for the rest.
BEGIN
    IF t.event_type IS NULL THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF t.status <> 'active' THEN
        RAISE EXCEPTION 'event_type_not_active: % is %; only active types are emitted', p_event_type, t.status
            USING ERRCODE = 'QG003';
    END IF;
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_subject: subject table and subject ref go together (got %, %)', p_subject_table, p_subject_ref
            USING ERRCODE = 'QG004';
    END IF;
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id);
    END IF;
    IF length(p_fact_key) > 200 THEN
        RAISE EXCEPTION 'event_ref_too_long: the fact key is % characters; at most 200', length(p_fact_key)
            USING ERRCODE = 'QG004';
    END IF;
    PERFORM fn_payload_assert_size(p_payload, 'payload');
    RETURN true;
END;
$$;

ALTER FUNCTION public.fn_event_emit_check_exact(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_emit_keyed(text, text, text, jsonb, text, text, text, timestamp with time zone, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_emit_keyed(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- fn_event_emit under any fact key, the engine's own included: for the pending
-- processor (pending:<capture id>, group:<first capture id>). Internal: it runs
-- in its caller's definer context.
-- {"status": "emitted" | "duplicate", "event_id": N} or gate_closed.
DECLARE
    t  event_type_registry%ROWTYPE;
    v_id bigint;
    v_existing bigint;
    v_actor text := fn_event_actor(p_actor);
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type;
    PERFORM fn_event_emit_check(t, p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
                                p_fact_key, p_payload);
    v_id := nextval('event_outbox_id_seq');
    IF p_subject_ref IS NOT NULL THEN
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        VALUES (t.event_domain, p_event_type, p_subject_table, p_subject_ref, coalesce(p_fact_key, ''), v_id)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            SELECT event_id INTO v_existing FROM event_subject_key
             WHERE event_domain = t.event_domain AND event_type = p_event_type
               AND event_subject_table = p_subject_table AND event_subject_ref = p_subject_ref
               AND fact_key = coalesce(p_fact_key, '');
            RETURN jsonb_build_object('status', 'duplicate', 'event_id', v_existing);
        END IF;
    END IF;
    INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                              payload_classification, event_subject_table, event_subject_ref, correlation_id,
                              causation_id, actor, occurred_at)
    VALUES (v_id, t.event_domain, t.event_stream, p_event_type, t.delivery_lane, coalesce(p_severity, t.default_severity),
            coalesce(p_payload, '{}'), coalesce(p_classification, 'safe_metadata'), p_subject_table, p_subject_ref,
            p_correlation_id, p_causation_id, v_actor, coalesce(p_occurred_at, now()));
    IF fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || t.event_domain, v_id::text);
    END IF;
    RETURN jsonb_build_object('status', 'emitted', 'event_id', v_id);
END;
$$;

ALTER FUNCTION public.fn_event_emit_keyed(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) OWNER TO queuegov_owner;

--
-- Name: fn_event_horizon(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_horizon() RETURNS xid8
    LANGUAGE sql STABLE
    AS $$
    -- pg_current_snapshot() is the statement's snapshot, taken before pg_locks
    -- is read: an xid assigned while this runs is at or above the snapshot's xmax.
    -- pg_locks holds each transaction's ExclusiveLock on its own xid (32 bits);
    -- it becomes an xid8 in the epoch of the snapshot's xmax (or the one before).
    WITH ref AS (
        SELECT pg_snapshot_xmax(pg_current_snapshot()) AS xmax,
               (pg_snapshot_xmax(pg_current_snapshot())::text)::numeric AS n
    ), running AS (
        SELECT l.transactionid AS xid
          FROM pg_locks l
          JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
           AND a.datname = current_database()
        UNION ALL
        SELECT p.transaction FROM pg_prepared_xacts p WHERE p.database = current_database()
    ), widened AS (
        SELECT CASE WHEN c > ref.n THEN c - 4294967296 ELSE c END AS n
          FROM running, ref,
               LATERAL (SELECT floor(ref.n / 4294967296) * 4294967296 + (running.xid::text)::numeric AS c) x
    )
    SELECT least(ref.xmax, (SELECT min(widened.n) FROM widened)::text::xid8) FROM ref;
$$;

ALTER FUNCTION public.fn_event_horizon() OWNER TO queuegov_owner;

--
-- Name: fn_event_mark_read(bigint[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_mark_read(p_event_read_ids bigint[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Reading one's inbox is audited like every act; entries addressed to someone
-- else are listed as refused (and the act is refused when nothing was one's own).
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb := fn_event_mark_read_unaudited(p_event_read_ids);
    v_refused jsonb := v -> 'refused';
BEGIN
    IF jsonb_array_length(v_refused) > 0 AND (v ->> 'marked')::integer = 0 THEN
        RETURN fn_act_audit(v || jsonb_build_object('status', 'refused'), 'inbox.mark_read', 'event_read',
                            p_event_read_ids::text[], NULL, NULL,
                            format('permission: inbox entries %s are not addressed to %s', v_refused, v_actor))
               || jsonb_build_object('status', v ->> 'status');
    END IF;
    RETURN fn_act_audit(v, 'inbox.mark_read', 'event_read', p_event_read_ids::text[], NULL, NULL,
        format('marked %s read', v ->> 'marked')
        || CASE WHEN jsonb_array_length(v_refused) > 0
                THEN format('; refused %s (not addressed to %s)', v_refused, v_actor) ELSE '' END);
END;
$$;

ALTER FUNCTION public.fn_event_mark_read(p_event_read_ids bigint[]) OWNER TO queuegov_owner;

--
-- Name: fn_event_mark_read_unaudited(bigint[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_mark_read_unaudited(p_event_read_ids bigint[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Marks read only entries addressed to the acting user, one of their groups
-- or one of their roles (Django's auth tables); others are listed as refused.
DECLARE
    v_actor text := fn_actor_required();
    v_marked bigint[];
BEGIN
    WITH me AS (
        SELECT u.id, u.username FROM auth_user u WHERE 'user:' || u.username = v_actor AND u.is_active
    ), mine AS (
        SELECT 'user'::text AS kind, me.username AS ref FROM me
        UNION ALL
        SELECT k.kind, g.name FROM me JOIN auth_user_groups ug ON ug.user_id = me.id
        JOIN auth_group g ON g.id = ug.group_id CROSS JOIN (VALUES ('group'), ('role')) AS k(kind)
    ), marked AS (
        UPDATE event_read e SET read_at = now(), read_by = v_actor
         WHERE e.id = ANY (p_event_read_ids) AND e.read_at IS NULL
           AND EXISTS (SELECT 1 FROM mine WHERE mine.kind = e.recipient_kind AND mine.ref = e.recipient_ref)
        RETURNING e.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_marked FROM marked;
    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_marked) = 0 THEN 'nothing_to_do' ELSE 'read' END,
        'marked', cardinality(v_marked),
        'refused', to_jsonb(ARRAY(
            SELECT e.id FROM event_read e WHERE e.id = ANY (p_event_read_ids) AND e.read_at IS NULL
               AND e.id <> ALL (v_marked) ORDER BY e.id)));
END;
$$;

ALTER FUNCTION public.fn_event_mark_read_unaudited(p_event_read_ids bigint[]) OWNER TO queuegov_owner;

--
-- Name: fn_event_outbox_ensure_partitions(integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_outbox_ensure_partitions(p_months_ahead integer DEFAULT 3, p_from timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Create the monthly partitions event_outbox_YYYYMM from p_from's month to
-- p_months_ahead months later (idempotent; run by migration and maintenance).
DECLARE
    v_month date := date_trunc('month', p_from AT TIME ZONE 'UTC')::date;
    v_name text;
    v_lo timestamptz;
    v_hi timestamptz;
    v_created text[] := '{}';
BEGIN
    FOR i IN 0 .. p_months_ahead LOOP
        v_name := 'event_outbox_' || to_char(v_month + make_interval(months => i), 'YYYYMM');
        v_lo := (v_month + make_interval(months => i))::timestamp AT TIME ZONE 'UTC';
        v_hi := (v_month + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC';
        IF to_regclass(v_name) IS NULL THEN
            IF EXISTS (SELECT 1 FROM event_outbox_default WHERE created_at >= v_lo AND created_at < v_hi) THEN
                -- Rows of that month already landed in the default partition:
                -- move them into the new partition, then attach it.
                EXECUTE format('CREATE TABLE %I (LIKE event_outbox INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
                EXECUTE format('WITH moved AS (DELETE FROM event_outbox_default WHERE created_at >= %L AND created_at < %L '
                               'RETURNING *) INSERT INTO %I SELECT * FROM moved', v_lo, v_hi, v_name);
                EXECUTE format('ALTER TABLE event_outbox ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', v_name, v_lo, v_hi);
            ELSE
                EXECUTE format('CREATE TABLE %I PARTITION OF event_outbox FOR VALUES FROM (%L) TO (%L)', v_name, v_lo, v_hi);
            END IF;
            v_created := v_created || v_name;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN cardinality(v_created) = 0 THEN 'nothing_to_do' ELSE 'created' END,
                              'created', to_jsonb(v_created));
END;
$$;

ALTER FUNCTION public.fn_event_outbox_ensure_partitions(p_months_ahead integer, p_from timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_event_pending_emit_batch(integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_pending_emit_batch(p_batch_size integer, p_now timestamp with time zone, OUT emitted integer, OUT duplicates integer) RETURNS record
    LANGUAGE plpgsql
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    AS $$
-- One set-based batch of the immediate lane: captures never failed before,
-- oldest first, locked (SKIP LOCKED), each checked by fn_event_emit_check (a
-- broken rule raises and undoes the whole batch: the caller then goes row by
-- row). Answers how many became events (and 0 already emitted: such a capture's
-- key makes the batch go one at a time).
DECLARE
    v_domains text[];
    -- the immediate lane's types, so the batch is read in id order from the unprocessed
    -- captures' index and costs the same whatever the backlog behind it
    v_types text[] := ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate');
BEGIN
    WITH batch AS (  -- the oldest ready captures of the immediate types, read from event_pending_ready
        SELECT p.id, p.event_type, p.event_subject_table, p.event_subject_ref, p.capture_payload, p.correlation_id,
               p.causation_id, p.captured_at, p.actor
          FROM event_pending p
         WHERE p.processed_at IS NULL AND p.error_count = 0 AND p.event_type = ANY (v_types)
         ORDER BY p.id
         LIMIT p_batch_size
           FOR UPDATE SKIP LOCKED
    ), ordered AS MATERIALIZED (  -- sorted before the ids are drawn: events get ids in capture order
        SELECT b.*, t AS type_row, t.event_domain
          FROM batch b
          JOIN event_type_registry t USING (event_type)
         WHERE fn_event_emit_check(t, b.event_type, b.event_subject_table, b.event_subject_ref,
                                   b.correlation_id, b.causation_id, 'pending:' || b.id, b.capture_payload)
         ORDER BY b.id
    ), checked AS MATERIALIZED (
        SELECT o.*, nextval('event_outbox_id_seq') AS event_id FROM ordered o
    ), keys AS (  -- a plain INSERT: a key already there (the capture emitted before) raises, and
                  -- the caller then goes one at a time, where fn_event_emit answers that event
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key, event_id)
        SELECT c.event_domain, c.event_type, c.event_subject_table, c.event_subject_ref, 'pending:' || c.id, c.event_id
          FROM checked c WHERE c.event_subject_ref IS NOT NULL
    ), outbox AS (
        INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,
                                  payload_classification, event_subject_table, event_subject_ref, correlation_id,
                                  causation_id, actor, occurred_at)
        SELECT c.event_id, c.event_domain, (c.type_row).event_stream, c.event_type, (c.type_row).delivery_lane,
               (c.type_row).default_severity, coalesce(c.capture_payload, '{}'), 'safe_metadata',
               c.event_subject_table, c.event_subject_ref, c.correlation_id, c.causation_id, fn_event_actor(c.actor),
               c.captured_at
          FROM checked c
        RETURNING event_domain
    ), marked AS (
        UPDATE event_pending p
           SET processed_at = p_now, emitted_event_id = c.event_id
          FROM checked c
         WHERE p.id = c.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM marked), 0, (SELECT array_agg(DISTINCT event_domain) FROM outbox)
      INTO emitted, duplicates, v_domains;
    IF v_domains IS NOT NULL AND fn_gate_open('queue.notify.enabled') THEN
        PERFORM pg_notify('queue_wake_' || d, 'batch') FROM unnest(v_domains) AS d;
    END IF;
END;
$$;

ALTER FUNCTION public.fn_event_pending_emit_batch(p_batch_size integer, p_now timestamp with time zone, OUT emitted integer, OUT duplicates integer) OWNER TO queuegov_owner;

--
-- Name: fn_event_pending_insert(text, text, text, jsonb, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_pending_insert(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- Internal: the L1 capture itself, for fn_event_capture, which already runs as
-- the owner with a pinned search_path (a trigger-IN capture inserts its
-- statement's rows itself, sql/events/0019).
-- O(1): the payload's key check runs in its DOMAIN; the type is looked up here
-- (captures name it by key: sql/events/0026).
DECLARE
    v_id bigint;
BEGIN
    -- (the named refusal only when a reference is long: a call per captured row costs)
    IF length(p_subject_ref) > 200 OR length(p_correlation_id) > 200 OR length(p_causation_id) > 200
       OR length(p_source_document_ref) > 200 OR length(p_import_batch_ref) > 200 THEN
        PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, p_causation_id, p_source_document_ref,
                                      p_import_batch_ref);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_type_registry WHERE event_type = p_event_type) THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id, causation_id,
                               source_document_ref, import_batch_ref, capture_payload, actor)
    VALUES (p_event_type, p_subject_table, p_subject_ref, p_correlation_id, p_causation_id,
            p_source_document_ref, p_import_batch_ref, coalesce(p_payload, '{}'), fn_actor())
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_event_pending_insert(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_event_pending_process(integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_pending_process(p_batch_size integer DEFAULT 1000, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
-- Immediate lane: captures become events, a batch per statement
-- (fn_event_pending_emit_batch); a batch with a capture that breaks a rule,
-- and captures that failed before, go one at a time. Delayed lane: the
-- captures of one (stable_key, event_type) group become one event once the
-- group has been quiet for event.debounce_seconds. A failing row or group
-- records error_count/last_error and never blocks the others.
DECLARE
    v_now timestamptz := coalesce(p_now, clock_timestamp());
    v_quiet interval;
    r record;
    g record;
    v_answer jsonb;
    v_emitted integer := 0;
    v_duplicates integer := 0;
    v_groups integer := 0;
    v_failed integer := 0;
    v_max_errors integer;
    v_batch record;
    v_set_based boolean := true;
    v_type text;
    v_failed_groups integer := 0;
    v_rows refcursor;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.event_pending_process')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another fn_event_pending_process is running');
    END IF;
    v_quiet := make_interval(secs => fn_setting_int('event.debounce_seconds'));
    -- rows that failed event.retry.max_attempts times are parked (visible in the admin's pending backlog)
    v_max_errors := fn_setting_int('event.retry.max_attempts');

    -- immediate lane: one set-based batch; on a broken rule, row by row
    BEGIN
        v_batch := fn_event_pending_emit_batch(p_batch_size, v_now);
        v_emitted := v_batch.emitted;
        v_duplicates := v_batch.duplicates;
    EXCEPTION WHEN OTHERS THEN
        v_set_based := false;
    END;
    -- one at a time: captures that failed before (event_pending_retrying), or the whole
    -- batch when the set-based statement refused it
    IF v_set_based THEN
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count > 0 AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT greatest(p_batch_size - v_emitted - v_duplicates, 0);
    ELSE
        OPEN v_rows FOR
            SELECT p.* FROM event_pending p
             WHERE p.processed_at IS NULL AND p.error_count < v_max_errors
               AND p.event_type = ANY (ARRAY(SELECT event_type FROM event_type_registry WHERE delivery_lane = 'immediate'))
             ORDER BY p.id LIMIT p_batch_size;
    END IF;
    LOOP
        FETCH v_rows INTO r;
        EXIT WHEN NOT FOUND;
        BEGIN
            v_answer := fn_event_emit_keyed(r.event_type, r.event_subject_table, r.event_subject_ref, r.capture_payload,
                                            NULL, r.correlation_id, r.causation_id, r.captured_at, 'safe_metadata',
                                            'pending:' || r.id, r.actor);
            IF v_answer ->> 'status' = 'gate_closed' THEN
                RETURN v_answer;
            END IF;
            UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
             WHERE id = r.id;
            IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
        EXCEPTION WHEN OTHERS THEN
            UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = r.id;
            v_failed := v_failed + 1;
        END;
    END LOOP;
    CLOSE v_rows;

    -- delayed lane: quiet groups, one delayed type at a time. EXECUTE plans each
    -- with its type's value, so the planner sees how few of the waiting captures
    -- it has and reads them from event_pending_unprocessed (keyed by type)
    -- instead of scanning every waiting capture.
    -- in a random order each call: a type with many quiet groups never starves the others
    FOR v_type IN SELECT event_type FROM event_type_registry WHERE delivery_lane = 'delayed' ORDER BY random() LOOP
        EXIT WHEN v_groups + v_failed_groups >= p_batch_size;
        FOR g IN EXECUTE
            'SELECT p.event_type, coalesce(p.stable_key, ''pending:'' || p.id) AS group_key,
                    array_agg(p.id ORDER BY p.id) AS ids, max(p.captured_at) AS last_at, min(p.captured_at) AS first_at,
                    count(*) AS n, max(p.id) AS last_id, min(p.id) AS first_id
               FROM event_pending p
              WHERE p.event_type = $1 AND p.processed_at IS NULL AND p.error_count < $2
              GROUP BY p.event_type, coalesce(p.stable_key, ''pending:'' || p.id)
             HAVING max(p.captured_at) <= $3
              ORDER BY min(p.id)
              LIMIT $4'
            USING v_type, v_max_errors, v_now - v_quiet, p_batch_size - v_groups - v_failed_groups
        LOOP
            BEGIN
                SELECT * INTO r FROM event_pending WHERE id = g.last_id;
                v_answer := fn_event_emit_keyed(
                    g.event_type, r.event_subject_table, r.event_subject_ref,
                    r.capture_payload || jsonb_build_object('captures', g.n, 'first_captured_at', g.first_at,
                                                            'last_captured_at', g.last_at, 'stable_key', g.group_key),
                    NULL, r.correlation_id, r.causation_id, g.last_at, 'safe_metadata', 'group:' || g.first_id, r.actor);
                IF v_answer ->> 'status' = 'gate_closed' THEN
                    RETURN v_answer;
                END IF;
                UPDATE event_pending SET processed_at = v_now, emitted_event_id = (v_answer ->> 'event_id')::bigint
                 WHERE id = ANY (g.ids);
                v_groups := v_groups + 1;
                IF v_answer ->> 'status' = 'duplicate' THEN v_duplicates := v_duplicates + 1; ELSE v_emitted := v_emitted + 1; END IF;
            EXCEPTION WHEN OTHERS THEN
                UPDATE event_pending SET error_count = error_count + 1, last_error = left(SQLERRM, 2000) WHERE id = ANY (g.ids);
                v_failed := v_failed + 1;
                v_failed_groups := v_failed_groups + 1;
            END;
        END LOOP;
    END LOOP;

    RETURN jsonb_build_object('status', CASE WHEN v_emitted + v_duplicates + v_failed = 0 THEN 'nothing_to_do' ELSE 'processed' END,
                              'emitted', v_emitted, 'duplicates', v_duplicates, 'delayed_groups', v_groups,
                              'failed', v_failed, 'one_at_a_time', NOT v_set_based);
END;
$_$;

ALTER FUNCTION public.fn_event_pending_process(p_batch_size integer, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_event_producer_problem(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_producer_problem(p_producer_ref text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    -- Why p_producer_ref is not a producer that exists (NULL when it is).
    SELECT CASE
        WHEN p_producer_ref IS NULL OR btrim(p_producer_ref) = '' THEN 'it names no producer'
        WHEN p_producer_ref ~ '^fn_' THEN
            CASE WHEN EXISTS (SELECT 1 FROM pg_proc WHERE proname = p_producer_ref AND pronamespace = 'public'::regnamespace)
                 THEN NULL ELSE format('its producer %s is not a function in the database', p_producer_ref) END
        WHEN EXISTS (SELECT 1 FROM event_producer_registry WHERE producer_ref = p_producer_ref AND status = 'active') THEN NULL
        ELSE format('its producer %s is not a registered code producer (event_producer_registry)', p_producer_ref)
    END;
$$;

ALTER FUNCTION public.fn_event_producer_problem(p_producer_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_event_producer_register(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_producer_register(p_producer_ref text, p_description text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_event_producer_register_unaudited(p_producer_ref, fn_reason_checked(p_description, 'description')),
        'event_producer.register', 'event_producer_registry', ARRAY[p_producer_ref], p_description, NULL,
        format('code producer %s registered', p_producer_ref));
END;
$$;

ALTER FUNCTION public.fn_event_producer_register(p_producer_ref text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_event_producer_register_unaudited(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_producer_register_unaudited(p_producer_ref text, p_description text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_producer_ref IS NULL OR p_producer_ref ~ '^fn_' THEN
        RAISE EXCEPTION 'invalid_producer: % is not a code producer name; a function in the database (fn_…) is a producer without registration',
                quote_nullable(p_producer_ref) USING ERRCODE = 'QG004';
    END IF;
    SELECT status INTO v_old FROM event_producer_registry WHERE producer_ref = p_producer_ref FOR UPDATE;
    IF v_old = 'active' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'producer', p_producer_ref);
    END IF;
    INSERT INTO event_producer_registry (producer_ref, description, registered_by, updated_by)
    VALUES (p_producer_ref, btrim(p_description), v_actor, v_actor)
    ON CONFLICT (producer_ref) DO UPDATE
        SET status = 'active', description = EXCLUDED.description, updated_by = v_actor, updated_at = now();
    RETURN jsonb_build_object('status', 'registered', 'producer', p_producer_ref);
END;
$$;

ALTER FUNCTION public.fn_event_producer_register_unaudited(p_producer_ref text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_event_refs_checked(text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text DEFAULT NULL::text, p_import_batch_ref text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF length(p_subject_ref) > 500 THEN
        RAISE EXCEPTION 'event_ref_too_long: the subject ref is % characters; at most 500', length(p_subject_ref)
            USING ERRCODE = 'QG004';
    END IF;
    IF length(p_correlation_id) > 200 OR length(p_causation_id) > 200 THEN
        RAISE EXCEPTION 'correlation_id_length: correlation and causation ids are at most 200 characters (got %, %)',
                coalesce(length(p_correlation_id), 0), coalesce(length(p_causation_id), 0)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'correlation_id_length';
    END IF;
    IF length(p_source_document_ref) > 500 OR length(p_import_batch_ref) > 500 THEN
        RAISE EXCEPTION 'event_ref_too_long: source document and import batch refs are at most 500 characters (got %, %)',
                coalesce(length(p_source_document_ref), 0), coalesce(length(p_import_batch_ref), 0)
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text, p_import_batch_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_event_refs_pass(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_refs_pass(p_subject_ref text, p_correlation_id text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
-- true, or fn_event_refs_checked's refusal: a condition a set-based capture can ask per row.
BEGIN
    PERFORM fn_event_refs_checked(p_subject_ref, p_correlation_id, NULL);
    RETURN true;
END;
$$;

ALTER FUNCTION public.fn_event_refs_pass(p_subject_ref text, p_correlation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_event_subscribe(text, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text DEFAULT ''::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_subscribe_unaudited(p_event_type, p_event_domain, p_event_stream, p_recipient_kind, p_recipient_ref,
                                      fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'subscription.add', 'event_subscription', ARRAY[v ->> 'subscription_id'], p_note, NULL,
        format('subscription #%s: %s %s gets %s', v ->> 'subscription_id', p_recipient_kind, p_recipient_ref,
               concat_ws(' ', 'type ' || p_event_type, 'domain ' || p_event_domain, 'stream ' || p_event_stream)));
END;
$$;

ALTER FUNCTION public.fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text) OWNER TO queuegov_owner;

--
-- Name: fn_event_subscribe_unaudited(text, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_subscribe_unaudited(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text DEFAULT ''::text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_id bigint;
BEGIN
    IF p_event_type IS NOT NULL AND right(p_event_type, 1) <> '*'
       AND NOT EXISTS (SELECT 1 FROM event_type_registry WHERE event_type = p_event_type) THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO event_subscription (event_type, event_domain, event_stream, recipient_kind, recipient_ref, note, created_by)
    VALUES (p_event_type, p_event_domain, p_event_stream, p_recipient_kind, btrim(p_recipient_ref), coalesce(p_note, ''), v_actor)
    ON CONFLICT ON CONSTRAINT subscription_unique DO UPDATE SET enabled = true
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('status', 'subscribed', 'subscription_id', v_id);
END;
$$;

ALTER FUNCTION public.fn_event_subscribe_unaudited(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text) OWNER TO queuegov_owner;

--
-- Name: event_subscription; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_subscription (
    id bigint NOT NULL,
    event_type text,
    event_domain text,
    event_stream public.qg_event_stream,
    recipient_kind text NOT NULL,
    recipient_ref text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    created_by text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT subscription_event_type_format CHECK ((event_type ~ '^[a-z][a-z0-9_.]*\*?$'::text)),
    CONSTRAINT subscription_matches_something CHECK (((event_type IS NOT NULL) OR (event_domain IS NOT NULL) OR (event_stream IS NOT NULL))),
    CONSTRAINT subscription_recipient_kind_allowed CHECK ((recipient_kind = ANY (ARRAY['user'::text, 'group'::text, 'role'::text, 'executor'::text]))),
    CONSTRAINT subscription_recipient_ref_not_blank CHECK ((btrim(recipient_ref) <> ''::text))
);

ALTER TABLE public.event_subscription OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT subscription_event_type_format ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subscription_event_type_format ON public.event_subscription IS 'a subscription''s event type is a lowercase dotted name, or a prefix ending in * such as staging.*: correct the pattern';

--
-- Name: CONSTRAINT subscription_matches_something ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subscription_matches_something ON public.event_subscription IS 'a subscription names at least one of an event type, a domain or a stream: give one of them';

--
-- Name: CONSTRAINT subscription_recipient_kind_allowed ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subscription_recipient_kind_allowed ON public.event_subscription IS 'a subscription''s recipient is a user, group, role or executor: use one of those four kinds';

--
-- Name: CONSTRAINT subscription_recipient_ref_not_blank ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subscription_recipient_ref_not_blank ON public.event_subscription IS 'a subscription names its recipient: give the username, group, role or executor name';

--
-- Name: fn_event_subscription_matches(public.event_subscription, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT s.enabled
       AND (s.event_type IS NULL OR s.event_type = p_event_type
            OR (right(s.event_type, 1) = '*' AND starts_with(p_event_type, left(s.event_type, -1))))
       AND (s.event_domain IS NULL OR s.event_domain = p_domain)
       AND (s.event_stream IS NULL OR s.event_stream::text = p_stream);
$$;

ALTER FUNCTION public.fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text) OWNER TO queuegov_owner;

--
-- Name: fn_event_subscription_set_enabled(bigint, boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_verb  text := CASE WHEN p_enabled THEN 'enable' ELSE 'disable' END;
BEGIN
    RETURN fn_act_audit(fn_event_subscription_set_enabled_unaudited(p_subscription_id, p_enabled),
                        'subscription.' || v_verb, 'event_subscription', ARRAY[p_subscription_id::text], NULL, NULL,
                        format('subscription #%s %sd', p_subscription_id, v_verb));
END;
$$;

ALTER FUNCTION public.fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) OWNER TO queuegov_owner;

--
-- Name: fn_event_subscription_set_enabled_unaudited(bigint, boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_subscription_set_enabled_unaudited(p_subscription_id bigint, p_enabled boolean) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    UPDATE event_subscription SET enabled = p_enabled WHERE id = p_subscription_id AND enabled <> p_enabled;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM event_subscription WHERE id = p_subscription_id) THEN
            RAISE EXCEPTION 'unknown_subscription: % does not exist', p_subscription_id USING ERRCODE = 'QG005';
        END IF;
        RETURN jsonb_build_object('status', 'nothing_to_do', 'subscription_id', p_subscription_id);
    END IF;
    RETURN jsonb_build_object('status', CASE WHEN p_enabled THEN 'enabled' ELSE 'disabled' END,
                              'subscription_id', p_subscription_id, 'by', v_actor);
END;
$$;

ALTER FUNCTION public.fn_event_subscription_set_enabled_unaudited(p_subscription_id bigint, p_enabled boolean) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_activation_problems(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_activation_problems(p_event_type text) RETURNS text[]
    LANGUAGE plpgsql STABLE
    AS $$
-- What keeps a type from being active: its producer, its rubric, its domain.
DECLARE
    t event_type_registry%ROWTYPE;
    v_problems text[] := '{}';
    v_question text;
BEGIN
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF fn_event_producer_problem(t.producer_ref) IS NOT NULL THEN
        v_problems := v_problems || fn_event_producer_problem(t.producer_ref);
    END IF;
    FOR v_question IN SELECT q.question_key FROM fn_event_type_rubric() q ORDER BY q.question_no LOOP
        IF length(btrim(coalesce(t.rubric ->> v_question, ''))) < 10 THEN
            v_problems := v_problems || format('the rubric question "%s" has no answer of 10 characters or more', v_question);
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = t.event_domain AND status <> 'active') THEN
        v_problems := v_problems || format('its domain %s is retired', t.event_domain);
    END IF;
    RETURN v_problems;
END;
$$;

ALTER FUNCTION public.fn_event_type_activation_problems(p_event_type text) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_follow_gate(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_follow_gate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- An approved opening of event.type.<type>.active activates the type (when it
-- is ready, else the approval fails saying why); closing it retires an active type.
BEGIN
    IF NEW.value = 'true'::jsonb THEN
        PERFORM fn_event_type_ready(t.event_type) FROM event_type_registry t WHERE t.gate_key = NEW.key;
        UPDATE event_type_registry SET status = 'active' WHERE gate_key = NEW.key AND status <> 'active';
    ELSE
        UPDATE event_type_registry SET status = 'retired' WHERE gate_key = NEW.key AND status = 'active';
    END IF;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_event_type_follow_gate() OWNER TO queuegov_owner;

--
-- Name: fn_event_type_ready(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_ready(p_event_type text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF cardinality(fn_event_type_activation_problems(p_event_type)) > 0 THEN
        RAISE EXCEPTION 'event_type_not_ready: % cannot be active: %', p_event_type,
                array_to_string(fn_event_type_activation_problems(p_event_type), '; ') USING ERRCODE = 'QG003';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_event_type_ready(p_event_type text) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_register(text, text, text, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb DEFAULT '{}'::jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_type_register_unaudited(p_event_type, p_event_stream, p_delivery_lane, p_default_severity,
                                          p_description, p_producer_ref, p_rubric);
    RETURN fn_act_audit(v, 'event_type.register', 'event_type_registry', ARRAY[p_event_type], p_description, NULL,
                        format('event type %s %s as a draft (producer %s); active only by four-eyes on %s',
                               p_event_type, v ->> 'status', p_producer_ref, v ->> 'gate'));
END;
$$;

ALTER FUNCTION public.fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_register_unaudited(text, text, text, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_register_unaudited(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
-- A new type is a draft; registering a draft again revises it (and closes its
-- gate: an approval covers what was approved). Active and retired types are
-- not revised here.
DECLARE
    v_actor text := fn_actor_required();
    v_domain text := split_part(coalesce(p_event_type, ''), '.', 1);
    v_old event_type_registry%ROWTYPE;
    v_gate text := 'event.type.' || p_event_type || '.active';
BEGIN
    IF p_event_type IS NULL OR p_event_type !~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' THEN
        RAISE EXCEPTION 'invalid_event_type: % is not a dotted lowercase name of two or more parts (domain.what_happened)',
                quote_nullable(p_event_type) USING ERRCODE = 'QG004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = v_domain AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_event_domain: % is not an active event domain (its first part names the domain)', v_domain
            USING ERRCODE = 'QG005';
    END IF;
    IF p_description IS NULL OR length(btrim(p_description)) < 3 THEN
        RAISE EXCEPTION 'reason_required: an event type needs a description' USING ERRCODE = 'QG008';
    END IF;
    IF nullif(btrim(p_producer_ref), '') IS NULL THEN
        RAISE EXCEPTION 'producer_required: % needs the name of its producer (a fn_… function or a code producer)', p_event_type
            USING ERRCODE = 'QG004';
    END IF;
    SELECT * INTO v_old FROM event_type_registry WHERE event_type = p_event_type FOR UPDATE;
    IF FOUND AND v_old.status <> 'draft' THEN
        RAISE EXCEPTION 'event_type_exists: % is already % and is not revised by registering it again', p_event_type, v_old.status
            USING ERRCODE = 'QG003';
    END IF;
    -- An approver decides what they were shown: no revision under a pending request.
    IF EXISTS (SELECT 1 FROM gate_change_request WHERE config_key = v_gate AND status = 'pending') THEN
        RAISE EXCEPTION 'request_pending: % has a pending gate change request (#%) on %; withdraw it, or have it decided, before revising the type',
                p_event_type, (SELECT min(id) FROM gate_change_request WHERE config_key = v_gate AND status = 'pending'), v_gate
            USING ERRCODE = 'QG003';
    END IF;
    INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, description,
                                     status, producer_ref, rubric, gate_key, registered_by)
    VALUES (p_event_type, v_domain, p_event_stream, p_delivery_lane, p_default_severity,
            btrim(fn_reason_checked(p_description, 'description')), 'draft',
            btrim(p_producer_ref), fn_event_type_rubric_checked(p_rubric), v_gate, v_actor)
    ON CONFLICT (event_type) DO UPDATE
        SET event_stream = EXCLUDED.event_stream, delivery_lane = EXCLUDED.delivery_lane,
            default_severity = EXCLUDED.default_severity, description = EXCLUDED.description,
            producer_ref = EXCLUDED.producer_ref, rubric = EXCLUDED.rubric, gate_key = EXCLUDED.gate_key;
    -- A revised draft is approved afresh: its gate is (re)born OFF.
    PERFORM fn_gate_create(v_gate, format('event type %s becomes active', p_event_type));
    RETURN jsonb_build_object('status', CASE WHEN v_old.event_type IS NULL THEN 'registered' ELSE 'revised' END,
                              'event_type', p_event_type, 'gate', v_gate,
                              'not_ready', to_jsonb(fn_event_type_activation_problems(p_event_type)));
END;
$_$;

ALTER FUNCTION public.fn_event_type_register_unaudited(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_rubric(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_rubric() RETURNS TABLE(question_no integer, question_key text, question text)
    LANGUAGE sql IMMUTABLE
    AS $$
    -- The three questions a type answers before it may be active; the admin shows them from here.
    VALUES
        (1, 'decision', 'Which decision, approval or audit needs this event: who acts on it, or must be able to show it later?'),
        (2, 'consumer', 'Who consumes it: which route, subscription or inbox (a type nobody consumes is an activity log)?'),
        (3, 'loss', 'What goes wrong if it is lost or late: why is a table row or a log line not enough?');
$$;

ALTER FUNCTION public.fn_event_type_rubric() OWNER TO queuegov_owner;

--
-- Name: fn_event_type_rubric_checked(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_rubric_checked(p_rubric jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
-- Answers keyed by the rubric's questions, trimmed; anything else is refused.
DECLARE
    v_key text;
BEGIN
    IF p_rubric IS NULL THEN
        RETURN '{}';
    END IF;
    IF jsonb_typeof(p_rubric) <> 'object' THEN
        RAISE EXCEPTION 'invalid_rubric: the rubric is a JSON object of answers keyed decision, consumer and loss, not %', p_rubric
            USING ERRCODE = 'QG004';
    END IF;
    FOR v_key IN SELECT jsonb_object_keys(p_rubric) LOOP
        IF NOT EXISTS (SELECT 1 FROM fn_event_type_rubric() q WHERE q.question_key = v_key) THEN
            RAISE EXCEPTION 'invalid_rubric: % is not a rubric question (decision, consumer, loss)', v_key USING ERRCODE = 'QG004';
        END IF;
        IF jsonb_typeof(p_rubric -> v_key) <> 'string' THEN
            RAISE EXCEPTION 'invalid_rubric: the answer to % is text, not %', v_key, p_rubric -> v_key USING ERRCODE = 'QG004';
        END IF;
    END LOOP;
    RETURN (SELECT coalesce(jsonb_object_agg(key, btrim(value)), '{}') FROM jsonb_each_text(p_rubric)
             WHERE btrim(value) <> '');
END;
$$;

ALTER FUNCTION public.fn_event_type_rubric_checked(p_rubric jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_set_status(text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_set_status(p_event_type text, p_status text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_event_type_set_status_unaudited(p_event_type, p_status, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'event_type.set_' || p_status, 'event_type_registry', ARRAY[p_event_type], p_reason, NULL,
                        format('event type %s: %s → %s', p_event_type, coalesce(v ->> 'from', p_status), p_status));
END;
$$;

ALTER FUNCTION public.fn_event_type_set_status(p_event_type text, p_status text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_event_type_set_status_unaudited(text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_event_type_set_status_unaudited(p_event_type text, p_status text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- The registry's governed edit: draft ↔ retired, and back to active. A type
-- with a gate becomes active only while its gate is open (four-eyes);
-- becoming active needs fn_event_type_ready either way.
DECLARE
    v_actor text := fn_actor_required();
    t event_type_registry%ROWTYPE;
BEGIN
    IF p_status NOT IN ('draft', 'active', 'retired') THEN
        RAISE EXCEPTION 'invalid_event_type_status: % (allowed: draft, active, retired)', p_status USING ERRCODE = 'QG004';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: changing an event type''s status needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO t FROM event_type_registry WHERE event_type = p_event_type FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_event_type: % is not in event_type_registry', p_event_type USING ERRCODE = 'QG005';
    END IF;
    IF t.status = p_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'event_type', p_event_type);
    END IF;
    IF p_status = 'active' THEN
        IF t.gate_key IS NOT NULL AND NOT fn_gate_open_locked(t.gate_key) THEN
            RAISE EXCEPTION 'four_eyes_required: % becomes active only by an approved change of its gate % (one person requests it, another approves)',
                    p_event_type, t.gate_key USING ERRCODE = 'QG002';
        END IF;
        PERFORM fn_event_type_ready(p_event_type);
    END IF;
    UPDATE event_type_registry SET status = p_status WHERE event_type = p_event_type;
    RETURN jsonb_build_object('status', 'updated', 'event_type', p_event_type, 'from', t.status, 'to', p_status,
                              'by', v_actor);
END;
$$;

ALTER FUNCTION public.fn_event_type_set_status_unaudited(p_event_type text, p_status text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_executor_claim_class(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_executor_claim_class(p_executor_class text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
-- The class a claim is for: the app names it; an executor login may claim only
-- for a class of its own executor kind (the one class of that kind when it
-- names none). (Internal, called by the definer-rights claim functions.)
DECLARE
    v_kind    text;
    v_classes text[];
BEGIN
    IF public.fn_caller_names_actor() THEN
        IF p_executor_class IS NULL THEN
            RAISE EXCEPTION 'executor_class_required: a claim names the executor class it works for (docs/executors.md)'
                USING ERRCODE = 'QG004';
        END IF;
        RETURN p_executor_class;
    END IF;
    SELECT executor_kind INTO v_kind FROM public.executor_login WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
            USING ERRCODE = 'QG002';
    END IF;
    v_classes := ARRAY(SELECT code FROM public.executor_class_registry
                        WHERE executor_kind = v_kind AND status = 'active' ORDER BY code);
    IF p_executor_class IS NULL AND cardinality(v_classes) = 1 THEN
        RETURN v_classes[1];
    END IF;
    IF p_executor_class IS NULL OR p_executor_class <> ALL (v_classes) THEN
        RAISE EXCEPTION 'executor_class_refused: login % is a % executor; it may claim for %, not %', session_user, v_kind,
                coalesce(array_to_string(v_classes, ', '), 'no class'), coalesce(p_executor_class, 'no class named')
            USING ERRCODE = 'QG002';
    END IF;
    RETURN p_executor_class;
END;
$$;

ALTER FUNCTION public.fn_executor_claim_class(p_executor_class text) OWNER TO queuegov_owner;

--
-- Name: fn_executor_claim_queues(text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_executor_claim_queues(p_queues text[]) RETURNS text[]
    LANGUAGE plpgsql STABLE
    AS $$
-- The queues a claim may cover: any for the app; for an executor login, its
-- registered queues (all of them when it names none). (Internal, called by the
-- definer-rights claim functions below.)
DECLARE
    e public.executor_login%ROWTYPE;
    v_refused text[];
BEGIN
    IF public.fn_caller_names_actor() THEN
        RETURN p_queues;
    END IF;
    SELECT * INTO e FROM public.executor_login WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
            USING ERRCODE = 'QG002';
    END IF;
    IF e.queues IS NULL THEN
        -- any queue but the app's maintenance queue
        IF 'maintenance' = ANY (p_queues) THEN
            RAISE EXCEPTION 'executor_queue_refused: executor % may not claim the app''s own maintenance queue',
                    session_user
                USING ERRCODE = 'QG002';
        END IF;
        RETURN coalesce(p_queues, ARRAY(SELECT queue_name FROM public.queue_state WHERE queue_name <> 'maintenance'));
    END IF;
    IF p_queues IS NULL THEN
        RETURN e.queues;
    END IF;
    SELECT array_agg(q) INTO v_refused FROM unnest(p_queues) q WHERE q <> ALL (e.queues);
    IF v_refused IS NOT NULL THEN
        RAISE EXCEPTION 'executor_queue_refused: executor % may claim from %, not %', session_user,
                array_to_string(e.queues, ', '), array_to_string(v_refused, ', ')
            USING ERRCODE = 'QG002';
    END IF;
    RETURN p_queues;
END;
$$;

ALTER FUNCTION public.fn_executor_claim_queues(p_queues text[]) OWNER TO queuegov_owner;

--
-- Name: fn_executor_login_register(name, text, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_executor_login_register(p_role_name name, p_executor_kind text, p_queues text[] DEFAULT NULL::text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Owner only (manage.py executor_credentials creates the login, then calls this).
DECLARE
    v_actor   text := fn_actor_governed();
    v_missing text[];
    v_answer  jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role_name) THEN
        RAISE EXCEPTION 'unknown_role: % is not a database role', p_role_name USING ERRCODE = 'QG005';
    END IF;
    IF NOT pg_has_role(p_role_name, fn_db_role('executor'), 'MEMBER') THEN
        RAISE EXCEPTION 'not_executor: % is not a member of the executor role', p_role_name USING ERRCODE = 'QG002';
    END IF;
    SELECT array_agg(q) INTO v_missing FROM unnest(p_queues) q WHERE q NOT IN (SELECT queue_name FROM queue_state);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_queue: % not registered (see queue_state)', array_to_string(v_missing, ', ')
            USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO executor_login (role_name, executor_kind, queues, created_by)
    VALUES (p_role_name, p_executor_kind, p_queues, v_actor)
    ON CONFLICT (role_name) DO UPDATE SET executor_kind = EXCLUDED.executor_kind, queues = EXCLUDED.queues;
    v_answer := jsonb_build_object('status', 'registered', 'role_name', p_role_name, 'executor_kind', p_executor_kind,
                                   'queues', to_jsonb(p_queues));
    RETURN fn_act_audit(v_answer, 'executor.register', 'executor_login', ARRAY[p_role_name::text], NULL, NULL,
        format('executor login %s (%s) may claim from %s', p_role_name, p_executor_kind,
               coalesce(array_to_string(p_queues, ', '), 'any queue')));
END;
$$;

ALTER FUNCTION public.fn_executor_login_register(p_role_name name, p_executor_kind text, p_queues text[]) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_approve(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_approve(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_gate_change_decision_before(p_request_id);
    v        jsonb;
BEGIN
    v := fn_gate_change_approve_unaudited(p_request_id, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'gate_change.approve', 'gate_change_request', ARRAY[p_request_id::text], p_reason, v_before,
        format('applied %s: %s → %s', v ->> 'key', v -> 'old_value', v -> 'new_value'));
END;
$$;

ALTER FUNCTION public.fn_gate_change_approve(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_approve_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_approve_unaudited(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Approval applies the change in this transaction.
DECLARE
    v_actor   text := fn_actor_required();
    r         gate_change_request%ROWTYPE;
    v_current jsonb;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by = v_actor THEN
        RAISE EXCEPTION 'four_eyes: approver must differ from requester (% requested gate change %)', v_actor, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: approving a gate change needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT value INTO v_current FROM dot_config WHERE key = r.config_key FOR UPDATE;
    IF v_current IS DISTINCT FROM r.old_value THEN
        RAISE EXCEPTION 'stale_request: % changed since request % was filed (was %, now %); reject it and file a new one',
                r.config_key, p_request_id, r.old_value::text, v_current::text
            USING ERRCODE = 'QG003';
    END IF;
    PERFORM fn_config_validate(r.config_key, r.new_value);

    -- The dot_config guard (dot_config_four_eyes_only) admits exactly this write.
    PERFORM set_config('queuegov.gate_change_request_id', p_request_id::text, true);
    UPDATE dot_config
       SET value = r.new_value, updated_at = clock_timestamp(), updated_by = v_actor
     WHERE key = r.config_key;
    PERFORM set_config('queuegov.gate_change_request_id', '', true);

    UPDATE gate_change_request
       SET status = 'applied', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = btrim(p_reason)
     WHERE id = p_request_id;
    PERFORM fn_event_capture('governance.gate_changed', 'gate_change_request', p_request_id::text,
                             jsonb_build_object('key', r.config_key, 'old_value', r.old_value, 'new_value', r.new_value,
                                                'requested_by', r.requested_by, 'approved_by', v_actor));

    RETURN jsonb_build_object('status', 'applied', 'request_id', p_request_id, 'key', r.config_key,
                              'old_value', r.old_value, 'new_value', r.new_value);
END;
$$;

ALTER FUNCTION public.fn_gate_change_approve_unaudited(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_decision_before(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_decision_before(p_request_id bigint) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object('status', status, 'config_id', config_key, 'new_value', new_value)
      FROM gate_change_request WHERE id = p_request_id
$$;

ALTER FUNCTION public.fn_gate_change_decision_before(p_request_id bigint) OWNER TO queuegov_owner;

--
-- Name: gate_change_request; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.gate_change_request (
    id bigint NOT NULL,
    config_key text NOT NULL,
    old_value jsonb NOT NULL,
    new_value jsonb NOT NULL,
    reason text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    decided_by text,
    decided_at timestamp with time zone,
    decision_reason text,
    CONSTRAINT four_eyes_decider_differs CHECK (((status <> ALL (ARRAY['applied'::text, 'rejected'::text])) OR (decided_by IS DISTINCT FROM requested_by))),
    CONSTRAINT gate_change_changes_something CHECK ((new_value IS DISTINCT FROM old_value)),
    CONSTRAINT gate_change_decision_complete CHECK ((((status = 'pending'::text) = (decided_at IS NULL)) AND ((status = 'pending'::text) = (decided_by IS NULL)))),
    CONSTRAINT gate_change_reason_required CHECK ((length(btrim(reason)) >= 3)),
    CONSTRAINT gate_change_status_allowed CHECK ((status = ANY (ARRAY['pending'::text, 'applied'::text, 'rejected'::text, 'withdrawn'::text])))
);

ALTER TABLE public.gate_change_request OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT four_eyes_decider_differs ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT four_eyes_decider_differs ON public.gate_change_request IS 'a gate change is approved or rejected by someone other than its requester (four eyes): ask a second person to decide it';

--
-- Name: CONSTRAINT gate_change_changes_something ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT gate_change_changes_something ON public.gate_change_request IS 'a gate change request changes the value: ask for a value different from the current one';

--
-- Name: CONSTRAINT gate_change_decision_complete ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT gate_change_decision_complete ON public.gate_change_request IS 'a pending gate change has no decider and no decision time, a decided one has both: decide it with fn_gate_change_approve, fn_gate_change_reject or fn_gate_change_withdraw';

--
-- Name: CONSTRAINT gate_change_reason_required ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT gate_change_reason_required ON public.gate_change_request IS 'a gate change request gives a reason of at least 3 characters: say why the change is needed';

--
-- Name: CONSTRAINT gate_change_status_allowed ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT gate_change_status_allowed ON public.gate_change_request IS 'a gate change request is pending, applied, rejected or withdrawn: move it only with fn_gate_change_approve, fn_gate_change_reject or fn_gate_change_withdraw';

--
-- Name: fn_gate_change_lock_pending(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_lock_pending(p_request_id bigint) RETURNS public.gate_change_request
    LANGUAGE plpgsql
    AS $$
DECLARE
    r gate_change_request%ROWTYPE;
BEGIN
    SELECT * INTO r FROM gate_change_request WHERE id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_request: gate change request % does not exist', p_request_id USING ERRCODE = 'QG005';
    END IF;
    IF r.status <> 'pending' THEN
        RAISE EXCEPTION 'not_pending: gate change request % is % and cannot be decided again', p_request_id, r.status
            USING ERRCODE = 'QG003';
    END IF;
    RETURN r;
END;
$$;

ALTER FUNCTION public.fn_gate_change_lock_pending(p_request_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_reject(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_reject(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_gate_change_decision_before(p_request_id);
    v        jsonb;
BEGIN
    v := fn_gate_change_reject_unaudited(p_request_id, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'gate_change.reject', 'gate_change_request', ARRAY[p_request_id::text], p_reason, v_before,
        format('rejected request #%s for %s', p_request_id, v ->> 'key'));
END;
$$;

ALTER FUNCTION public.fn_gate_change_reject(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_reject_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_reject_unaudited(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    r       gate_change_request%ROWTYPE;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by = v_actor THEN
        RAISE EXCEPTION 'four_eyes: rejecter must differ from requester (% requested gate change %; withdraw it instead)', v_actor, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: rejecting a gate change needs a reason' USING ERRCODE = 'QG008';
    END IF;
    UPDATE gate_change_request
       SET status = 'rejected', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = btrim(p_reason)
     WHERE id = p_request_id;
    PERFORM fn_event_capture('governance.gate_change_rejected', 'gate_change_request', p_request_id::text,
                             jsonb_build_object('key', r.config_key, 'new_value', r.new_value,
                                                'requested_by', r.requested_by, 'rejected_by', v_actor));
    RETURN jsonb_build_object('status', 'rejected', 'request_id', p_request_id, 'key', r.config_key);
END;
$$;

ALTER FUNCTION public.fn_gate_change_reject_unaudited(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_request(text, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_id    bigint;
    v_old   jsonb;
BEGIN
    v_id := fn_gate_change_request_unaudited(p_key, p_new_value, fn_reason_checked(p_reason));
    SELECT old_value INTO v_old FROM gate_change_request WHERE id = v_id;
    PERFORM fn_act_audit(
        jsonb_build_object('status', 'requested', 'request_id', v_id, 'key', p_key, 'requested_value', p_new_value),
        'gate_change.request', 'dot_config', ARRAY[p_key], p_reason,
        jsonb_build_object('key', p_key, 'value', v_old),
        format('requested %s → %s (request #%s)', p_key, p_new_value::text, v_id));
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_request_unaudited(text, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_request_unaudited(p_key text, p_new_value jsonb, p_reason text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/queuegov/0010's: the request assigns its approval to the approver role.)
DECLARE
    v_actor text := fn_actor_required();
    v_old   jsonb;
    v_id    bigint;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: a gate change request needs a reason' USING ERRCODE = 'QG008';
    END IF;
    PERFORM fn_config_validate(p_key, p_new_value);
    SELECT value INTO v_old FROM dot_config WHERE key = p_key FOR SHARE;
    IF v_old = p_new_value THEN
        RAISE EXCEPTION 'no_change: % is already %', p_key, v_old::text USING ERRCODE = 'QG004';
    END IF;
    IF EXISTS (SELECT 1 FROM gate_change_request WHERE config_key = p_key AND status = 'pending') THEN
        RAISE EXCEPTION 'request_pending: % already has a pending change request; approve, reject or withdraw it first', p_key
            USING ERRCODE = 'QG003';
    END IF;
    INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)
    VALUES (p_key, v_old, p_new_value, btrim(p_reason), v_actor)
    RETURNING id INTO v_id;
    -- One approval mechanism (docs/workflows.md): the approver role's task list and
    -- inbox carry the request; deciding the approval decides it (fn_task_approval_apply).
    PERFORM fn_task_insert('approval', jsonb_build_object(
                'title', left(format('Approve gate change #%s: %s to %s', v_id, p_key, p_new_value::text), 200),
                'description', left(btrim(p_reason), 2000),
                'assignee', jsonb_build_object('role', 'approver'),
                'approves', jsonb_build_object('table', 'gate_change_request', 'ref', v_id::text)),
            NULL, NULL, NULL);
    -- L1 capture (the event substrate turns it into governance.gate_change_requested)
    PERFORM fn_event_capture('governance.gate_change_requested', 'gate_change_request', v_id::text,
                             jsonb_build_object('key', p_key, 'old_value', v_old, 'new_value', p_new_value,
                                                'requested_by', v_actor));
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_gate_change_request_unaudited(p_key text, p_new_value jsonb, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_withdraw(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_withdraw(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_gate_change_decision_before(p_request_id);
    v        jsonb;
BEGIN
    v := fn_gate_change_withdraw_unaudited(p_request_id, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'gate_change.withdraw', 'gate_change_request', ARRAY[p_request_id::text], p_reason, v_before,
        format('withdrew request #%s for %s', p_request_id, v ->> 'key'));
END;
$$;

ALTER FUNCTION public.fn_gate_change_withdraw(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_change_withdraw_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_change_withdraw_unaudited(p_request_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    r       gate_change_request%ROWTYPE;
BEGIN
    r := fn_gate_change_lock_pending(p_request_id);
    IF r.requested_by <> v_actor THEN
        RAISE EXCEPTION 'not_requester: only % can withdraw gate change %', r.requested_by, p_request_id
            USING ERRCODE = 'QG002';
    END IF;
    UPDATE gate_change_request
       SET status = 'withdrawn', decided_by = v_actor, decided_at = clock_timestamp(),
           decision_reason = nullif(btrim(coalesce(p_reason, '')), '')
     WHERE id = p_request_id;
    RETURN jsonb_build_object('status', 'withdrawn', 'request_id', p_request_id, 'key', r.config_key);
END;
$$;

ALTER FUNCTION public.fn_gate_change_withdraw_unaudited(p_request_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_closed_result(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_closed_result(p_key text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_object('status', 'gate_closed', 'gate', p_key);
$$;

ALTER FUNCTION public.fn_gate_closed_result(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_create(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_create(p_key text, p_description text) RETURNS text
    LANGUAGE plpgsql
    AS $$
-- A subject's own gate, born OFF. A subject made again under the same name
-- never inherits the old approval: an existing gate of that key is closed.
-- The dot_config guard admits exactly this write (OFF, for the key named in
-- queuegov.subject_gate), so no DDL runs at run time.
BEGIN
    PERFORM set_config('queuegov.subject_gate', p_key, true);
    INSERT INTO dot_config (key, value, kind, value_type, description, updated_by)
    VALUES (p_key, 'false', 'gate', 'boolean', p_description, coalesce(fn_actor(), 'system:migration'))
    ON CONFLICT (key) DO UPDATE
        SET value = 'false', description = EXCLUDED.description, updated_at = clock_timestamp(),
            updated_by = EXCLUDED.updated_by
        WHERE dot_config.value <> 'false' OR dot_config.description <> EXCLUDED.description;
    PERFORM set_config('queuegov.subject_gate', '', true);
    RETURN p_key;
END;
$$;

ALTER FUNCTION public.fn_gate_create(p_key text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_open(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_open(p_key text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
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

ALTER FUNCTION public.fn_gate_open(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_open_locked(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_open_locked(p_key text) RETURNS boolean
    LANGUAGE sql
    AS $$
    -- A subject's gate read under a share lock: a write that depends on it waits for a
    -- concurrent approval of a change of that gate, then reads the approved value.
    SELECT coalesce((SELECT value = 'true'::jsonb FROM dot_config WHERE key = p_key FOR SHARE), false);
$$;

ALTER FUNCTION public.fn_gate_open_locked(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_gate_subject_ready(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_gate_subject_ready(p_key text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
-- A gate that switches a subject (an event type, an outbound route) opens only
-- when the subject could follow; asked when the opening is requested, so
-- nobody is asked to approve what cannot apply.
DECLARE
    r iu_outbound_route%ROWTYPE;
BEGIN
    PERFORM fn_event_type_ready(t.event_type) FROM event_type_registry t WHERE t.gate_key = p_key;
    SELECT * INTO r FROM iu_outbound_route WHERE gate_key = p_key;
    IF FOUND AND r.action_kind = 'call_function' THEN
        PERFORM fn_iu_route_target_callable(r.target);
    ELSIF FOUND AND r.action_kind = 'enqueue_job' THEN
        PERFORM fn_job_kind_class(r.target);
    END IF;
END;
$$;

ALTER FUNCTION public.fn_gate_subject_ready(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_governance_problem_raise(text, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_governance_problem_raise(p_problem text, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text, p_detail jsonb DEFAULT '{}'::jsonb, p_correlation_id text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Anyone acting (a person, an executor, the health check) raises a governance
-- problem; it becomes governance.problem.raised (critical, immediate lane).
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    IF p_problem IS NULL OR length(btrim(p_problem)) < 3 THEN
        RAISE EXCEPTION 'reason_required: a governance problem needs a description' USING ERRCODE = 'QG008';
    END IF;
    RETURN fn_event_capture('governance.problem.raised', p_subject_table, p_subject_ref,
                            jsonb_build_object('problem', left(btrim(p_problem), 500), 'raised_by', v_actor)
                            || coalesce(p_detail, '{}'),
                            p_correlation_id);
END;
$$;

ALTER FUNCTION public.fn_governance_problem_raise(p_problem text, p_subject_table text, p_subject_ref text, p_detail jsonb, p_correlation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_axis_result(text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_axis_result(p_check text, p_problems jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    -- {"check", "ok", "problem_count", "problems": first 100 [{"piece_no", "problem"}]}
    SELECT jsonb_build_object(
        'check', p_check,
        'ok', coalesce(jsonb_array_length(p_problems), 0) = 0,
        'problem_count', coalesce(jsonb_array_length(p_problems), 0),
        'problems', coalesce((SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(p_problems) WITH ORDINALITY AS t(e, i)
                              WHERE i <= 100), '[]'::jsonb));
$$;

ALTER FUNCTION public.fn_iu_axis_result(p_check text, p_problems jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_iu_cut_from_manifest(bigint, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    v_actor      text := fn_actor_required();
    v_now        timestamptz := coalesce(p_now, now());
    v_current    text := nullif(lower(btrim(coalesce(p_current_source_hash, ''))), '');
    r            iu_staging_record%ROWTYPE;
    v_held       integer;
    v_altered    integer;
    v_digest     text;
    v_run        bigint;
    v_superseded integer;
    v_units      integer;
    v_linked     integer;
    v_first      bigint;
    v_last       bigint;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'G1 record_missing: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status <> 'approved' THEN
        RAISE EXCEPTION 'G2 not_approved: staging record % is %; only approved manifests are cut', r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF r.approved_at IS NULL OR r.approval_doc_id IS NULL OR btrim(r.approval_doc_id) = '' THEN
        RAISE EXCEPTION 'G3 approval_missing: staging record % has no complete approval (approved_at %, approval_doc_id %)',
                r.id, coalesce(r.approved_at::text, 'missing'), coalesce(quote_literal(r.approval_doc_id), 'missing')
            USING ERRCODE = 'QG003';
    END IF;
    IF r.expires_at <= v_now THEN
        RAISE EXCEPTION 'G4 expired: staging record % expired at %; mark the source again', r.id, r.expires_at
            USING ERRCODE = 'QG003';
    END IF;
    IF r.digest IS NULL OR r.digest !~ '^[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'G5 digest_malformed: staging record % has digest %, not 32 hex characters',
                r.id, quote_nullable(r.digest)
            USING ERRCODE = 'QG004';
    END IF;
    IF v_current IS DISTINCT FROM r.source_hash THEN
        RAISE EXCEPTION 'G6 source_changed: % is not the source that was marked (hash at mark %, now %); mark it again and have the new manifest approved',
                r.source_ref, r.source_hash, coalesce(v_current, 'unavailable')
            USING ERRCODE = 'QG003';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE piece_hash IS DISTINCT FROM md5(piece_text))
      INTO v_held, v_altered
      FROM iu_staging_payload WHERE record_id = r.id;
    v_digest := fn_iu_manifest_digest(r.source_hash, r.source_bytes, fn_iu_manifest_pieces(r.id));
    IF v_held <> r.piece_count OR v_altered > 0 OR v_digest <> r.digest THEN
        RAISE EXCEPTION 'G7 payload_incomplete: staging record % holds % of % pieces (% altered); they hash to %, the digest is %',
                r.id, v_held, r.piece_count, v_altered, v_digest, r.digest
            USING ERRCODE = 'QG003';
    END IF;

    -- One cut per document at a time: the next one waits here, then (in a new
    -- statement snapshot) sees and supersedes the units this one made.
    PERFORM pg_advisory_xact_lock(hashtext('queuegov.iu_cut:' || r.doc_code));

    v_run := fn_iu_run_open('cut', 'apply', r.id,
                            jsonb_build_object('record_id', r.id, 'current_source_hash', v_current));

    UPDATE information_unit SET superseded_at = clock_timestamp(), superseded_by_run_id = v_run
     WHERE doc_code = r.doc_code AND superseded_at IS NULL;
    GET DIAGNOSTICS v_superseded = ROW_COUNT;

    -- section_code: doc_code/1.2.3 numbers each piece among its siblings in
    -- document order; preambles are P1, P2 …
    WITH RECURSIVE p AS (
        SELECT * FROM iu_staging_payload WHERE record_id = r.id
    ),
    numbered AS (
        SELECT p.piece_no, p.parent_piece_no, p.section_type,
               row_number() OVER (PARTITION BY p.parent_piece_no, p.section_type = 'preamble' ORDER BY p.sort_order) AS n
          FROM p
    ),
    tree (piece_no, code) AS (
        SELECT piece_no, CASE WHEN section_type = 'preamble' THEN 'P' || n ELSE n::text END
          FROM numbered WHERE parent_piece_no IS NULL
        UNION ALL
        SELECT c.piece_no, t.code || '.' || c.n
          FROM numbered c JOIN tree t ON c.parent_piece_no = t.piece_no
    )
    INSERT INTO information_unit (doc_code, section_code, section_type, sort_order, title, body, body_hash, piece_no,
                                  consumed_from_record_id, created_by_run_id, created_by)
    SELECT r.doc_code, r.doc_code || '/' || t.code, p.section_type, p.sort_order, p.heading, p.piece_text,
           p.piece_hash, p.piece_no, r.id, v_run, v_actor
      FROM p JOIN tree t USING (piece_no)
     ORDER BY p.sort_order;
    GET DIAGNOSTICS v_units = ROW_COUNT;
    IF v_units <> r.piece_count THEN
        RAISE EXCEPTION 'G7 payload_incomplete: staging record % has % pieces but only % are reachable from a root',
                r.id, r.piece_count, v_units
            USING ERRCODE = 'QG003';
    END IF;

    UPDATE information_unit u
       SET parent_id = parent.id
      FROM iu_staging_payload p
      JOIN information_unit parent ON parent.consumed_from_record_id = p.record_id AND parent.piece_no = p.parent_piece_no
     WHERE p.record_id = r.id AND u.consumed_from_record_id = r.id AND u.piece_no = p.piece_no;
    GET DIAGNOSTICS v_linked = ROW_COUNT;

    UPDATE iu_staging_record
       SET lifecycle_status = 'consumed', consumed_at = v_now, consumed_by_run_id = v_run, last_run_id = v_run
     WHERE id = r.id;

    SELECT min(id), max(id) INTO v_first, v_last FROM information_unit WHERE created_by_run_id = v_run;
    PERFORM fn_iu_staging_capture('staging.record_consumed', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'units', v_units, 'superseded', v_superseded,
                           'lifecycle_status', 'consumed'));
    PERFORM fn_event_capture('iu.unit_created', 'information_unit', u.id::text,
                             jsonb_build_object('unit_id', u.id, 'doc_code', u.doc_code, 'section_code', u.section_code,
                                                'section_type', u.section_type, 'sort_order', u.sort_order,
                                                'parent_id', u.parent_id, 'record_id', r.id, 'run_id', v_run),
                             'dot_iu_command_run:' || v_run, 'iu_staging_record:' || r.id, NULL,
                             'dot_iu_command_run:' || v_run)
       FROM information_unit u WHERE u.created_by_run_id = v_run ORDER BY u.sort_order;

    PERFORM fn_iu_run_close(v_run, 'succeeded', jsonb_build_object(
        'guards', jsonb_build_object('G1', 'ok', 'G2', 'ok', 'G3', 'ok', 'G4', 'ok', 'G5', 'ok', 'G6', 'ok', 'G7', 'ok'),
        'record_id', r.id, 'doc_code', r.doc_code, 'units', v_units, 'parent_links', v_linked,
        'superseded', v_superseded, 'first_unit_id', v_first, 'last_unit_id', v_last, 'digest', r.digest));
    RETURN jsonb_build_object('status', 'consumed', 'record_id', r.id, 'run_id', v_run, 'doc_code', r.doc_code,
                              'units', v_units, 'superseded', v_superseded, 'lifecycle_status', 'consumed');
END;
$_$;

ALTER FUNCTION public.fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_dot_command_enqueue(text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_dot_command_enqueue_unaudited(text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_dot_command_enqueue_unaudited(p_command text, p_reason text, p_idempotency_key text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
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

ALTER FUNCTION public.fn_iu_dot_command_enqueue_unaudited(p_command text, p_reason text, p_idempotency_key text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_dot_command_on_queue(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_dot_command_on_queue(p_command text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
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

ALTER FUNCTION public.fn_iu_dot_command_on_queue(p_command text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_dot_command_run(bigint, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_json_is_int(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_json_is_int(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT p IS NOT NULL AND jsonb_typeof(p) = 'number' AND p::text ~ '^-?[0-9]{1,9}$';
$_$;

ALTER FUNCTION public.fn_iu_json_is_int(p jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_iu_lifecycle_log_capture(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_lifecycle_log_capture() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO iu_lifecycle_log (record_id, from_status, to_status, actor, run_id)
    VALUES (NEW.id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_status END,
            NEW.lifecycle_status,
            coalesce(fn_actor(), 'db:' || session_user),
            NEW.last_run_id);
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_iu_lifecycle_log_capture() OWNER TO queuegov_owner;

--
-- Name: fn_iu_manifest_digest(text, bigint, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT md5(p_source_hash || p_source_bytes::text || p_pieces::text);
$$;

ALTER FUNCTION public.fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_iu_manifest_pieces(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_manifest_pieces(p_record_id bigint) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT fn_iu_pieces_canonical(ARRAY(SELECT p FROM iu_staging_payload p WHERE p.record_id = p_record_id));
$$;

ALTER FUNCTION public.fn_iu_manifest_pieces(p_record_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_mark_create_manifest(text, text, text, bigint, text, jsonb, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_mark_create_manifest(p_idempotency_key text, p_source_ref text, p_source_hash text, p_source_bytes bigint, p_doc_code text, p_pieces jsonb, p_source_kind text DEFAULT 'file'::text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
-- One iu_staging_record (pending_review, expires_at = now + iu_core.staging_ttl_days,
-- digest = md5(source_hash ‖ source_bytes ‖ pieces::text), vector_excluded)
-- and one iu_staging_payload row per piece. Idempotent: the same
-- idempotency_key with the same content_hash answers "duplicate"; the same
-- key with other content is refused (idempotency_conflict).
--
-- p_pieces: [{"piece_no": 1, "sort_order": 1, "section_type": "document",
--             "heading": "Title", "parent_piece_no": null, "text": "…"}, …]
DECLARE
    v_actor   text := fn_actor_required();
    v_now     timestamptz := coalesce(p_now, now());
    v_hash    text := lower(btrim(coalesce(p_source_hash, '')));
    v_elem    jsonb;
    v_i       bigint;
    v_dup     integer;
    v_rows    iu_staging_payload[];
    v_content text;
    v_digest  text;
    v_run     bigint;
    v_id      bigint;
    r         iu_staging_record%ROWTYPE;
    v_params  jsonb;
BEGIN
    IF p_idempotency_key IS NULL OR btrim(p_idempotency_key) = '' THEN
        RAISE EXCEPTION 'invalid_manifest: an idempotency_key is required' USING ERRCODE = 'QG004';
    END IF;
    IF p_source_ref IS NULL OR btrim(p_source_ref) = '' THEN
        RAISE EXCEPTION 'invalid_manifest: a source_ref is required' USING ERRCODE = 'QG004';
    END IF;
    IF v_hash !~ '^[0-9a-f]{32,128}$' THEN
        RAISE EXCEPTION 'invalid_manifest: source_hash must be a hex digest (md5 or sha-*), not %', quote_nullable(p_source_hash)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_source_bytes IS NULL OR p_source_bytes < 0 THEN
        RAISE EXCEPTION 'invalid_manifest: source_bytes must be >= 0' USING ERRCODE = 'QG004';
    END IF;
    IF p_doc_code IS NULL OR p_doc_code !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' THEN
        RAISE EXCEPTION 'invalid_manifest: doc_code % must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', quote_nullable(p_doc_code)
            USING ERRCODE = 'QG004';
    END IF;
    IF coalesce(p_source_kind, '') NOT IN ('file', 'inline') THEN
        RAISE EXCEPTION 'invalid_manifest: source_kind must be file or inline, not %', quote_nullable(p_source_kind)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_pieces IS NULL OR jsonb_typeof(p_pieces) <> 'array' OR jsonb_array_length(p_pieces) = 0 THEN
        RAISE EXCEPTION 'invalid_manifest: pieces must be a non-empty JSON array' USING ERRCODE = 'QG004';
    END IF;
    FOR v_elem, v_i IN SELECT value, ordinality FROM jsonb_array_elements(p_pieces) WITH ORDINALITY LOOP
        IF jsonb_typeof(v_elem) <> 'object' THEN
            RAISE EXCEPTION 'invalid_manifest: element % of pieces is not an object', v_i USING ERRCODE = 'QG004';
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_object_keys(v_elem) AS k WHERE lower(k) ~ '^(vector|embedding)') THEN
            RAISE EXCEPTION 'no_vector_in_staging: piece % carries a vector or embedding; staging records are vector_excluded', v_i
                USING ERRCODE = 'QG004';
        END IF;
        IF NOT fn_iu_json_is_int(v_elem -> 'piece_no') OR (v_elem ->> 'piece_no')::integer < 1 THEN
            RAISE EXCEPTION 'invalid_manifest: element % of pieces needs piece_no, a positive integer', v_i USING ERRCODE = 'QG004';
        END IF;
        IF jsonb_typeof(v_elem -> 'text') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'invalid_manifest: piece % needs text, a string', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'sort_order'), 'null') <> 'null' AND NOT fn_iu_json_is_int(v_elem -> 'sort_order') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: sort_order must be an integer or null', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'parent_piece_no'), 'null') <> 'null' AND NOT fn_iu_json_is_int(v_elem -> 'parent_piece_no') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: parent_piece_no must be an integer or null', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
        IF coalesce(jsonb_typeof(v_elem -> 'section_type'), 'null') NOT IN ('null', 'string')
           OR coalesce(jsonb_typeof(v_elem -> 'heading'), 'null') NOT IN ('null', 'string') THEN
            RAISE EXCEPTION 'invalid_manifest: piece %: section_type and heading must be strings', v_elem ->> 'piece_no' USING ERRCODE = 'QG004';
        END IF;
    END LOOP;
    SELECT (e ->> 'piece_no')::integer INTO v_dup
      FROM jsonb_array_elements(p_pieces) e GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1;
    IF v_dup IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_manifest: piece_no % appears more than once', v_dup USING ERRCODE = 'QG004';
    END IF;

    SELECT array_agg(ROW(NULL, NULL, (e ->> 'piece_no')::integer, (e ->> 'sort_order')::integer, e ->> 'section_type',
                         coalesce(e ->> 'heading', ''), (e ->> 'parent_piece_no')::integer, e ->> 'text',
                         md5(e ->> 'text'))::iu_staging_payload
                     ORDER BY (e ->> 'piece_no')::integer)
      INTO v_rows FROM jsonb_array_elements(p_pieces) e;
    v_content := md5(fn_iu_pieces_canonical(v_rows)::text);
    v_digest := fn_iu_manifest_digest(v_hash, p_source_bytes, fn_iu_pieces_canonical(v_rows));
    v_params := jsonb_build_object('idempotency_key', p_idempotency_key, 'source_ref', p_source_ref,
                                   'source_hash', v_hash, 'source_bytes', p_source_bytes, 'doc_code', p_doc_code,
                                   'source_kind', p_source_kind, 'pieces', cardinality(v_rows), 'content_hash', v_content);

    v_run := fn_iu_run_open('mark_file', 'apply', NULL, v_params);
    INSERT INTO iu_staging_record (idempotency_key, content_hash, source_kind, source_ref, source_hash, source_bytes,
                                   doc_code, piece_count, digest, marked_by, marked_at, expires_at, last_run_id)
    VALUES (p_idempotency_key, v_content, p_source_kind, p_source_ref, v_hash, p_source_bytes, p_doc_code,
            cardinality(v_rows), v_digest, v_actor, v_now,
            v_now + make_interval(days => fn_setting_int('iu_core.staging_ttl_days')::integer), v_run)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT * INTO r FROM iu_staging_record WHERE idempotency_key = p_idempotency_key;
        IF r.content_hash <> v_content THEN
            RAISE EXCEPTION 'idempotency_conflict: % was marked as staging record % with content_hash %, not %',
                    p_idempotency_key, r.id, r.content_hash, v_content
                USING ERRCODE = 'QG003';
        END IF;
        PERFORM fn_iu_run_close(v_run, 'duplicate',
                                jsonb_build_object('record_id', r.id, 'lifecycle_status', r.lifecycle_status,
                                                   'detail', 'already marked with the same content'), r.id);
        RETURN jsonb_build_object('status', 'duplicate', 'record_id', r.id, 'run_id', v_run,
                                  'lifecycle_status', r.lifecycle_status, 'digest', r.digest,
                                  'pieces', r.piece_count, 'marked_by', r.marked_by);
    END IF;

    INSERT INTO iu_staging_payload (record_id, piece_no, sort_order, section_type, heading, parent_piece_no,
                                    piece_text, piece_hash)
    SELECT v_id, p.piece_no, p.sort_order, p.section_type, p.heading, p.parent_piece_no, p.piece_text, p.piece_hash
      FROM unnest(v_rows) AS p;

    PERFORM fn_iu_staging_capture('staging.record_created', v_id, v_run,
        jsonb_build_object('doc_code', p_doc_code, 'source_ref', p_source_ref, 'pieces', cardinality(v_rows),
                           'marked_by', v_actor, 'lifecycle_status', 'pending_review'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            jsonb_build_object('record_id', v_id, 'pieces', cardinality(v_rows), 'digest', v_digest,
                                               'content_hash', v_content, 'lifecycle_status', 'pending_review'),
                            v_id);
    RETURN jsonb_build_object('status', 'created', 'record_id', v_id, 'run_id', v_run,
                              'lifecycle_status', 'pending_review', 'digest', v_digest, 'pieces', cardinality(v_rows),
                              'expires_at', (SELECT expires_at FROM iu_staging_record WHERE id = v_id));
END;
$_$;

ALTER FUNCTION public.fn_iu_mark_create_manifest(p_idempotency_key text, p_source_ref text, p_source_hash text, p_source_bytes bigint, p_doc_code text, p_pieces jsonb, p_source_kind text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_mark_verdict(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_mark_verdict(p_record_id bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
-- The verdict of a manifest's pieces, changing nothing:
--   A sort_order complete (1..N) and unique
--   B section_type in the vocabulary (fn_iu_section_types)
--   C parent refs resolvable: the parent is a piece of this manifest, not the
--     piece itself, precedes it, can contain it, and no chain loops
-- {"verdict": "passed" | "problems", "axes": {"A": …, "B": …, "C": …}, …}
DECLARE
    v_expected integer;
    v_n integer;
    v_a jsonb;
    v_b jsonb;
    v_c jsonb;
    v_total integer;
BEGIN
    SELECT piece_count INTO v_expected FROM iu_staging_record WHERE id = p_record_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    SELECT count(*) INTO v_n FROM iu_staging_payload WHERE record_id = p_record_id;

    -- Axis A
    WITH p AS (SELECT piece_no, sort_order FROM iu_staging_payload WHERE record_id = p_record_id),
    problems AS (
        SELECT NULL::integer AS piece_no, format('the manifest lists %s pieces but holds %s', v_expected, v_n) AS problem
         WHERE v_expected <> v_n
        UNION ALL
        SELECT piece_no, 'sort_order is missing' FROM p WHERE sort_order IS NULL
        UNION ALL
        SELECT piece_no, format('sort_order %s is outside 1..%s', sort_order, v_n)
          FROM p WHERE sort_order < 1 OR sort_order > v_n
        UNION ALL
        SELECT a.piece_no, format('sort_order %s is also used by piece %s', a.sort_order,
                                  string_agg(b.piece_no::text, ', ' ORDER BY b.piece_no))
          FROM p a JOIN p b ON b.sort_order = a.sort_order AND b.piece_no <> a.piece_no
         GROUP BY a.piece_no, a.sort_order
        UNION ALL
        SELECT NULL, format('sort_order %s is not used by any piece', s)
          FROM generate_series(1, v_n) AS s WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.sort_order = s)
    )
    SELECT fn_iu_axis_result('sort_order complete (1..N) and unique',
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem', problem)
                                       ORDER BY piece_no NULLS LAST, problem))
      INTO v_a FROM problems;

    -- Axis B
    SELECT fn_iu_axis_result('section_type in the vocabulary: ' || array_to_string(fn_iu_section_types(), ', '),
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem',
                                       CASE WHEN section_type IS NULL THEN 'section_type is missing'
                                            ELSE format('section_type %s is not allowed; allowed values: %s',
                                                        quote_literal(section_type),
                                                        array_to_string(fn_iu_section_types(), ', ')) END)
                                       ORDER BY piece_no))
      INTO v_b
      FROM iu_staging_payload
     WHERE record_id = p_record_id AND (section_type IS NULL OR NOT (section_type = ANY (fn_iu_section_types())));

    -- Axis C
    WITH RECURSIVE p AS (
        SELECT piece_no, sort_order, section_type, parent_piece_no FROM iu_staging_payload WHERE record_id = p_record_id
    ),
    walk (start, cur, path, looped) AS (
        SELECT piece_no, parent_piece_no, ARRAY[piece_no], false
          FROM p WHERE parent_piece_no IS NOT NULL AND parent_piece_no <> piece_no
        UNION ALL
        SELECT w.start, q.parent_piece_no, w.path || w.cur, q.parent_piece_no = ANY (w.path || w.cur)
          FROM walk w JOIN p q ON q.piece_no = w.cur
         WHERE NOT w.looped AND q.parent_piece_no IS NOT NULL
    ),
    problems AS (
        SELECT c.piece_no, 'the piece is its own parent' AS problem
          FROM p c WHERE c.parent_piece_no = c.piece_no
        UNION ALL
        SELECT c.piece_no, format('parent piece %s does not exist in the manifest', c.parent_piece_no)
          FROM p c WHERE c.parent_piece_no IS NOT NULL AND c.parent_piece_no <> c.piece_no
           AND NOT EXISTS (SELECT 1 FROM p x WHERE x.piece_no = c.parent_piece_no)
        UNION ALL
        SELECT c.piece_no, format('parent piece %s (sort_order %s) does not precede it (sort_order %s)',
                                  par.piece_no, par.sort_order, c.sort_order)
          FROM p c JOIN p par ON par.piece_no = c.parent_piece_no AND par.piece_no <> c.piece_no
         WHERE par.sort_order >= c.sort_order
        UNION ALL
        SELECT c.piece_no, format('a preamble has no parent, but names piece %s', c.parent_piece_no)
          FROM p c WHERE c.section_type = 'preamble' AND c.parent_piece_no IS NOT NULL
        UNION ALL
        SELECT c.piece_no, format('parent piece %s is a %s and cannot contain a %s', par.piece_no, par.section_type,
                                  c.section_type)
          FROM p c JOIN p par ON par.piece_no = c.parent_piece_no AND par.piece_no <> c.piece_no
         WHERE fn_iu_section_rank(c.section_type) IS NOT NULL
           AND par.section_type = ANY (fn_iu_section_types())
           AND coalesce(fn_iu_section_rank(par.section_type), 99) >= fn_iu_section_rank(c.section_type)
        UNION ALL
        SELECT w.start, format('the parent chain loops back to it: %s', array_to_string(w.path || w.cur, ' → '))
          FROM walk w WHERE w.looped AND w.cur = w.start
    )
    SELECT fn_iu_axis_result('parent refs resolvable: parent exists in the manifest, precedes and can contain the piece, no cycles',
                             jsonb_agg(jsonb_build_object('piece_no', piece_no, 'problem', problem)
                                       ORDER BY piece_no, problem))
      INTO v_c FROM problems;

    v_total := (v_a ->> 'problem_count')::integer + (v_b ->> 'problem_count')::integer
             + (v_c ->> 'problem_count')::integer;
    RETURN jsonb_build_object(
        'verdict', CASE WHEN v_total = 0 THEN 'passed' ELSE 'problems' END,
        'record_id', p_record_id,
        'pieces', v_n,
        'problem_count', v_total,
        'axes', jsonb_build_object('A', v_a, 'B', v_b, 'C', v_c));
END;
$$;

ALTER FUNCTION public.fn_iu_mark_verdict(p_record_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_cleanup(boolean, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_cleanup(p_apply boolean DEFAULT false, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- CLEANUP: dry run unless p_apply (then gated by iu_core.retention_enabled).
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_staging_cleanup(p_apply, CASE WHEN p_apply THEN fn_clock(p_now, 'a cleanup') ELSE p_now END);
    RETURN fn_act_audit(v, CASE WHEN p_apply THEN 'staging.cleanup' ELSE 'staging.cleanup_dry_run' END,
                        'iu_staging_record', '{}', NULL, NULL,
                        CASE v ->> 'status'
                            WHEN 'dry_run' THEN format('dry run: would expire %s, clean %s (%s pieces), archive %s',
                                                       v ->> 'expire', v ->> 'clean', v ->> 'payload_rows', v ->> 'archive')
                            WHEN 'nothing_to_do' THEN 'nothing_to_do: no staging record is due'
                            WHEN 'gate_closed' THEN NULL
                            ELSE format('expired %s, cleaned %s (%s pieces deleted), archived %s', v ->> 'expired',
                                        v ->> 'cleaned', v ->> 'payload_rows', v ->> 'archived') END);
END;
$$;

ALTER FUNCTION public.fn_iu_op_cleanup(p_apply boolean, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_cleanup_dry_run(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_cleanup_dry_run(p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_iu_op_cleanup(false, p_now);
END;
$$;

ALTER FUNCTION public.fn_iu_op_cleanup_dry_run(p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_cut(bigint, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- CUT. The caller re-reads the source and passes the hash of what it holds now
-- (G6); the marking command hashes files with sha256.
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
BEGIN
    v := fn_iu_cut_from_manifest(p_record_id, p_current_source_hash, fn_clock(p_now, 'a cut'));
    RETURN fn_act_audit(v, 'staging.cut', 'iu_staging_record', ARRAY[p_record_id::text], NULL, v_before,
        format('cut staging record #%s into %s information units of %s', p_record_id, v ->> 'units', v ->> 'doc_code')
        || CASE WHEN jsonb_typeof(v -> 'superseded') = 'array' AND jsonb_array_length(v -> 'superseded') > 0
                THEN format(' (superseding %s)', v -> 'superseded') ELSE '' END);
END;
$$;

ALTER FUNCTION public.fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_mark_file(text, text, bigint, jsonb, text, text, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_mark_file(p_source_ref text, p_source_hash text, p_source_bytes bigint, p_pieces jsonb, p_doc_code text DEFAULT NULL::text, p_idempotency_key text DEFAULT NULL::text, p_source_kind text DEFAULT 'file'::text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
-- MARK: the idempotency key defaults to 'file:<source_ref>:<source_hash>'
-- (re-marking an unchanged file is a no-op) and doc_code to the upper-cased
-- file name without its extension.
DECLARE
    v_actor text := fn_actor_governed();
    v_doc   text := p_doc_code;
    v       jsonb;
BEGIN
    IF v_doc IS NULL OR btrim(v_doc) = '' THEN
        v_doc := upper(regexp_replace(
                     regexp_replace(regexp_replace(coalesce(p_source_ref, ''), '^.*/', ''), '\.[^.]*$', ''),
                     '[^A-Za-z0-9_.-]+', '-', 'g'));
        v_doc := left(regexp_replace(v_doc, '^[^A-Za-z0-9]+', ''), 64);
    END IF;
    v := fn_iu_mark_create_manifest(
        coalesce(nullif(btrim(p_idempotency_key), ''),
                 p_source_kind || ':' || p_source_ref || ':' || lower(btrim(coalesce(p_source_hash, '')))),
        p_source_ref, p_source_hash, p_source_bytes, v_doc, p_pieces, p_source_kind, p_now);
    RETURN fn_act_audit(v, 'staging.mark', 'iu_staging_record', ARRAY[v ->> 'record_id'], NULL, NULL,
        CASE WHEN v ->> 'status' = 'duplicate'
             THEN format('nothing_to_do: %s is unchanged and already marked as staging record #%s (%s)',
                         p_source_ref, v ->> 'record_id', v ->> 'lifecycle_status')
             ELSE format('marked %s as staging record #%s: %s pieces, pending_review', p_source_ref, v ->> 'record_id',
                         v ->> 'pieces') END);
END;
$_$;

ALTER FUNCTION public.fn_iu_op_mark_file(p_source_ref text, p_source_hash text, p_source_bytes bigint, p_pieces jsonb, p_doc_code text, p_idempotency_key text, p_source_kind text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_reject(bigint, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
BEGIN
    v := fn_iu_reject_manifest(p_record_id, fn_reason_checked(p_reason), fn_clock(p_now, 'a rejection'));
    RETURN fn_act_audit(v, 'staging.reject', 'iu_staging_record', ARRAY[p_record_id::text], p_reason, v_before,
                        format('rejected staging record #%s (was %s)', p_record_id, v ->> 'was'));
END;
$$;

ALTER FUNCTION public.fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_verify_cut(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_verify_cut(p_record_id bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- VERIFY-CUT: verifies the cut that consumed the manifest.
DECLARE
    v_actor text := fn_actor_governed();
    r iu_staging_record%ROWTYPE;
    v jsonb;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.consumed_by_run_id IS NULL THEN
        RAISE EXCEPTION 'not_cut: staging record % is % and was never cut; verify-cut needs a consumed manifest',
                r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    v := fn_iu_verify_cut_result(r.consumed_by_run_id);
    RETURN fn_act_audit(v, 'staging.verify_cut', 'iu_staging_record', ARRAY[p_record_id::text], NULL, NULL,
                        format('verify-cut of staging record #%s: %s', p_record_id, v ->> 'verdict'));
END;
$$;

ALTER FUNCTION public.fn_iu_op_verify_cut(p_record_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_op_verify_mark(bigint, boolean, text, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_op_verify_mark(p_record_id bigint, p_apply boolean DEFAULT false, p_approval_doc_id text DEFAULT NULL::text, p_reason text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- VERIFY-MARK: a dry run by default; p_apply => true approves (four-eyes).
DECLARE
    v_actor  text := fn_actor_governed();
    v_before jsonb := fn_iu_record_state(p_record_id);
    v        jsonb;
    v_summary text;
BEGIN
    v := fn_iu_verify_mark(p_record_id, p_apply, p_approval_doc_id, fn_reason_checked(p_reason),
                           CASE WHEN p_apply THEN fn_clock(p_now, 'an approval') ELSE p_now END);
    v_summary := v -> 'verdict' ->> 'verdict';
    RETURN fn_act_audit(v, CASE WHEN p_apply THEN 'staging.approve' ELSE 'staging.verify_mark' END,
                        'iu_staging_record', ARRAY[p_record_id::text], p_reason, v_before,
                        CASE v ->> 'status'
                            WHEN 'approved' THEN format('approved staging record #%s with %s: %s', p_record_id,
                                                        v ->> 'approval_doc_id', v_summary)
                            WHEN 'refused' THEN format('%s: %s', v ->> 'reason', v_summary)
                            ELSE format('staging record #%s: %s', p_record_id, v_summary) END);
END;
$$;

ALTER FUNCTION public.fn_iu_op_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_create(text, text, text, text, text, text, text, boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text DEFAULT NULL::text, p_description text DEFAULT ''::text, p_retry_policy text DEFAULT NULL::text, p_ordered_per_subject boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_outbound_route_create_unaudited(p_route_name, p_event_type, p_action_kind, p_target, p_target_queue,
                                               fn_reason_checked(p_description, 'description'), p_retry_policy,
                                               p_ordered_per_subject);
    RETURN fn_act_audit(v, 'outbound_route.create', 'iu_outbound_route', ARRAY[v ->> 'route_id'], NULL, NULL,
                        format('route %s: %s → %s %s (disabled, dry-run; live by four-eyes on %s)', p_route_name,
                               p_event_type, p_action_kind, p_target, v ->> 'gate'));
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean) OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_create_unaudited(text, text, text, text, text, text, text, boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_create_unaudited(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text DEFAULT NULL::text, p_description text DEFAULT ''::text, p_retry_policy text DEFAULT NULL::text, p_ordered_per_subject boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- New routes start disabled and dry-run, with their own gate OFF.
DECLARE
    v_actor text := fn_actor_required();
    v_id bigint;
    v_gate text := fn_iu_outbound_route_gate_key(p_route_name);
BEGIN
    IF p_retry_policy IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM retry_policy_registry WHERE code = p_retry_policy AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not an active retry policy (retry_policy_registry)', p_retry_policy
            USING ERRCODE = 'QG005';
    END IF;
    INSERT INTO iu_outbound_route (route_name, event_type, action_kind, target, target_queue, description, created_by,
                                   updated_by, gate_key, retry_policy, ordered_per_subject)
    VALUES (p_route_name, p_event_type, p_action_kind, p_target, p_target_queue, coalesce(p_description, ''), v_actor,
            v_actor, v_gate, p_retry_policy, coalesce(p_ordered_per_subject, false))
    RETURNING id INTO v_id;
    PERFORM fn_gate_create(v_gate, format('outbound route %s goes live (%s → %s %s)', p_route_name, p_event_type,
                                          p_action_kind, p_target));
    RETURN jsonb_build_object('status', 'created', 'route_id', v_id, 'gate', v_gate);
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_create_unaudited(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean) OWNER TO queuegov_owner;

--
-- Name: iu_outbound_route; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_outbound_route (
    id bigint NOT NULL,
    route_name text NOT NULL,
    event_type text NOT NULL,
    action_kind text NOT NULL,
    target text NOT NULL,
    target_queue text,
    enabled boolean DEFAULT false NOT NULL,
    dry_run boolean DEFAULT true NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_by text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    retry_policy text,
    ordered_per_subject boolean DEFAULT false NOT NULL,
    gate_key text NOT NULL,
    CONSTRAINT outbound_route_action_allowed CHECK ((action_kind = ANY (ARRAY['call_function'::text, 'enqueue_job'::text, 'notify'::text]))),
    CONSTRAINT outbound_route_event_type_format CHECK ((event_type ~ '^[a-z][a-z0-9_.]*\*?$'::text)),
    CONSTRAINT outbound_route_name_format CHECK ((route_name ~ '^[a-z][a-z0-9_.-]{0,99}$'::text)),
    CONSTRAINT outbound_route_target_format CHECK ((((action_kind = 'call_function'::text) AND (target ~ '^fn_[a-z0-9_]{1,60}$'::text)) OR ((action_kind = 'enqueue_job'::text) AND (target ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$'::text)) OR ((action_kind = 'notify'::text) AND (target ~ '^[a-z][a-z0-9_]{0,62}$'::text))))
);

ALTER TABLE public.iu_outbound_route OWNER TO queuegov_owner;

--
-- Name: COLUMN iu_outbound_route.retry_policy; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.iu_outbound_route.retry_policy IS 'The route''s own retry policy; NULL: event.retry.max_attempts attempts, event.retry.backoff_seconds apart and doubling.';

--
-- Name: COLUMN iu_outbound_route.ordered_per_subject; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.iu_outbound_route.ordered_per_subject IS 'A later event of a subject waits behind this route''s parked (failed, retrying) delivery of the same subject.';

--
-- Name: COLUMN iu_outbound_route.gate_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.iu_outbound_route.gate_key IS 'The route''s own four-eyes gate: it is live (enabled, not dry-run) only while this gate is open.';

--
-- Name: CONSTRAINT outbound_route_action_allowed ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT outbound_route_action_allowed ON public.iu_outbound_route IS 'an outbound route''s action is call_function, enqueue_job or notify: use one of those three';

--
-- Name: CONSTRAINT outbound_route_event_type_format ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT outbound_route_event_type_format ON public.iu_outbound_route IS 'an outbound route''s event type is a lowercase dotted name, or a prefix ending in * such as staging.*: correct the pattern';

--
-- Name: CONSTRAINT outbound_route_name_format ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT outbound_route_name_format ON public.iu_outbound_route IS 'an outbound route name is 1 to 100 lowercase letters, digits or _ . -, starting with a letter: rename the route to fit';

--
-- Name: CONSTRAINT outbound_route_target_format ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT outbound_route_target_format ON public.iu_outbound_route IS 'an outbound route''s target fits its action: a function named fn_<name> for call_function, a job kind for enqueue_job, a lowercase channel name for notify; give a target of that form';

--
-- Name: fn_iu_outbound_route_escalates(public.iu_outbound_route, public.iu_outbound_route); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_escalates(o public.iu_outbound_route, n public.iu_outbound_route) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    -- A change that makes a route do more: another target or action, enabling it, putting it live.
    -- Pausing, disabling or closing its gate never does, so they are always allowed.
    SELECT n.target IS DISTINCT FROM o.target OR n.action_kind IS DISTINCT FROM o.action_kind
        OR (n.enabled AND NOT o.enabled) OR (n.enabled AND NOT n.dry_run AND o.dry_run);
$$;

ALTER FUNCTION public.fn_iu_outbound_route_escalates(o public.iu_outbound_route, n public.iu_outbound_route) OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_follow_gate(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_follow_gate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- An approved opening of event.outbound_route.<name>.live puts the route live;
-- closing it puts the route back in dry-run.
BEGIN
    IF NEW.value = 'true'::jsonb THEN
        UPDATE iu_outbound_route SET enabled = true, dry_run = false, updated_by = coalesce(fn_actor(), updated_by),
                                     updated_at = now()
         WHERE gate_key = NEW.key AND NOT (enabled AND NOT dry_run);
    ELSE
        UPDATE iu_outbound_route SET dry_run = true, updated_by = coalesce(fn_actor(), updated_by), updated_at = now()
         WHERE gate_key = NEW.key AND NOT dry_run;
    END IF;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_follow_gate() OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_gate_key(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_gate_key(p_route_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    -- Gate keys are dotted lowercase words: the route name's - and . become _.
    SELECT 'event.outbound_route.' || translate(p_route_name, '-.', '__') || '.live';
$$;

ALTER FUNCTION public.fn_iu_outbound_route_gate_key(p_route_name text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_kind_check(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_kind_check() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' OR fn_iu_outbound_route_escalates(OLD, NEW) THEN
        PERFORM fn_job_kind_class(NEW.target);
    END IF;
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_kind_check() OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_live_check(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_live_check() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- The rule of going live, written once: a route is live only while its gate
-- is open (read under a share lock: fn_gate_open_locked), and a call_function
-- route is created or made to do more only towards a callable target.
BEGIN
    IF NEW.enabled AND NOT NEW.dry_run AND NOT fn_gate_open_locked(NEW.gate_key) THEN
        RAISE EXCEPTION 'four_eyes_required: route % goes live only by an approved change of its gate % (one person requests it, another approves)',
                NEW.route_name, NEW.gate_key USING ERRCODE = 'QG002';
    END IF;
    IF NEW.action_kind = 'call_function' AND (TG_OP = 'INSERT' OR fn_iu_outbound_route_escalates(OLD, NEW)) THEN
        PERFORM fn_iu_route_target_callable(NEW.target);
    END IF;
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_live_check() OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_set(bigint, boolean, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_before jsonb := (SELECT jsonb_build_object('enabled', enabled, 'dry_run', dry_run) FROM iu_outbound_route
                        WHERE id = p_route_id);
BEGIN
    RETURN fn_act_audit(fn_iu_outbound_route_set_unaudited(p_route_id, p_enabled, p_dry_run, fn_reason_checked(p_reason)),
                        CASE WHEN NOT p_enabled THEN 'outbound_route.set_disabled'
                             WHEN p_dry_run THEN 'outbound_route.set_dry-run'
                             ELSE 'outbound_route.set_live' END,
                        'iu_outbound_route', ARRAY[p_route_id::text], p_reason, v_before,
                        format('route #%s: enabled=%s, dry_run=%s', p_route_id, p_enabled, p_dry_run));
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_outbound_route_set_unaudited(bigint, boolean, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_outbound_route_set_unaudited(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Enable, disable, pause to dry-run, or resume live while the route's gate is
-- open (fn_iu_outbound_route_live_check refuses live without it).
DECLARE
    v_actor text := fn_actor_required();
    r iu_outbound_route%ROWTYPE;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: changing a route needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO r FROM iu_outbound_route WHERE id = p_route_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_route: outbound route % does not exist', p_route_id USING ERRCODE = 'QG005';
    END IF;
    IF r.enabled = p_enabled AND r.dry_run = p_dry_run THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'route_id', p_route_id);
    END IF;
    UPDATE iu_outbound_route SET enabled = p_enabled, dry_run = p_dry_run, updated_by = v_actor, updated_at = now()
     WHERE id = p_route_id;
    RETURN jsonb_build_object('status', 'updated', 'route_id', p_route_id, 'enabled', p_enabled, 'dry_run', p_dry_run,
                              'gate', r.gate_key);
END;
$$;

ALTER FUNCTION public.fn_iu_outbound_route_set_unaudited(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: iu_staging_payload; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_staging_payload (
    id bigint NOT NULL,
    record_id bigint NOT NULL,
    piece_no integer NOT NULL,
    sort_order integer,
    section_type text,
    heading text DEFAULT ''::text NOT NULL,
    parent_piece_no integer,
    piece_text text NOT NULL,
    piece_hash text NOT NULL,
    CONSTRAINT iu_piece_hash_md5 CHECK ((piece_hash ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT iu_piece_no_positive CHECK ((piece_no > 0))
);

ALTER TABLE public.iu_staging_payload OWNER TO queuegov_owner;

--
-- Name: TABLE iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.iu_staging_payload IS 'The pieces of a manifest (text allowed; no vector or embedding columns). Deleted by cleanup.';

--
-- Name: CONSTRAINT iu_piece_hash_md5 ON iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_piece_hash_md5 ON public.iu_staging_payload IS 'a piece''s hash is the md5 of its text (32 lowercase hex characters): let the marking function compute it';

--
-- Name: CONSTRAINT iu_piece_no_positive ON iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_piece_no_positive ON public.iu_staging_payload IS 'pieces are numbered from 1: give a piece number of 1 or more';

--
-- Name: fn_iu_pieces_canonical(public.iu_staging_payload[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    -- The one canonical form of a manifest's pieces (jsonb normalises key
    -- order), used at MARK on the input and at CUT (G7) on the stored rows.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'piece_no', p.piece_no, 'sort_order', p.sort_order, 'section_type', p.section_type,
               'heading', p.heading, 'parent_piece_no', p.parent_piece_no, 'piece_hash', p.piece_hash)
           ORDER BY p.piece_no), '[]'::jsonb)
      FROM unnest(p_pieces) AS p;
$$;

ALTER FUNCTION public.fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]) OWNER TO queuegov_owner;

--
-- Name: fn_iu_puller_cleanup(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_puller_cleanup() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_iu_puller_cleanup() OWNER TO queuegov_owner;

--
-- Name: fn_iu_puller_remind(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_puller_remind(p_limit integer DEFAULT 100) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_iu_puller_remind(p_limit integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_puller_verify_new(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_puller_verify_new(p_limit integer DEFAULT 100) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_iu_puller_verify_new(p_limit integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_record_state(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_record_state(p_record_id bigint) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object('lifecycle_status', lifecycle_status, 'doc_code', doc_code)
      FROM iu_staging_record WHERE id = p_record_id
$$;

ALTER FUNCTION public.fn_iu_record_state(p_record_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_reject_manifest(bigint, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_reject_manifest(p_record_id bigint, p_reason text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- pending_review or approved → rejected, with a reason.
DECLARE
    v_actor text := fn_actor_required();
    v_now   timestamptz := coalesce(p_now, now());
    r       iu_staging_record%ROWTYPE;
    v_run   bigint;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status NOT IN ('pending_review', 'approved') THEN
        RAISE EXCEPTION 'not_rejectable: staging record % is %; only pending_review or approved manifests are rejected',
                r.id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: rejecting staging record % needs a reason', r.id USING ERRCODE = 'QG008';
    END IF;
    v_run := fn_iu_run_open('reject', 'apply', r.id, jsonb_build_object('record_id', r.id));
    UPDATE iu_staging_record
       SET lifecycle_status = 'rejected', rejected_at = v_now, rejected_by = v_actor, rejection_reason = btrim(p_reason),
           last_run_id = v_run
     WHERE id = r.id;
    PERFORM fn_iu_staging_capture('staging.record_rejected', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'rejected_by', v_actor, 'was', r.lifecycle_status,
                           'lifecycle_status', 'rejected'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            jsonb_build_object('record_id', r.id, 'from', r.lifecycle_status, 'to', 'rejected',
                                               'rejected_by', v_actor));
    RETURN jsonb_build_object('status', 'rejected', 'record_id', r.id, 'run_id', v_run, 'was', r.lifecycle_status,
                              'lifecycle_status', 'rejected');
END;
$$;

ALTER FUNCTION public.fn_iu_reject_manifest(p_record_id bigint, p_reason text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: event_outbox; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_outbox (
    id bigint NOT NULL,
    event_domain text NOT NULL,
    event_stream public.qg_event_stream NOT NULL,
    event_type text NOT NULL,
    delivery_lane public.qg_delivery_lane NOT NULL,
    severity public.qg_severity,
    payload public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    payload_classification public.qg_payload_classification DEFAULT 'safe_metadata'::text NOT NULL,
    event_subject_table text,
    event_subject_ref text,
    correlation_id text,
    causation_id text,
    actor text,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    delivered_at timestamp with time zone
)
PARTITION BY RANGE (created_at);

ALTER TABLE public.event_outbox OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_batch(text, xid8, bigint, xid8, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8, p_batch_size integer) RETURNS public.event_outbox[]
    LANGUAGE plpgsql STABLE
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
-- The next p_batch_size events of p_domain past the cursor (p_last_tx_id,
-- p_last_event_id) committed before p_horizon, in commit-safe order (tx_id, id).
BEGIN
    RETURN (SELECT array_agg(s.e ORDER BY (s.e).tx_id, (s.e).id)
              FROM (SELECT e FROM event_outbox e
                     WHERE e.event_domain = p_domain AND (e.tx_id, e.id) > (p_last_tx_id, p_last_event_id)
                       AND e.tx_id < p_horizon
                     ORDER BY e.tx_id, e.id LIMIT p_batch_size) s);
END;
$$;

ALTER FUNCTION public.fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8, p_batch_size integer) OWNER TO queuegov_owner;

--
-- Name: iu_route_worker_cursor; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_route_worker_cursor (
    id bigint NOT NULL,
    worker_name text NOT NULL,
    event_domain text NOT NULL,
    last_event_id bigint DEFAULT 0 NOT NULL,
    last_tx_id xid8 DEFAULT '0'::xid8 NOT NULL,
    last_run_at timestamp with time zone,
    processed_count bigint DEFAULT 0 NOT NULL,
    dead_lettered_count bigint DEFAULT 0 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    CONSTRAINT route_worker_name_format CHECK ((worker_name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

ALTER TABLE public.iu_route_worker_cursor OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT route_worker_name_format ON iu_route_worker_cursor; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_worker_name_format ON public.iu_route_worker_cursor IS 'a route worker name is 1 to 63 lowercase letters, digits or _, starting with a letter: rename the worker to fit';

--
-- Name: fn_iu_route_cursor_run(public.iu_route_worker_cursor, integer, xid8); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_cursor_run(c public.iu_route_worker_cursor, p_batch_size integer, p_horizon xid8) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Drain one cursor's domain. First the domain's parked deliveries of live
-- routes that are due (oldest event first, one at a time), then one batch of
-- events committed before p_horizon, in commit-safe order (tx_id, id): each
-- matching enabled route takes the batch's events in one go
-- (fn_iu_route_deliver_set) or, if that fails or the route calls a function
-- or holds subjects, one at a time (fn_iu_route_deliver). The cursor moves
-- past every event it read: what failed is parked, never in the way.
-- Answers {processed, dispatched, failed, dead_lettered, parked, retried, last_event_id}.
DECLARE
    ev event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    d iu_route_delivery%ROWTYPE;
    v_batch event_outbox[];
    v_outcome text;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_parked integer := 0;
    v_retried integer := 0;
    v_error text;
    v_dl bigint;
    v_n integer;
BEGIN
    -- Only live routes' parked deliveries: a disabled or dry-run route's wait for
    -- it to be live again (filtered before the LIMIT, so they never crowd out others).
    FOR d IN
        SELECT dl.* FROM iu_route_delivery dl
          JOIN iu_outbound_route r ON r.id = dl.route_id AND r.enabled AND NOT r.dry_run
         WHERE dl.status = 'pending' AND dl.event_domain = c.event_domain AND dl.next_attempt_at <= now()
         ORDER BY dl.event_id, dl.route_id LIMIT p_batch_size
           FOR UPDATE OF dl SKIP LOCKED
    LOOP
        SELECT * INTO rt FROM iu_outbound_route WHERE id = d.route_id;
        SELECT * INTO ev FROM event_outbox WHERE id = d.event_id AND created_at = d.event_created_at;
        IF NOT FOUND THEN
            -- Retention removed the event before its retry: dead-lettered with what is known of it.
            v_error := format('event_gone: event %s is no longer in event_outbox (retention) before its retry', d.event_id);
            UPDATE iu_route_delivery SET status = 'dead_lettered', next_attempt_at = NULL, last_error = v_error,
                                         updated_at = now()
             WHERE event_id = d.event_id AND route_id = d.route_id;
            INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                              attempts, last_error, event_snapshot)
            VALUES (d.event_id, d.event_created_at, coalesce(d.event_type, 'unknown'), d.route_id, c.worker_name,
                    d.attempts, v_error,
                    jsonb_build_object('id', d.event_id, 'created_at', d.event_created_at, 'event_type', d.event_type,
                                       'gone', true))
            ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
            RETURNING id INTO v_dl;
            PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
                jsonb_build_object('event_id', d.event_id, 'event_type', d.event_type, 'route', rt.route_name,
                                   'attempts', d.attempts),
                NULL, NULL, 'event:' || d.event_id);
            v_dead := v_dead + 1;
            CONTINUE;
        END IF;
        v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name);
        v_retried := v_retried + 1;
        CASE v_outcome
            WHEN 'succeeded' THEN v_routed := v_routed + 1;
            WHEN 'retrying' THEN v_failed := v_failed + 1;
            WHEN 'dead_lettered' THEN v_failed := v_failed + 1; v_dead := v_dead + 1;
            ELSE NULL;  -- held, waiting, dry_run, done
        END CASE;
    END LOOP;

    v_batch := fn_iu_route_batch(c.event_domain, c.last_tx_id, c.last_event_id, p_horizon, p_batch_size);

    IF v_batch IS NOT NULL THEN
        FOR rt IN
            SELECT * FROM iu_outbound_route r
             WHERE r.enabled
               AND EXISTS (SELECT 1 FROM unnest(v_batch) AS e WHERE fn_iu_route_matches(r.event_type, e.event_type))
             ORDER BY r.id
        LOOP
            IF rt.action_kind <> 'call_function'
               AND NOT (rt.ordered_per_subject
                        AND EXISTS (SELECT 1 FROM iu_route_delivery p WHERE p.route_id = rt.id AND p.status = 'pending')) THEN
                BEGIN
                    v_n := fn_iu_route_deliver_set(v_batch, rt, c.worker_name);
                    v_routed := v_routed + CASE WHEN rt.dry_run THEN 0 ELSE v_n END;
                    CONTINUE;
                EXCEPTION WHEN OTHERS THEN
                    NULL;  -- undone: this route's events go one at a time below
                END;
            END IF;
            FOREACH ev IN ARRAY v_batch LOOP
                CONTINUE WHEN NOT fn_iu_route_matches(rt.event_type, ev.event_type);
                v_outcome := fn_iu_route_deliver(ev, rt, c.worker_name);
                CASE v_outcome
                    WHEN 'succeeded' THEN v_routed := v_routed + 1;
                    WHEN 'retrying' THEN v_failed := v_failed + 1; v_parked := v_parked + 1;
                    WHEN 'held' THEN v_parked := v_parked + 1;
                    WHEN 'dead_lettered' THEN v_failed := v_failed + 1; v_dead := v_dead + 1;
                    ELSE NULL;  -- done, dry_run, waiting
                END CASE;
            END LOOP;
        END LOOP;
        c.last_tx_id := v_batch[cardinality(v_batch)].tx_id;
        c.last_event_id := v_batch[cardinality(v_batch)].id;
        c.processed_count := c.processed_count + cardinality(v_batch);
    END IF;
    UPDATE iu_route_worker_cursor
       SET last_tx_id = c.last_tx_id, last_event_id = c.last_event_id, processed_count = c.processed_count,
           dead_lettered_count = dead_lettered_count + v_dead, last_run_at = now()
     WHERE worker_name = c.worker_name AND event_domain = c.event_domain;
    RETURN jsonb_build_object('processed', coalesce(cardinality(v_batch), 0), 'dispatched', v_routed,
                              'failed', v_failed, 'dead_lettered', v_dead, 'parked', v_parked, 'retried', v_retried,
                              'last_event_id', c.last_event_id);
END;
$$;

ALTER FUNCTION public.fn_iu_route_cursor_run(c public.iu_route_worker_cursor, p_batch_size integer, p_horizon xid8) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_dead_letter_replay(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'route_dead_letter.replay', 'iu_route_dead_letter', ARRAY[p_dead_letter_id::text],
                        p_reason, NULL,
                        CASE WHEN v ->> 'status' = 'failed' THEN format('failed: %s', v ->> 'error')
                             ELSE format('routing dead letter #%s replayed', p_dead_letter_id) END);
END;
$$;

ALTER FUNCTION public.fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_dead_letter_replay_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Dispatch the event through its route once more, now. Success marks the
-- dead letter replayed; a failure is recorded and the dead letter stays.
DECLARE
    v_actor text := fn_actor_required();
    dl iu_route_dead_letter%ROWTYPE;
    e event_outbox%ROWTYPE;
    rt iu_outbound_route%ROWTYPE;
    v_started timestamptz := clock_timestamp();
    v_result jsonb;
    v_attempt integer;
BEGIN
    IF NOT fn_gate_open('event.routes_master.enabled') THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: replaying a routing dead letter needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO dl FROM iu_route_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: routing dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF dl.triage_status <> 'manual_replay' THEN
        RAISE EXCEPTION 'triage_required: routing dead letter % is %, replay needs triage_status manual_replay',
            p_dead_letter_id, dl.triage_status USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO e FROM event_outbox WHERE id = dl.event_id AND created_at = dl.event_created_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event_gone: event % of routing dead letter % is no longer in event_outbox (retention)', dl.event_id, dl.id
            USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO rt FROM iu_outbound_route WHERE id = dl.route_id;
    IF NOT rt.enabled OR rt.dry_run THEN
        RAISE EXCEPTION 'route_not_live: route % is %; put it live before replaying its dead letters', rt.route_name,
            CASE WHEN NOT rt.enabled THEN 'disabled' ELSE 'in dry-run' END USING ERRCODE = 'QG003';
    END IF;
    v_attempt := dl.attempts + 1;
    BEGIN
        v_result := fn_iu_route_dispatch(e, rt);
    EXCEPTION WHEN OTHERS THEN
        PERFORM fn_iu_route_record_attempt(e.id, rt.id, 'replay:' || v_actor, v_attempt, 'failed', left(SQLERRM, 2000), NULL, v_started);
        UPDATE iu_route_dead_letter SET attempts = v_attempt, last_error = left(SQLERRM, 2000) WHERE id = dl.id;
        RETURN jsonb_build_object('status', 'failed', 'dead_letter_id', dl.id, 'error', left(SQLERRM, 2000));
    END;
    PERFORM fn_iu_route_record_attempt(e.id, rt.id, 'replay:' || v_actor, v_attempt, 'succeeded', NULL, v_result, v_started);
    UPDATE iu_route_delivery SET status = 'succeeded', attempts = v_attempt, last_error = NULL, updated_at = now()
     WHERE event_id = e.id AND route_id = rt.id;
    UPDATE iu_route_dead_letter SET triage_status = 'replayed', attempts = v_attempt, replayed_by = v_actor,
                                    replayed_at = now(), note = coalesce(note || E'\n', '') || 'replayed: ' || btrim(p_reason)
     WHERE id = dl.id;
    PERFORM fn_event_emit('system.route_replayed', 'iu_route_dead_letter', dl.id::text,
                          jsonb_build_object('event_id', e.id, 'route', rt.route_name), NULL, e.correlation_id,
                          'event:' || e.id);
    RETURN jsonb_build_object('status', 'replayed', 'dead_letter_id', dl.id, 'result', v_result);
END;
$$;

ALTER FUNCTION public.fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_dead_letter_triage(bigint, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id, p_triage_status, fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'route_dead_letter.triage_' || p_triage_status, 'iu_route_dead_letter',
                        ARRAY[p_dead_letter_id::text], p_note, NULL,
                        format('routing dead letter #%s: %s → %s', p_dead_letter_id, coalesce(v ->> 'from', p_triage_status),
                               p_triage_status));
END;
$$;

ALTER FUNCTION public.fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_dead_letter_triage_unaudited(bigint, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_triage_status NOT IN ('open', 'manual_replay', 'discarded') THEN
        RAISE EXCEPTION 'invalid_triage_status: % (allowed: open, manual_replay, discarded)', p_triage_status USING ERRCODE = 'QG004';
    END IF;
    IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
        RAISE EXCEPTION 'reason_required: triage needs a note' USING ERRCODE = 'QG008';
    END IF;
    SELECT triage_status INTO v_old FROM iu_route_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: routing dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_triage_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'dead_letter_id', p_dead_letter_id);
    END IF;
    UPDATE iu_route_dead_letter SET triage_status = p_triage_status, triaged_by = v_actor, triaged_at = now(),
                                    note = btrim(p_note)
     WHERE id = p_dead_letter_id;
    RETURN jsonb_build_object('status', 'triaged', 'dead_letter_id', p_dead_letter_id, 'from', v_old, 'to', p_triage_status);
END;
$$;

ALTER FUNCTION public.fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_deliver(public.event_outbox, public.iu_outbound_route, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_deliver(p_event public.event_outbox, p_route public.iu_outbound_route, p_worker_name text) RETURNS text
    LANGUAGE plpgsql
    AS $$
-- One route for one event, once: 'done' (routed, dry-run or dead-lettered
-- before), 'waiting' (a retry not yet due), 'held' (parked behind the route's
-- earlier parked delivery of the same subject, ordered routes only),
-- 'dry_run', 'succeeded', 'retrying' (failed, parked until fn_iu_route_retry's
-- delay) or 'dead_lettered' (failed for the last time: iu_route_dead_letter,
-- and system.route_dead_lettered).
DECLARE
    d iu_route_delivery%ROWTYPE;
    v_attempt integer;
    v_started timestamptz;
    v_result jsonb;
    v_error text;
    v_dl bigint;
    v_retry record;
    v_ahead timestamptz;
BEGIN
    SELECT * INTO d FROM iu_route_delivery WHERE event_id = p_event.id AND route_id = p_route.id;
    IF FOUND AND d.status <> 'pending' THEN
        RETURN 'done';
    END IF;
    IF FOUND AND d.next_attempt_at > now() THEN
        RETURN 'waiting';
    END IF;
    IF p_route.ordered_per_subject AND p_event.event_subject_ref IS NOT NULL THEN
        SELECT min(a.next_attempt_at) INTO v_ahead
          FROM iu_route_delivery a
         WHERE a.route_id = p_route.id AND a.status = 'pending' AND a.event_id < p_event.id
           AND a.subject_key = fn_iu_route_subject_key(p_event.event_subject_table, p_event.event_subject_ref);
        IF v_ahead IS NOT NULL THEN
            PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'pending', coalesce(d.attempts, 0),
                                             greatest(v_ahead, now()), coalesce(d.last_error, 'held: an earlier event of this subject is not routed yet'));
            RETURN 'held';
        END IF;
    END IF;
    v_attempt := coalesce(d.attempts, 0) + 1;
    v_started := clock_timestamp();
    IF p_route.dry_run THEN
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'dry_run', NULL,
            jsonb_build_object('would', p_route.action_kind, 'target', p_route.target), v_started);
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'dry_run', v_attempt, NULL, NULL);
        RETURN 'dry_run';
    END IF;
    BEGIN
        v_result := fn_iu_route_dispatch(p_event, p_route);
        PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'succeeded', NULL, v_result,
                                           v_started);
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'succeeded', v_attempt, NULL, NULL);
        RETURN 'succeeded';
    EXCEPTION WHEN OTHERS THEN
        v_error := left(SQLERRM, 2000);
    END;
    PERFORM fn_iu_route_record_attempt(p_event.id, p_route.id, p_worker_name, v_attempt, 'failed', v_error, NULL, v_started);
    v_retry := fn_iu_route_retry(p_route, v_attempt);
    IF v_attempt < v_retry.max_attempts THEN
        PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'pending', v_attempt, now() + v_retry.delay, v_error);
        RETURN 'retrying';
    END IF;
    PERFORM fn_iu_route_delivery_set(p_event, p_route.id, 'dead_lettered', v_attempt, NULL, v_error);
    INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,
                                      attempts, last_error, event_snapshot)
    VALUES (p_event.id, p_event.created_at, p_event.event_type, p_route.id, p_worker_name, v_attempt, v_error,
            to_jsonb(p_event) - 'tx_id')
    ON CONFLICT ON CONSTRAINT route_dead_letter_once DO NOTHING
    RETURNING id INTO v_dl;
    PERFORM fn_event_emit('system.route_dead_lettered', 'iu_route_dead_letter', v_dl::text,
        jsonb_build_object('event_id', p_event.id, 'event_type', p_event.event_type, 'route', p_route.route_name,
                           'attempts', v_attempt),
        NULL, p_event.correlation_id, 'event:' || p_event.id);
    RETURN 'dead_lettered';
END;
$$;

ALTER FUNCTION public.fn_iu_route_deliver(p_event public.event_outbox, p_route public.iu_outbound_route, p_worker_name text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_deliver_set(public.event_outbox[], public.iu_outbound_route, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_deliver_set(p_events public.event_outbox[], p_route public.iu_outbound_route, p_worker_name text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
-- One route takes the events of a batch it matches in one go; answers how
-- many it delivered (dry-run records included). Raises when any part fails:
-- the caller then delivers them one at a time.
DECLARE
    v_started timestamptz := clock_timestamp();
    v_events event_outbox[];
    v_answer jsonb;
    v_new bigint[];
    v_n integer;
BEGIN
    -- New events have no delivery yet (the cursor is past every routed one); one
    -- that had would fail the delivery insert's key and send the route one at a time.
    SELECT array_agg(e ORDER BY e.tx_id, e.id) INTO v_events
      FROM unnest(p_events) AS e
     WHERE fn_iu_route_matches(p_route.event_type, e.event_type);
    v_n := coalesce(cardinality(v_events), 0);
    IF v_n = 0 THEN
        RETURN 0;
    END IF;
    IF p_route.dry_run THEN
        INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
        SELECT e.id, p_route.id, p_worker_name, 1, 'dry_run', NULL,
               jsonb_build_object('would', p_route.action_kind, 'target', p_route.target), v_started, clock_timestamp()
          FROM unnest(v_events) AS e;
    ELSIF p_route.action_kind = 'enqueue_job' THEN
        v_answer := fn_job_enqueue_many((SELECT jsonb_agg(fn_iu_route_job_spec(e, p_route) ORDER BY e.tx_id, e.id)
                                           FROM unnest(v_events) AS e));
        IF v_answer ->> 'status' <> 'enqueued' THEN
            RAISE EXCEPTION '%: % is closed; jobs not enqueued', v_answer ->> 'status', v_answer ->> 'gate' USING ERRCODE = 'QG003';
        END IF;
        v_new := ARRAY(SELECT jsonb_array_elements_text(v_answer -> 'job_ids')::bigint);
        IF cardinality(v_new) = v_n THEN
            -- every job is new: inserted in event order, their ids ascend with it
            INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at,
                                          finished_at)
            SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
                   jsonb_build_object('status', 'enqueued', 'job_id', v_new[e.ordinality]), v_started, clock_timestamp()
              FROM unnest(v_events) WITH ORDINALITY AS e;
        ELSE
            INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at,
                                          finished_at)
            SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
                   jsonb_build_object('status', CASE WHEN j.id = ANY (v_new) THEN 'enqueued' ELSE 'duplicate' END,
                                      'job_id', j.id),
                   v_started, clock_timestamp()
              FROM unnest(v_events) AS e
              LEFT JOIN job_queue j ON j.idempotency_key = format('route:%s:event:%s', p_route.id, e.id);
            IF EXISTS (SELECT 1 FROM unnest(v_events) AS e
                        WHERE NOT EXISTS (SELECT 1 FROM job_queue j
                                           WHERE j.idempotency_key = format('route:%s:event:%s', p_route.id, e.id))) THEN
                RAISE EXCEPTION 'job_missing: a job of route % was neither enqueued nor there before', p_route.route_name
                    USING ERRCODE = 'QG003';  -- the route's events then go one at a time
            END IF;
        END IF;
    ELSIF p_route.action_kind = 'notify' THEN
        PERFORM pg_notify(p_route.target, jsonb_build_object('event_id', e.id, 'event_type', e.event_type)::text)
           FROM unnest(v_events) AS e;
        INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
        SELECT e.id, p_route.id, p_worker_name, 1, 'succeeded', NULL,
               jsonb_build_object('status', 'notified', 'channel', p_route.target), v_started, clock_timestamp()
          FROM unnest(v_events) AS e;
    ELSE
        RAISE EXCEPTION 'not_set_based: % routes deliver one event at a time', p_route.action_kind USING ERRCODE = 'QG004';
    END IF;
    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, event_created_at, event_domain, event_type,
                                   subject_key)
    SELECT e.id, p_route.id, CASE WHEN p_route.dry_run THEN 'dry_run' ELSE 'succeeded' END, 1, e.created_at,
           e.event_domain, e.event_type, fn_iu_route_subject_key(e.event_subject_table, e.event_subject_ref)
      FROM unnest(v_events) AS e;
    RETURN v_n;
END;
$$;

ALTER FUNCTION public.fn_iu_route_deliver_set(p_events public.event_outbox[], p_route public.iu_outbound_route, p_worker_name text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_delivery_set(public.event_outbox, bigint, text, integer, timestamp with time zone, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_delivery_set(p_event public.event_outbox, p_route_id bigint, p_status text, p_attempts integer, p_next_attempt_at timestamp with time zone, p_error text) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, next_attempt_at, last_error,
                                   event_created_at, event_domain, event_type, subject_key)
    VALUES (p_event.id, p_route_id, p_status, p_attempts, p_next_attempt_at, p_error, p_event.created_at,
            p_event.event_domain, p_event.event_type,
            fn_iu_route_subject_key(p_event.event_subject_table, p_event.event_subject_ref))
    ON CONFLICT (event_id, route_id) DO UPDATE
        SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at,
            last_error = EXCLUDED.last_error, updated_at = now();
$$;

ALTER FUNCTION public.fn_iu_route_delivery_set(p_event public.event_outbox, p_route_id bigint, p_status text, p_attempts integer, p_next_attempt_at timestamp with time zone, p_error text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_dispatch(public.event_outbox, public.iu_outbound_route); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_dispatch(p_event public.event_outbox, p_route public.iu_outbound_route) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    v_result jsonb;
    v_target regprocedure;
    v_job jsonb;
BEGIN
    IF p_route.action_kind = 'call_function' THEN
        v_target := fn_iu_route_target_callable(p_route.target);
        EXECUTE format('SELECT to_jsonb(%s($1))', v_target::oid::regproc) INTO v_result USING to_jsonb(p_event);
        RETURN coalesce(v_result, 'null'::jsonb);
    ELSIF p_route.action_kind = 'enqueue_job' THEN
        v_job := fn_iu_route_job_spec(p_event, p_route);
        v_result := fn_job_enqueue(
            p_job_kind => v_job ->> 'job_kind',
            p_payload => v_job -> 'payload',
            p_queue_name => v_job ->> 'queue_name',
            p_idempotency_key => v_job ->> 'idempotency_key',
            p_correlation_id => v_job ->> 'correlation_id');
        IF v_result ->> 'status' = 'gate_closed' THEN
            RAISE EXCEPTION 'gate_closed: % is closed; job not enqueued', v_result ->> 'gate' USING ERRCODE = 'QG003';
        END IF;
        RETURN v_result;
    ELSE
        PERFORM pg_notify(p_route.target, jsonb_build_object('event_id', p_event.id, 'event_type', p_event.event_type)::text);
        RETURN jsonb_build_object('status', 'notified', 'channel', p_route.target);
    END IF;
END;
$_$;

ALTER FUNCTION public.fn_iu_route_dispatch(p_event public.event_outbox, p_route public.iu_outbound_route) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_job_spec(public.event_outbox, public.iu_outbound_route); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- The job an enqueue_job route makes of an event: references only, one per event and route.
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'job_kind', p_route.target,
        'payload', jsonb_strip_nulls(jsonb_build_object(
            'event_id', p_event.id, 'event_type', p_event.event_type, 'event_domain', p_event.event_domain,
            'subject_table', p_event.event_subject_table, 'subject_ref', p_event.event_subject_ref,
            'route', p_route.route_name)),
        'queue_name', p_route.target_queue,
        'idempotency_key', format('route:%s:event:%s', p_route.id, p_event.id),
        'correlation_id', coalesce(p_event.correlation_id, 'event:' || p_event.id)));
$$;

ALTER FUNCTION public.fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_matches(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_matches(p_route_event_type text, p_event_type text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    -- A route's event type is an exact type, or a prefix ending in * (staging.*).
    SELECT p_route_event_type = p_event_type
        OR (right(p_route_event_type, 1) = '*' AND starts_with(p_event_type, left(p_route_event_type, -1)));
$$;

ALTER FUNCTION public.fn_iu_route_matches(p_route_event_type text, p_event_type text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_record_attempt(bigint, bigint, text, integer, text, text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_record_attempt(p_event_id bigint, p_route_id bigint, p_worker text, p_attempt integer, p_status text, p_error text, p_result jsonb, p_started timestamp with time zone) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result, started_at, finished_at)
    VALUES (p_event_id, p_route_id, p_worker, p_attempt, p_status, p_error, p_result, p_started, clock_timestamp());
$$;

ALTER FUNCTION public.fn_iu_route_record_attempt(p_event_id bigint, p_route_id bigint, p_worker text, p_attempt integer, p_status text, p_error text, p_result jsonb, p_started timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_retry(public.iu_outbound_route, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_retry(p_route public.iu_outbound_route, p_attempts integer, OUT max_attempts integer, OUT delay interval) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
-- The one place a route's retry timing is read: its policy, else the event.retry.* defaults.
BEGIN
    IF p_route.retry_policy IS NOT NULL THEN
        SELECT r.max_attempts INTO max_attempts FROM retry_policy_registry r WHERE r.code = p_route.retry_policy;
        delay := fn_retry_delay(p_route.retry_policy, p_attempts);
    ELSE
        max_attempts := fn_setting_int('event.retry.max_attempts');
        delay := make_interval(secs => least(fn_setting_int('event.retry.backoff_seconds')
                                             * power(2::numeric, least(greatest(p_attempts, 1) - 1, 30)), 3600)::double precision);
    END IF;
END;
$$;

ALTER FUNCTION public.fn_iu_route_retry(p_route public.iu_outbound_route, p_attempts integer, OUT max_attempts integer, OUT delay interval) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_subject_key(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    -- One subject of the events a route orders: table and reference (none without a reference).
    SELECT CASE WHEN p_subject_ref IS NULL THEN NULL ELSE coalesce(p_subject_table, '') || ':' || p_subject_ref END;
$$;

ALTER FUNCTION public.fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_target_callable(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_target_callable(p_function text) RETURNS regprocedure
    LANGUAGE plpgsql STABLE
    AS $$
-- A function a route may call: registered and active, taking one jsonb, and
-- executable by the app role (routes reach only the SQL API). Raises why not.
DECLARE
    v_status text;
    v_target regprocedure;
BEGIN
    SELECT status INTO v_status FROM iu_route_target WHERE function_name = p_function;
    IF v_status IS DISTINCT FROM 'active' THEN
        RAISE EXCEPTION 'unregistered_route_target: % is % as a route target; an admin registers it (fn_iu_route_target_register) before a route may call it',
                p_function, coalesce(v_status, 'not registered') USING ERRCODE = 'QG002';
    END IF;
    v_target := to_regprocedure(format('%I(jsonb)', p_function));
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'unknown_function: %(jsonb) does not exist', p_function USING ERRCODE = 'QG005';
    END IF;
    IF NOT has_function_privilege(fn_db_role('app'), v_target, 'EXECUTE') THEN
        RAISE EXCEPTION 'route_target_refused: % is not one the app role may call; routes reach only the SQL API', v_target
            USING ERRCODE = 'QG002';
    END IF;
    RETURN v_target;
END;
$$;

ALTER FUNCTION public.fn_iu_route_target_callable(p_function text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_target_register(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_target_register(p_function text, p_description text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_iu_route_target_register_unaudited(p_function, fn_reason_checked(p_description, 'description')),
        'route_target.register', 'iu_route_target', ARRAY[p_function], p_description, NULL,
        format('route target %s registered', p_function));
END;
$$;

ALTER FUNCTION public.fn_iu_route_target_register(p_function text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_target_register_unaudited(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_target_register_unaudited(p_function text, p_description text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_function IS NULL OR p_function !~ '^fn_[a-z0-9_]{1,60}$' THEN
        RAISE EXCEPTION 'invalid_route_target: % is not a function name of the form fn_<name>', quote_nullable(p_function)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT status INTO v_old FROM iu_route_target WHERE function_name = p_function FOR UPDATE;
    IF v_old = 'active' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'function', p_function);
    END IF;
    INSERT INTO iu_route_target (function_name, description, registered_by, updated_by)
    VALUES (p_function, btrim(p_description), v_actor, v_actor)
    ON CONFLICT (function_name) DO UPDATE
        SET status = 'active', description = EXCLUDED.description, updated_by = v_actor, updated_at = now();
    PERFORM fn_iu_route_target_callable(p_function);  -- refuses (and undoes) a target no route could call
    RETURN jsonb_build_object('status', 'registered', 'function', p_function);
END;
$_$;

ALTER FUNCTION public.fn_iu_route_target_register_unaudited(p_function text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_target_retire(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_target_retire(p_function text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_iu_route_target_retire_unaudited(p_function, fn_reason_checked(p_reason)),
                        'route_target.retire', 'iu_route_target', ARRAY[p_function], p_reason, NULL,
                        format('route target %s retired', p_function));
END;
$$;

ALTER FUNCTION public.fn_iu_route_target_retire(p_function text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_target_retire_unaudited(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_target_retire_unaudited(p_function text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- A retired target is refused to every route: its live routes' deliveries fail
-- and are parked, then dead-lettered, until it is registered again.
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    SELECT status INTO v_old FROM iu_route_target WHERE function_name = p_function FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_route_target: % is not a registered route target', p_function USING ERRCODE = 'QG005';
    END IF;
    IF v_old = 'retired' THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'function', p_function);
    END IF;
    UPDATE iu_route_target SET status = 'retired', updated_by = v_actor, updated_at = now() WHERE function_name = p_function;
    RETURN jsonb_build_object('status', 'retired', 'function', p_function,
                              'routes', (SELECT coalesce(jsonb_agg(route_name ORDER BY route_name), '[]')
                                           FROM iu_outbound_route
                                          WHERE action_kind = 'call_function' AND target = p_function AND enabled));
END;
$$;

ALTER FUNCTION public.fn_iu_route_target_retire_unaudited(p_function text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_worker_cursor_add(text, text, text, boolean); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text, p_from_start boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(
        fn_iu_route_worker_cursor_add_unaudited(p_worker_name, p_event_domain, p_from_start, fn_reason_checked(p_reason)),
        'route_worker_cursor.add', 'iu_route_worker_cursor', ARRAY[p_worker_name || '/' || p_event_domain], p_reason, NULL,
        format('route worker %s reads domain %s from %s', p_worker_name, p_event_domain,
               CASE WHEN p_from_start THEN 'its oldest event' ELSE 'now on' END));
END;
$$;

ALTER FUNCTION public.fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text, p_from_start boolean) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_worker_cursor_add_unaudited(text, text, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- A new cursor starts after the domain's newest event below fn_event_horizon()
-- (so an event still being committed is not skipped), or with
-- p_from_start before its oldest, so every kept event of the domain is routed.
-- One enabled cursor per domain (iu_route_worker_cursor_one_per_domain): two
-- would deliver each event twice.
DECLARE
    v_actor text := fn_actor_required();
    v_tx xid8 := '0';
    v_id bigint := 0;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: adding a route worker cursor needs a reason' USING ERRCODE = 'QG008';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM event_domain_registry WHERE event_domain = p_event_domain AND status = 'active') THEN
        RAISE EXCEPTION 'unknown_event_domain: % is not an active event domain', quote_nullable(p_event_domain)
            USING ERRCODE = 'QG005';
    END IF;
    IF EXISTS (SELECT 1 FROM iu_route_worker_cursor WHERE worker_name = p_worker_name AND event_domain = p_event_domain) THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'worker', p_worker_name, 'event_domain', p_event_domain);
    END IF;
    IF NOT coalesce(p_from_start, false) THEN
        SELECT tx_id, id INTO v_tx, v_id FROM event_outbox
         WHERE event_domain = p_event_domain AND tx_id < fn_event_horizon()
         ORDER BY tx_id DESC, id DESC LIMIT 1;
    END IF;
    BEGIN
        INSERT INTO iu_route_worker_cursor (worker_name, event_domain, last_tx_id, last_event_id)
        VALUES (p_worker_name, p_event_domain, coalesce(v_tx, '0'), coalesce(v_id, 0));
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'domain_has_worker: % is routed by % already; one route worker per domain (two would deliver each event twice)',
                p_event_domain, (SELECT worker_name FROM iu_route_worker_cursor WHERE event_domain = p_event_domain AND enabled)
            USING ERRCODE = 'QG003';
    END;
    RETURN jsonb_build_object('status', 'added', 'worker', p_worker_name, 'event_domain', p_event_domain,
                              'last_event_id', coalesce(v_id, 0));
END;
$$;

ALTER FUNCTION public.fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_route_worker_run(text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_route_worker_run(p_worker_name text, p_batch_size integer DEFAULT 100) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- One tick of a route worker: each of its enabled cursors not held by another
-- tick is drained by fn_iu_route_cursor_run below fn_event_horizon(); then the
-- worker's heartbeat.
DECLARE
    c iu_route_worker_cursor%ROWTYPE;
    v_horizon xid8 := fn_event_horizon();
    v_any_cursor boolean := false;
    v_run jsonb;
    v_processed integer := 0;
    v_routed integer := 0;
    v_failed integer := 0;
    v_dead integer := 0;
    v_parked integer := 0;
    v_retried integer := 0;
    v_domains jsonb := '[]'::jsonb;
BEGIN
    IF NOT fn_gate_open('event.routes_master.enabled') THEN
        RETURN fn_gate_closed_result('event.routes_master.enabled');
    END IF;
    IF NOT fn_gate_open('event.route_worker.enabled') THEN
        RETURN fn_gate_closed_result('event.route_worker.enabled');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM iu_route_worker_cursor WHERE worker_name = p_worker_name) THEN
        RAISE EXCEPTION 'unknown_route_worker: % has no iu_route_worker_cursor row', p_worker_name USING ERRCODE = 'QG005';
    END IF;

    FOR c IN
        SELECT * FROM iu_route_worker_cursor WHERE worker_name = p_worker_name AND enabled
        ORDER BY event_domain FOR UPDATE SKIP LOCKED
    LOOP
        v_any_cursor := true;
        v_run := fn_iu_route_cursor_run(c, p_batch_size, v_horizon);
        v_processed := v_processed + (v_run ->> 'processed')::integer;
        v_routed := v_routed + (v_run ->> 'dispatched')::integer;
        v_failed := v_failed + (v_run ->> 'failed')::integer;
        v_dead := v_dead + (v_run ->> 'dead_lettered')::integer;
        v_parked := v_parked + (v_run ->> 'parked')::integer;
        v_retried := v_retried + (v_run ->> 'retried')::integer;
        v_domains := v_domains || jsonb_build_object('event_domain', c.event_domain,
                                                     'last_event_id', (v_run -> 'last_event_id'),
                                                     'parked', (v_run -> 'parked'), 'retried', (v_run -> 'retried'));
    END LOOP;

    IF NOT v_any_cursor THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', format('another tick of %s holds its cursors (or all are disabled)', p_worker_name));
    END IF;
    IF fn_gate_open('queue.heartbeat.enabled') THEN
        PERFORM fn_queue_heartbeat_tick(p_worker_name, 'PG_worker',
                                        jsonb_build_object('role', 'route_worker', 'processed', v_processed));
    END IF;
    RETURN jsonb_build_object(
        'status', CASE WHEN v_processed + v_routed + v_failed + v_retried = 0 THEN 'nothing_to_do' ELSE 'routed' END,
        'processed', v_processed, 'dispatched', v_routed, 'failed', v_failed, 'dead_lettered', v_dead,
        'parked', v_parked, 'retried', v_retried, 'cursors', v_domains);
END;
$$;

ALTER FUNCTION public.fn_iu_route_worker_run(p_worker_name text, p_batch_size integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_run_close(bigint, text, jsonb, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_run_close(p_run_id bigint, p_status text, p_evidence jsonb, p_record_id bigint DEFAULT NULL::bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE dot_iu_command_run
       SET run_status = p_status, evidence = coalesce(p_evidence, '{}'), finished_at = clock_timestamp(),
           record_id = coalesce(p_record_id, record_id)
     WHERE id = p_run_id AND run_status = 'running';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run_not_open: dot_iu_command_run % is not running', p_run_id USING ERRCODE = 'QG003';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_iu_run_close(p_run_id bigint, p_status text, p_evidence jsonb, p_record_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_run_open(text, text, bigint, jsonb, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_run_open(p_command text, p_run_mode text, p_record_id bigint, p_params jsonb, p_linked_run_id bigint DEFAULT NULL::bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- Opens the step's run row; fn_iu_run_close finishes it in the same transaction.
DECLARE
    v_actor text := fn_actor_required();
    c dot_iu_command_catalog%ROWTYPE;
    v_snapshot jsonb;
    v_id bigint;
BEGIN
    SELECT * INTO c FROM dot_iu_command_catalog WHERE command = p_command;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_command: % is not in dot_iu_command_catalog', p_command USING ERRCODE = 'QG005';
    END IF;
    IF NOT (p_run_mode = ANY (c.run_modes)) THEN
        RAISE EXCEPTION 'invalid_run_mode: % runs in % mode only, not %', p_command,
                array_to_string(c.run_modes, ' or '), p_run_mode
            USING ERRCODE = 'QG004';
    END IF;
    SELECT coalesce(jsonb_object_agg(key, value ORDER BY key), '{}') INTO v_snapshot
      FROM dot_config WHERE key = ANY (c.snapshot_keys);
    INSERT INTO dot_iu_command_run (command, run_mode, record_id, linked_run_id, params, params_digest,
                                    gate_snapshot, actor)
    VALUES (p_command, p_run_mode, p_record_id, p_linked_run_id, coalesce(p_params, '{}'),
            md5(jsonb_build_object('command', p_command, 'run_mode', p_run_mode,
                                   'params', coalesce(p_params, '{}'))::text),
            v_snapshot, v_actor)
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_iu_run_open(p_command text, p_run_mode text, p_record_id bigint, p_params jsonb, p_linked_run_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_runtime_lease_acquire(text, text, integer, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer DEFAULT 900, p_run_id bigint DEFAULT NULL::bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    l dot_iu_runtime_lease%ROWTYPE;
    v_holder text := coalesce(nullif(btrim(coalesce(p_holder, '')), ''), v_actor);
BEGIN
    IF p_seconds IS NULL OR p_seconds < 1 OR p_seconds > 86400 THEN
        RAISE EXCEPTION 'invalid_lease_seconds: a lease lasts 1..86400 seconds, not %', p_seconds USING ERRCODE = 'QG004';
    END IF;
    SELECT * INTO l FROM dot_iu_runtime_lease WHERE lease_name = p_lease_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_lease: % is not in dot_iu_runtime_lease', p_lease_name USING ERRCODE = 'QG005';
    END IF;
    IF l.holder IS NOT NULL AND l.released_at IS NULL AND l.expires_at > clock_timestamp() AND l.holder <> v_holder THEN
        RAISE EXCEPTION 'lease_held: % is held by % until % (acquired %); try again after it is released or expires',
                p_lease_name, l.holder, l.expires_at, l.acquired_at
            USING ERRCODE = 'QG003';
    END IF;
    UPDATE dot_iu_runtime_lease
       SET holder = v_holder, run_id = p_run_id, acquired_at = clock_timestamp(),
           expires_at = clock_timestamp() + make_interval(secs => p_seconds), released_at = NULL
     WHERE lease_name = p_lease_name;
    RETURN jsonb_build_object('status', 'acquired', 'lease_name', p_lease_name, 'holder', v_holder,
                              'expires_at', clock_timestamp() + make_interval(secs => p_seconds),
                              'taken_over', CASE WHEN l.holder IS NOT NULL AND l.released_at IS NULL
                                                  AND l.holder <> v_holder THEN l.holder END);
END;
$$;

ALTER FUNCTION public.fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer, p_run_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_runtime_lease_release(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_runtime_lease_release(p_lease_name text, p_holder text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    v_holder text := coalesce(nullif(btrim(coalesce(p_holder, '')), ''), v_actor);
BEGIN
    UPDATE dot_iu_runtime_lease SET released_at = clock_timestamp()
     WHERE lease_name = p_lease_name AND holder = v_holder AND released_at IS NULL;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'lease_name', p_lease_name, 'holder', v_holder);
    END IF;
    RETURN jsonb_build_object('status', 'released', 'lease_name', p_lease_name, 'holder', v_holder);
END;
$$;

ALTER FUNCTION public.fn_iu_runtime_lease_release(p_lease_name text, p_holder text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_section_rank(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_section_rank(p_section_type text) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$
    -- Containers rank above what they contain (axis C: a parent ranks lower
    -- than its child); the list starts with the preamble, which contains nothing.
    SELECT nullif(array_position(fn_iu_section_types(), p_section_type) - 1, 0);
$$;

ALTER FUNCTION public.fn_iu_section_rank(p_section_type text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_staging_capture(text, bigint, bigint, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_staging_capture(p_event_type text, p_record_id bigint, p_run_id bigint, p_payload jsonb) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- L1 capture of a staging.* fact about one manifest. Delayed lane: the event
-- substrate groups captures by stable key = the manifest (source_document_ref).
BEGIN
    RETURN fn_event_capture(
        p_event_type,
        'iu_staging_record',
        p_record_id::text,
        coalesce(p_payload, '{}') || jsonb_build_object('record_id', p_record_id, 'run_id', p_run_id),
        'iu_staging_record:' || p_record_id,
        'iu_staging_record:' || p_record_id,
        NULL,
        'dot_iu_command_run:' || p_run_id);
END;
$$;

ALTER FUNCTION public.fn_iu_staging_capture(p_event_type text, p_record_id bigint, p_run_id bigint, p_payload jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_iu_staging_cleanup(boolean, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_staging_cleanup(p_apply boolean DEFAULT false, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor          text := fn_actor_required();
    v_now            timestamptz := coalesce(p_now, now());
    v_clean_days     integer := fn_setting_int('iu_core.clean_after_days');
    v_archive_days   integer := fn_setting_int('iu_core.archive_after_days');
    v_clean_before   timestamptz;
    v_archive_before timestamptz;
    v_thresholds     jsonb;
    v_run            bigint;
    v_expired        bigint[];
    v_cleaned        bigint[];
    v_archived       bigint[];
    v_rows           integer := 0;
    v_plan           record;
    v_evidence       jsonb;
    v_total          integer;
BEGIN
    v_clean_before := v_now - make_interval(days => v_clean_days);
    v_archive_before := v_now - make_interval(days => v_archive_days);
    v_thresholds := jsonb_build_object('now', v_now, 'clean_after_days', v_clean_days,
                                       'archive_after_days', v_archive_days,
                                       'clean_marked_before', v_clean_before, 'archive_marked_before', v_archive_before);

    IF NOT coalesce(p_apply, false) THEN
        -- What the three passes would do, in order, changing nothing.
        WITH s AS (
            SELECT r.id, r.marked_at,
                   (r.lifecycle_status IN ('pending_review', 'approved') AND r.expires_at <= v_now) AS expires,
                   CASE WHEN r.lifecycle_status IN ('pending_review', 'approved') AND r.expires_at <= v_now
                        THEN 'expired' ELSE r.lifecycle_status END AS after_expire
              FROM iu_staging_record r
             WHERE r.lifecycle_status <> 'archived'
        ), c AS (
            SELECT s.*, (after_expire IN ('expired', 'rejected', 'consumed') AND marked_at <= v_clean_before) AS cleans
              FROM s
        ), a AS (
            SELECT c.*, ((after_expire = 'cleaned' OR cleans) AND marked_at <= v_archive_before) AS archives FROM c
        )
        SELECT count(*) FILTER (WHERE expires) AS expire,
               count(*) FILTER (WHERE cleans) AS clean,
               count(*) FILTER (WHERE archives) AS archive,
               coalesce((SELECT count(*) FROM iu_staging_payload p WHERE p.record_id IN (SELECT id FROM a WHERE cleans)), 0)
                   AS payload_rows,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE expires), '{}') AS expire_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE cleans), '{}') AS clean_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE archives), '{}') AS archive_ids
          INTO v_plan FROM a;
        v_evidence := jsonb_build_object(
            'passes', jsonb_build_object(
                'expire',  jsonb_build_object('count', v_plan.expire,  'record_ids', to_jsonb(v_plan.expire_ids[1:100])),
                'clean',   jsonb_build_object('count', v_plan.clean,   'record_ids', to_jsonb(v_plan.clean_ids[1:100]),
                                              'payload_rows', v_plan.payload_rows),
                'archive', jsonb_build_object('count', v_plan.archive, 'record_ids', to_jsonb(v_plan.archive_ids[1:100]))),
            'thresholds', v_thresholds,
            'retention_enabled', fn_gate_open('iu_core.retention_enabled'));
        v_run := fn_iu_run_open('cleanup', 'plan', NULL, jsonb_build_object('apply', false, 'now', v_now));
        PERFORM fn_iu_run_close(v_run, 'planned', v_evidence);
        RETURN jsonb_build_object('status', 'dry_run', 'run_id', v_run, 'expire', v_plan.expire, 'clean', v_plan.clean,
                                  'archive', v_plan.archive, 'payload_rows', v_plan.payload_rows,
                                  'retention_enabled', fn_gate_open('iu_core.retention_enabled'),
                                  'thresholds', v_thresholds);
    END IF;

    IF NOT fn_gate_open('iu_core.retention_enabled') THEN
        RETURN fn_gate_closed_result('iu_core.retention_enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.staging_cleanup')) THEN
        RAISE EXCEPTION 'lease_held: staging_cleanup is held by another cleanup running now; try again when it has finished'
            USING ERRCODE = 'QG003';
    END IF;
    v_run := fn_iu_run_open('cleanup', 'apply', NULL, jsonb_build_object('apply', true, 'now', v_now));
    PERFORM fn_iu_runtime_lease_acquire('staging_cleanup', format('%s (run %s)', v_actor, v_run), 900, v_run);

    -- pass 1: expire
    WITH e AS (
        UPDATE iu_staging_record SET lifecycle_status = 'expired', expired_at = v_now, last_run_id = v_run
         WHERE lifecycle_status IN ('pending_review', 'approved') AND expires_at <= v_now
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_expired FROM e;

    -- pass 2: clean (the record first: pieces of a cleaned record may be deleted)
    WITH c AS (
        UPDATE iu_staging_record SET lifecycle_status = 'cleaned', cleaned_at = v_now, last_run_id = v_run
         WHERE lifecycle_status IN ('expired', 'rejected', 'consumed') AND marked_at <= v_clean_before
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_cleaned FROM c;
    DELETE FROM iu_staging_payload WHERE record_id = ANY (v_cleaned);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    PERFORM fn_iu_staging_capture('staging.record_cleaned', id, v_run,
                                  jsonb_build_object('pass', 'clean', 'lifecycle_status', 'cleaned'))
       FROM unnest(v_cleaned) AS id;

    -- pass 3: archive
    WITH a AS (
        UPDATE iu_staging_record SET lifecycle_status = 'archived', archived_at = v_now, last_run_id = v_run
         WHERE lifecycle_status = 'cleaned' AND marked_at <= v_archive_before
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_archived FROM a;
    PERFORM fn_iu_staging_capture('staging.record_cleaned', id, v_run,
                                  jsonb_build_object('pass', 'archive', 'lifecycle_status', 'archived'))
       FROM unnest(v_archived) AS id;

    PERFORM fn_iu_runtime_lease_release('staging_cleanup', format('%s (run %s)', v_actor, v_run));
    v_total := cardinality(v_expired) + cardinality(v_cleaned) + cardinality(v_archived);
    PERFORM fn_iu_run_close(v_run, CASE WHEN v_total = 0 THEN 'nothing_to_do' ELSE 'succeeded' END,
        jsonb_build_object(
            'passes', jsonb_build_object(
                'expire',  jsonb_build_object('count', cardinality(v_expired), 'record_ids', to_jsonb(v_expired[1:100])),
                'clean',   jsonb_build_object('count', cardinality(v_cleaned), 'record_ids', to_jsonb(v_cleaned[1:100]),
                                              'payload_rows', v_rows),
                'archive', jsonb_build_object('count', cardinality(v_archived), 'record_ids', to_jsonb(v_archived[1:100]))),
            'thresholds', v_thresholds));
    RETURN jsonb_build_object('status', CASE WHEN v_total = 0 THEN 'nothing_to_do' ELSE 'applied' END,
                              'run_id', v_run, 'expired', cardinality(v_expired), 'cleaned', cardinality(v_cleaned),
                              'archived', cardinality(v_archived), 'payload_rows', v_rows, 'thresholds', v_thresholds);
END;
$$;

ALTER FUNCTION public.fn_iu_staging_cleanup(p_apply boolean, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_iu_staging_payload_delete_guard(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_staging_payload_delete_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_status text;
BEGIN
    SELECT lifecycle_status INTO v_status FROM iu_staging_record WHERE id = OLD.record_id;
    IF v_status IS DISTINCT FROM 'cleaned' THEN
        RAISE EXCEPTION 'official_interface: pieces of staging record % (%) are deleted only by the cleanup clean pass',
                OLD.record_id, v_status
            USING ERRCODE = 'QG006';
    END IF;
    RETURN OLD;
END;
$$;

ALTER FUNCTION public.fn_iu_staging_payload_delete_guard() OWNER TO queuegov_owner;

--
-- Name: fn_iu_staging_record_touch(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_staging_record_touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_iu_staging_record_touch() OWNER TO queuegov_owner;

--
-- Name: fn_iu_staging_review_start(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_staging_review_start(p_record_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0006's: under the manifest's row lock, and keyed by the
-- workflow's subject, which no caller's spec sets, rather than its correlation id.)
-- A pending manifest's review as a workflow: verify_mark (job) -> approve
-- (approval by the approver role; approving it approves the manifest) -> cut
-- (job) -> verify_cut (job). Audited as staging.review_workflow.
-- {"status": "started", "workflow_id", "record_id"} or gate_closed.
DECLARE
    r iu_staging_record%ROWTYPE;
    v_spec jsonb;
    v_id bigint;
    v_job jsonb;
BEGIN
    PERFORM fn_actor_required();
    -- the manifest's row lock: two starts for one manifest take turns
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF r.lifecycle_status <> 'pending_review' THEN
        RAISE EXCEPTION 'not_pending_review: staging record % is %; a review workflow starts on a pending manifest',
                p_record_id, r.lifecycle_status
            USING ERRCODE = 'QG003';
    END IF;
    IF EXISTS (SELECT 1 FROM workflow WHERE subject_table = 'iu_staging_record' AND subject_ref = p_record_id::text
                                        AND status = 'running') THEN
        RAISE EXCEPTION 'review_running: staging record % already has a running review workflow', p_record_id
            USING ERRCODE = 'QG003';
    END IF;
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_act_audit(fn_gate_closed_result('queue.job_substrate.enabled'), 'staging.review_workflow',
                            'iu_staging_record', ARRAY[p_record_id::text], p_reason);
    END IF;
    v_job := jsonb_build_object('payload', jsonb_build_object('record_id', p_record_id));
    v_spec := jsonb_build_object(
        'name', left(format('staging review %s record %s',
                            regexp_replace(coalesce(r.doc_code, 'manifest'), '[^A-Za-z0-9_.:/ -]', '-', 'g'), p_record_id),
                     200),
        'correlation_id', 'staging:' || p_record_id,
        'steps', jsonb_build_array(
            jsonb_build_object('name', 'verify_mark', 'job', v_job || '{"job_kind": "queuegov.staging_verify_mark"}'),
            jsonb_build_object('name', 'approve', 'depends_on', '["verify_mark"]'::jsonb,
                'approval', jsonb_build_object(
                    'title', left(format('Approve manifest #%s (%s)', p_record_id, coalesce(r.doc_code, r.source_ref)), 200),
                    'description', 'Approving this task approves the staged manifest (verify-mark apply).',
                    'assignee', '{"role": "approver"}'::jsonb,
                    'approves', jsonb_build_object('table', 'iu_staging_record', 'ref', p_record_id::text))),
            jsonb_build_object('name', 'cut', 'depends_on', '["approve"]'::jsonb,
                               'job', v_job || '{"job_kind": "queuegov.staging_cut"}'),
            jsonb_build_object('name', 'verify_cut', 'depends_on', '["cut"]'::jsonb,
                               'job', v_job || '{"job_kind": "queuegov.staging_verify_cut"}')));
    PERFORM fn_workflow_spec_check(v_spec, '', 1);
    v_id := fn_workflow_insert(v_spec, NULL);
    UPDATE workflow SET subject_table = 'iu_staging_record', subject_ref = p_record_id::text WHERE id = v_id;
    RETURN fn_act_audit(jsonb_build_object('status', 'started', 'workflow_id', v_id, 'record_id', p_record_id),
                        'staging.review_workflow', 'iu_staging_record', ARRAY[p_record_id::text], p_reason);
END;
$$;

ALTER FUNCTION public.fn_iu_staging_review_start(p_record_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_vector_columns(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_vector_columns() RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
    -- Columns that could hold vectors or embeddings on the staging tables,
    -- information_unit and iu_vector_sync_point; the no-vector guarantee says
    -- there are none. vector_excluded (a flag) and vector_ref (the store's
    -- reference, a short text by CHECK) are the two allowed names, as text or boolean only.
    SELECT coalesce(array_agg(format('%s.%s', c.relname, a.attname) ORDER BY c.relname, a.attname), '{}')
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE c.relname IN ('iu_staging_record', 'iu_staging_payload', 'information_unit', 'iu_vector_sync_point')
       AND c.relnamespace = 'public'::regnamespace
       AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attname ~* '(vector|embedding)'
                AND NOT (a.attname = 'vector_excluded' AND t.typname = 'bool')
                AND NOT (a.attname = 'vector_ref' AND t.typname = 'text')
            OR t.typname IN ('vector', 'halfvec', 'sparsevec'));
$$;

ALTER FUNCTION public.fn_iu_vector_columns() OWNER TO queuegov_owner;

--
-- Name: fn_iu_vector_sync_ack(bigint, text, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
-- Acks a vector.sync job through fn_job_ack (the lease fencing applies: only
-- the current attempt of the lease owner gets through) with the result
-- {vector_ref, version}, then records the version on its point unless a newer
-- version was acknowledged already (a late ack of an old version changes only
-- its job). An upsert needs the store's reference; a delete takes NULL.
DECLARE
    j          record;
    v_ref      text := p_vector_ref;
    v_version  integer;
    v_op       text;
    v          jsonb;
    v_recorded boolean := false;
BEGIN
    IF v_ref IS NOT NULL THEN
        IF btrim(v_ref) = '' THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % is empty; pass the vector store''s id of the unit', p_job_id
                USING ERRCODE = 'QG004';
        END IF;
        IF length(v_ref) > 500 THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % is % characters long (at most 500); pass the store''s id, never the vector', p_job_id, length(v_ref)
                USING ERRCODE = 'QG004';
        END IF;
        IF v_ref ~ '^\s*[\[{(]' OR v_ref ~ '^\s*-?[0-9.eE+-]+(\s*,\s*-?[0-9.eE+-]+){2,}\s*$' THEN
            RAISE EXCEPTION 'invalid_vector_ref: the vector reference of job % looks like a vector or a JSON value (%…), not a reference; pass the store''s id of the unit', p_job_id, left(v_ref, 20)
                USING ERRCODE = 'QG004';
        END IF;
    END IF;
    SELECT job_kind, payload INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND OR j.job_kind <> 'vector.sync' THEN
        RAISE EXCEPTION 'not_vector_sync_job: job % is not a vector.sync job; acknowledge other jobs with fn_job_ack', p_job_id
            USING ERRCODE = 'QG004';
    END IF;
    v_version := (j.payload ->> 'version')::integer;
    v_op := j.payload ->> 'op';
    IF v_op = 'upsert' AND v_ref IS NULL THEN
        RAISE EXCEPTION 'invalid_vector_ref: job % upserts unit % and needs the vector store''s reference, not NULL', p_job_id, j.payload ->> 'unit_id'
            USING ERRCODE = 'QG004';
    END IF;
    IF v_op = 'delete' THEN
        v_ref := NULL;  -- the unit is gone from the store: no reference to keep
    END IF;

    v := fn_job_ack(p_job_id, p_worker_id, jsonb_build_object('vector_ref', v_ref, 'version', v_version), p_attempt);
    IF v ->> 'status' <> 'succeeded' THEN
        RETURN v;  -- fenced: nothing recorded
    END IF;
    UPDATE iu_vector_sync_point
       SET synced_version = v_version, synced_unit_id = (j.payload ->> 'unit_id')::bigint, vector_ref = v_ref,
           synced_at = clock_timestamp()
     WHERE doc_code = j.payload ->> 'doc_code' AND section_code = j.payload ->> 'section_code'
       AND synced_version <= v_version AND wanted_version >= v_version;
    v_recorded := FOUND;
    RETURN v || jsonb_build_object('version', v_version, 'op', v_op, 'recorded', v_recorded,
                                   'synced_version', (SELECT synced_version FROM iu_vector_sync_point
                                                       WHERE doc_code = j.payload ->> 'doc_code'
                                                         AND section_code = j.payload ->> 'section_code'));
END;
$_$;

ALTER FUNCTION public.fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_vector_sync_capture(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_vector_sync_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Fires at commit (deferred), once per inserted or superseded unit row, as
-- whoever commits: hence SECURITY DEFINER. Locks (or creates) the point first,
-- then reads the section's current unit in a statement of its own, so it
-- compares the committed outcome with the point: a re-cut's INSERT and UPDATE
-- of the same section bump once, and a cut that waited for another cut of the
-- document (fn_iu_cut_from_manifest's advisory lock) sees that cut's bump.
DECLARE
    p       iu_vector_sync_point%ROWTYPE;
    v_unit  bigint;
    v_hash  text;
BEGIN
    INSERT INTO iu_vector_sync_point (doc_code, section_code) VALUES (NEW.doc_code, NEW.section_code)
    ON CONFLICT (doc_code, section_code) DO NOTHING;
    SELECT * INTO p FROM iu_vector_sync_point
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code FOR UPDATE;
    SELECT id, body_hash INTO v_unit, v_hash FROM information_unit
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code AND superseded_at IS NULL;
    IF v_unit IS NOT DISTINCT FROM p.wanted_unit_id THEN
        RETURN NULL;  -- already counted (or never existed)
    END IF;
    UPDATE iu_vector_sync_point
       SET wanted_version = wanted_version + 1, wanted_unit_id = v_unit, wanted_body_hash = v_hash,
           wanted_at = clock_timestamp(), job_id = NULL
     WHERE doc_code = NEW.doc_code AND section_code = NEW.section_code;
    BEGIN
        PERFORM fn_iu_vector_sync_enqueue(NEW.doc_code, NEW.section_code);
    EXCEPTION WHEN SQLSTATE 'QG004' OR SQLSTATE 'QG005' THEN
        -- A retired kind or a missing queue must not undo the cut: the point
        -- stays behind, and the health row and the catch-up say why.
        RAISE WARNING 'vector sync of % left behind: %', NEW.section_code, SQLERRM;
    END;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_iu_vector_sync_capture() OWNER TO queuegov_owner;

--
-- Name: fn_iu_vector_sync_catch_up(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_vector_sync_catch_up(p_limit integer DEFAULT 500) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Every point behind with no job for its wanted version gets one (the same
-- idempotency key as the capture's). Concurrent runs skip each other's rows.
-- {"status": "enqueued" | "nothing_to_do" | "gate_closed", "enqueued", "duplicates", "left"}
DECLARE
    p           record;
    v           jsonb;
    v_enqueued  integer := 0;
    v_dups      integer := 0;
    v_left      bigint;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'invalid_batch_size: p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF NOT fn_gate_open('vector.sync.enabled') THEN
        RETURN fn_gate_closed_result('vector.sync.enabled');
    END IF;
    FOR p IN
        SELECT doc_code, section_code FROM iu_vector_sync_point
         WHERE synced_version < wanted_version AND job_id IS NULL
         ORDER BY wanted_at, doc_code, section_code
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    LOOP
        v := fn_iu_vector_sync_enqueue(p.doc_code, p.section_code);
        CASE v ->> 'status'
            WHEN 'enqueued' THEN v_enqueued := v_enqueued + 1;
            WHEN 'duplicate' THEN v_dups := v_dups + 1;
            WHEN 'gate_closed' THEN RETURN v;  -- the job substrate's gate
            ELSE NULL;
        END CASE;
    END LOOP;
    SELECT count(*) INTO v_left FROM iu_vector_sync_point WHERE synced_version < wanted_version AND job_id IS NULL;
    RETURN jsonb_build_object('status', CASE WHEN v_enqueued + v_dups = 0 THEN 'nothing_to_do' ELSE 'enqueued' END,
                              'enqueued', v_enqueued, 'duplicates', v_dups, 'left', v_left);
END;
$$;

ALTER FUNCTION public.fn_iu_vector_sync_catch_up(p_limit integer) OWNER TO queuegov_owner;

--
-- Name: fn_iu_vector_sync_enqueue(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_vector_sync_enqueue(p_doc_code text, p_section_code text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- The caller holds the point's row lock. Enqueues the vector.sync job of the
-- wanted version (idempotent per unit identity and version), records it on
-- the point and wakes kb_vector_sync; the payload carries references only.
-- Answers fn_job_enqueue's answer (gate_closed included), or nothing_to_do.
DECLARE
    p         iu_vector_sync_point%ROWTYPE;
    v_refs    jsonb;
    v         jsonb;
BEGIN
    SELECT * INTO p FROM iu_vector_sync_point WHERE doc_code = p_doc_code AND section_code = p_section_code;
    IF NOT FOUND OR p.synced_version >= p.wanted_version THEN
        RETURN jsonb_build_object('status', 'nothing_to_do');
    END IF;
    IF NOT fn_gate_open('vector.sync.enabled') THEN
        RETURN fn_gate_closed_result('vector.sync.enabled');
    END IF;
    v_refs := jsonb_build_object('doc_code', p.doc_code, 'section_code', p.section_code, 'unit_id', p.wanted_unit_id,
                                 'version', p.wanted_version, 'body_hash', p.wanted_body_hash,
                                 'op', CASE WHEN p.wanted_unit_id IS NULL THEN 'delete' ELSE 'upsert' END);
    v := fn_job_enqueue('vector.sync', v_refs,
                        p_idempotency_key => format('vector.sync:%s:%s:v%s', p.doc_code, p.section_code, p.wanted_version),
                        p_correlation_id => left('information_unit:' || p.section_code, 200));
    IF v ->> 'status' IN ('enqueued', 'duplicate') THEN
        UPDATE iu_vector_sync_point SET job_id = (v ->> 'job_id')::bigint
         WHERE doc_code = p.doc_code AND section_code = p.section_code;
        PERFORM pg_notify('kb_vector_sync', (v_refs || jsonb_build_object('job_id', (v ->> 'job_id')::bigint))::text);
    END IF;
    RETURN v;
END;
$$;

ALTER FUNCTION public.fn_iu_vector_sync_enqueue(p_doc_code text, p_section_code text) OWNER TO queuegov_owner;

--
-- Name: fn_iu_verify_cut_result(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_verify_cut_result(p_cut_run_id bigint) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Three-axis health of the units one cut made, with evidence:
--   A sort_order complete (1..N) and unique among the cut's units
--   B section_type in the vocabulary
--   C parent_or_container_ref: every parent is a unit of the same cut that
--     precedes and can contain it, and matches the manifest's parent
-- plus, while the manifest's pieces still exist, piece-by-piece agreement
-- (count, body hash, section_type, sort_order), and the no-vector guarantee.
-- Verdict: problems (any check failed); verified (all passed, compared with
-- the manifest); no_vector_ok (structure sound and vector-free, but the
-- manifest was already cleaned, so there was nothing to compare with).
DECLARE
    v_actor    text := fn_actor_required();
    c          dot_iu_command_run%ROWTYPE;
    r          iu_staging_record%ROWTYPE;
    v_n        integer;
    v_pieces   integer;
    v_compared boolean;
    v_a jsonb; v_b jsonb; v_c jsonb; v_m jsonb; v_nv jsonb;
    v_vector_columns text[];
    v_total    integer;
    v_verdict  text;
    v_evidence jsonb;
    v_run      bigint;
BEGIN
    SELECT * INTO c FROM dot_iu_command_run WHERE id = p_cut_run_id;
    IF NOT FOUND OR c.command <> 'cut' THEN
        RAISE EXCEPTION 'unknown_cut_run: dot_iu_command_run % is not a cut', p_cut_run_id USING ERRCODE = 'QG005';
    END IF;
    IF c.run_status <> 'succeeded' THEN
        RAISE EXCEPTION 'not_cut: cut run % is %', p_cut_run_id, c.run_status USING ERRCODE = 'QG003';
    END IF;
    SELECT * INTO r FROM iu_staging_record WHERE id = c.record_id;
    SELECT count(*) INTO v_n FROM information_unit WHERE created_by_run_id = c.id;
    SELECT count(*) INTO v_pieces FROM iu_staging_payload WHERE record_id = r.id;
    v_compared := v_pieces > 0;

    -- Axis A
    WITH u AS (SELECT id, sort_order FROM information_unit WHERE created_by_run_id = c.id),
    problems AS (
        SELECT NULL::bigint AS unit_id, format('the manifest had %s pieces, the cut made %s units', r.piece_count, v_n) AS problem
         WHERE r.piece_count <> v_n
        UNION ALL
        SELECT id, format('sort_order %s is outside 1..%s', sort_order, v_n) FROM u WHERE sort_order > v_n
        UNION ALL
        SELECT a.id, format('sort_order %s is also used by unit %s', a.sort_order, string_agg(b.id::text, ', ' ORDER BY b.id))
          FROM u a JOIN u b ON b.sort_order = a.sort_order AND b.id <> a.id GROUP BY a.id, a.sort_order
        UNION ALL
        SELECT NULL, format('sort_order %s is not used by any unit', s)
          FROM generate_series(1, v_n) AS s WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.sort_order = s)
    )
    SELECT fn_iu_axis_result('sort_order complete (1..N) and unique',
                             jsonb_agg(jsonb_build_object('unit_id', unit_id, 'problem', problem) ORDER BY unit_id NULLS LAST, problem))
      INTO v_a FROM problems;

    -- Axis B
    SELECT fn_iu_axis_result('section_type in the vocabulary: ' || array_to_string(fn_iu_section_types(), ', '),
                             jsonb_agg(jsonb_build_object('unit_id', id, 'problem',
                                       format('section_type %s is not allowed', quote_literal(section_type))) ORDER BY id))
      INTO v_b
      FROM information_unit
     WHERE created_by_run_id = c.id AND NOT (section_type::text = ANY (fn_iu_section_types()));

    -- Axis C
    WITH u AS (SELECT * FROM information_unit WHERE created_by_run_id = c.id),
    problems AS (
        SELECT u.id AS unit_id, format('parent unit %s does not exist', u.parent_id) AS problem
          FROM u WHERE u.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_unit x WHERE x.id = u.parent_id)
        UNION ALL
        SELECT u.id, format('parent unit %s belongs to another cut (run %s)', par.id, par.created_by_run_id)
          FROM u JOIN information_unit par ON par.id = u.parent_id WHERE par.created_by_run_id <> c.id
        UNION ALL
        SELECT u.id, format('parent unit %s (sort_order %s) does not precede it (sort_order %s)', par.id, par.sort_order, u.sort_order)
          FROM u JOIN u par ON par.id = u.parent_id WHERE par.sort_order >= u.sort_order
        UNION ALL
        SELECT u.id, format('parent unit %s is a %s and cannot contain a %s', par.id, par.section_type, u.section_type)
          FROM u JOIN u par ON par.id = u.parent_id
         WHERE coalesce(fn_iu_section_rank(par.section_type), 99) >= coalesce(fn_iu_section_rank(u.section_type), 0)
        UNION ALL
        SELECT u.id, format('the manifest names parent piece %s, the unit %s',
                            coalesce(p.parent_piece_no::text, 'none'),
                            coalesce((SELECT 'has unit ' || par.id || ' (piece ' || par.piece_no || ')'
                                        FROM information_unit par WHERE par.id = u.parent_id), 'has no parent'))
          FROM u JOIN iu_staging_payload p ON p.record_id = r.id AND p.piece_no = u.piece_no
         WHERE p.parent_piece_no IS DISTINCT FROM (SELECT par.piece_no FROM u par WHERE par.id = u.parent_id)
    )
    SELECT fn_iu_axis_result('parent_or_container_ref resolvable within the cut',
                             jsonb_agg(jsonb_build_object('unit_id', unit_id, 'problem', problem) ORDER BY unit_id, problem))
      INTO v_c FROM problems;

    -- The manifest, piece by piece (only while its payload exists)
    SELECT fn_iu_axis_result(CASE WHEN v_compared THEN 'units agree with the manifest pieces'
                                  ELSE 'manifest payload cleaned: nothing to compare' END,
                             jsonb_agg(jsonb_build_object('unit_id', x.unit_id, 'piece_no', x.piece_no, 'problem', x.problem)
                                       ORDER BY x.piece_no, x.problem))
      INTO v_m
      FROM (
        SELECT u.id AS unit_id, p.piece_no,
               CASE WHEN u.id IS NULL THEN 'the piece has no unit'
                    WHEN p.piece_no IS NULL THEN 'the unit has no piece'
                    WHEN u.body_hash <> p.piece_hash OR md5(u.body) <> p.piece_hash THEN 'the unit text differs from the piece'
                    WHEN u.section_type::text IS DISTINCT FROM p.section_type THEN
                        format('section_type %s, the piece says %s', u.section_type, p.section_type)
                    WHEN u.sort_order IS DISTINCT FROM p.sort_order THEN
                        format('sort_order %s, the piece says %s', u.sort_order, p.sort_order)
               END AS problem
          FROM (SELECT * FROM information_unit WHERE created_by_run_id = c.id) u
          FULL JOIN (SELECT * FROM iu_staging_payload WHERE record_id = r.id) p ON p.piece_no = u.piece_no
         WHERE v_compared
      ) x
     WHERE x.problem IS NOT NULL;

    -- The no-vector guarantee
    v_vector_columns := fn_iu_vector_columns();
    v_nv := fn_iu_axis_result('no vectors: the manifest is vector_excluded and no staging or unit column holds vectors',
        (SELECT jsonb_agg(jsonb_build_object('unit_id', NULL, 'problem', problem))
           FROM (SELECT 'the manifest is not vector_excluded' AS problem WHERE NOT r.vector_excluded
                 UNION ALL
                 SELECT format('column %s could hold vectors', col) FROM unnest(v_vector_columns) AS col) v));

    v_total := (v_a ->> 'problem_count')::integer + (v_b ->> 'problem_count')::integer
             + (v_c ->> 'problem_count')::integer + (v_m ->> 'problem_count')::integer
             + (v_nv ->> 'problem_count')::integer;
    v_verdict := CASE WHEN v_total > 0 THEN 'problems' WHEN v_compared THEN 'verified' ELSE 'no_vector_ok' END;
    v_evidence := jsonb_build_object(
        'verdict', v_verdict, 'record_id', r.id, 'cut_run_id', c.id, 'units', v_n, 'problem_count', v_total,
        'compared_with_manifest', v_compared, 'lifecycle_status', r.lifecycle_status,
        'axes', jsonb_build_object('A', v_a, 'B', v_b, 'C', v_c),
        'manifest', v_m, 'no_vector', v_nv);

    v_run := fn_iu_run_open('verify_cut', 'verify', r.id, jsonb_build_object('record_id', r.id, 'cut_run_id', c.id), c.id);
    PERFORM fn_iu_run_close(v_run, v_verdict, v_evidence);
    IF v_verdict <> 'problems' THEN
        -- once per cut: the event substrate keeps one durable event per subject
        PERFORM fn_event_capture('iu.cut_verified', 'dot_iu_command_run', c.id::text,
                                 jsonb_build_object('cut_run_id', c.id, 'verify_run_id', v_run, 'record_id', r.id,
                                                    'doc_code', r.doc_code, 'units', v_n, 'verdict', v_verdict),
                                 'dot_iu_command_run:' || c.id, 'iu_staging_record:' || r.id, NULL,
                                 'dot_iu_command_run:' || v_run);
    END IF;
    RETURN jsonb_build_object('status', v_verdict, 'verdict', v_verdict, 'record_id', r.id, 'cut_run_id', c.id,
                              'run_id', v_run, 'units', v_n, 'problem_count', v_total, 'evidence', v_evidence);
END;
$$;

ALTER FUNCTION public.fn_iu_verify_cut_result(p_cut_run_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_iu_verify_mark(bigint, boolean, text, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_iu_verify_mark(p_record_id bigint, p_apply boolean DEFAULT false, p_approval_doc_id text DEFAULT NULL::text, p_reason text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Dry run (run_mode plan): the verdict, nothing changed but the run row.
-- Apply (run_mode apply): a pending_review manifest whose verdict passes is
-- approved by someone other than its marker, with an approval_doc_id and a
-- reason; a failing verdict is refused (status "refused", with the verdict).
DECLARE
    v_actor   text := fn_actor_required();
    v_now     timestamptz := coalesce(p_now, now());
    r         iu_staging_record%ROWTYPE;
    v_verdict jsonb;
    v_run     bigint;
    v_doc     text := nullif(btrim(coalesce(p_approval_doc_id, '')), '');
    v_failing text;
BEGIN
    SELECT * INTO r FROM iu_staging_record WHERE id = p_record_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_record: staging record % does not exist', p_record_id USING ERRCODE = 'QG005';
    END IF;
    IF coalesce(p_apply, false) THEN
        IF r.lifecycle_status <> 'pending_review' THEN
            RAISE EXCEPTION 'not_pending_review: staging record % is %; only pending_review manifests are approved',
                    r.id, r.lifecycle_status
                USING ERRCODE = 'QG003';
        END IF;
        IF r.expires_at <= v_now THEN
            RAISE EXCEPTION 'expired: staging record % expired at %; mark the source again', r.id, r.expires_at
                USING ERRCODE = 'QG003';
        END IF;
        IF r.marked_by = v_actor THEN
            RAISE EXCEPTION 'four_eyes: approver must differ from marker (% marked staging record %)', v_actor, r.id
                USING ERRCODE = 'QG002';
        END IF;
        IF v_doc IS NULL THEN
            RAISE EXCEPTION 'approval_doc_required: approving staging record % needs an approval_doc_id', r.id
                USING ERRCODE = 'QG008';
        END IF;
        IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
            RAISE EXCEPTION 'reason_required: approving staging record % needs a reason', r.id USING ERRCODE = 'QG008';
        END IF;
    END IF;

    v_verdict := fn_iu_mark_verdict(r.id);
    v_run := fn_iu_run_open('verify_mark', CASE WHEN coalesce(p_apply, false) THEN 'apply' ELSE 'plan' END, r.id,
                            jsonb_build_object('record_id', r.id, 'apply', coalesce(p_apply, false),
                                               'approval_doc_id', v_doc));

    IF NOT coalesce(p_apply, false) THEN
        PERFORM fn_iu_run_close(v_run, v_verdict ->> 'verdict', v_verdict);
        RETURN jsonb_build_object('status', 'dry_run', 'record_id', r.id, 'run_id', v_run,
                                  'lifecycle_status', r.lifecycle_status, 'verdict', v_verdict);
    END IF;

    IF v_verdict ->> 'verdict' <> 'passed' THEN
        SELECT string_agg(format('%s (%s)', key, value ->> 'problem_count'), ', ' ORDER BY key) INTO v_failing
          FROM jsonb_each(v_verdict -> 'axes') WHERE NOT (value ->> 'ok')::boolean;
        PERFORM fn_iu_run_close(v_run, 'refused', v_verdict);
        RETURN jsonb_build_object('status', 'refused', 'record_id', r.id, 'run_id', v_run,
                                  'reason', format('verdict_failed: staging record %s has problems on axis %s', r.id, v_failing),
                                  'lifecycle_status', r.lifecycle_status, 'verdict', v_verdict);
    END IF;

    UPDATE iu_staging_record
       SET lifecycle_status = 'approved', approved_at = v_now, approved_by = v_actor, approval_doc_id = v_doc,
           approval_reason = btrim(p_reason), last_run_id = v_run
     WHERE id = r.id;
    PERFORM fn_iu_staging_capture('staging.record_approved', r.id, v_run,
        jsonb_build_object('doc_code', r.doc_code, 'approved_by', v_actor, 'approval_doc_id', v_doc,
                           'marked_by', r.marked_by, 'lifecycle_status', 'approved'));
    PERFORM fn_iu_run_close(v_run, 'succeeded',
                            v_verdict || jsonb_build_object('approved_by', v_actor, 'approval_doc_id', v_doc));
    RETURN jsonb_build_object('status', 'approved', 'record_id', r.id, 'run_id', v_run,
                              'lifecycle_status', 'approved', 'approval_doc_id', v_doc, 'verdict', v_verdict);
END;
$$;

ALTER FUNCTION public.fn_iu_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_job_ack(bigint, text, jsonb, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL::jsonb, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_ack_unbound(p_job_id, fn_worker_ref(p_worker_id), p_result, p_attempt);
END;
$$;

ALTER FUNCTION public.fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_ack_many(text, bigint[], integer[], jsonb[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[] DEFAULT NULL::jsonb[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_ack_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts, p_results);
END;
$$;

ALTER FUNCTION public.fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_ack_many_and_claim(text, bigint[], integer[], jsonb[], text[], integer, integer, text, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[] DEFAULT NULL::jsonb[], p_queues text[] DEFAULT NULL::text[], p_batch_size integer DEFAULT 1, p_lease_seconds integer DEFAULT 300, p_executor_class text DEFAULT NULL::text, p_job_kinds text[] DEFAULT NULL::text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- A worker's batch boundary in one round trip and one commit: fn_job_ack_many of what
-- it finished, then fn_job_claim of the next batch, each with its own rules (fencing;
-- gate, pauses, class, caps). {"ack": <fn_job_ack_many answer, or null when nothing was
-- finished>, "claim": <fn_job_claim answer>}.
DECLARE
    v_worker text := fn_worker_ref(p_worker_id);
    v_ack    jsonb;
BEGIN
    IF cardinality(p_job_ids) > 0 THEN
        v_ack := fn_job_ack_many_unbound(v_worker, p_job_ids, p_attempts, p_results);
    END IF;
    RETURN jsonb_build_object('ack', v_ack,
                              'claim', fn_job_claim_unbound(
                                  v_worker,
                                  CASE WHEN fn_caller_names_actor() THEN p_queues ELSE fn_executor_claim_queues(p_queues) END,
                                  p_batch_size, p_lease_seconds, fn_executor_claim_class(p_executor_class), p_job_kinds));
END;
$$;

ALTER FUNCTION public.fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[], p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_ack_many_unbound(text, bigint[], integer[], jsonb[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[] DEFAULT NULL::jsonb[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- One statement for a worker's batch; refused ids are listed, never half-applied.
-- Speed: each row finds its attempt (and result) at its id's position in p_job_ids, so
-- the update joins nothing (a join made PostgreSQL copy every joined row whole for
-- its recheck machinery). Without p_results the result column is not written: a
-- running job's result is always NULL (only an ack writes one), and not writing it
-- spares a payload check per row.
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts)
       OR (p_results IS NOT NULL AND cardinality(p_results) <> cardinality(p_job_ids)) THEN
        RAISE EXCEPTION 'invalid_batch: job ids, attempts and results must have the same length' USING ERRCODE = 'QG004';
    END IF;
    -- One-based copies, so a position in p_job_ids is the same position in the others.
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    IF p_results IS NULL THEN
        WITH acked AS (
            UPDATE job_queue j
               SET status = 'succeeded', finished_at = now(), last_worker_id = j.lease_owner, lease_owner = NULL,
                   lease_until = NULL, last_error = NULL
             WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
               AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
            RETURNING j.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM acked;
    ELSE
        p_results := p_results[:];
        -- the same size cap as fn_job_ack (the key rule is the result column's DOMAIN)
        PERFORM fn_payload_assert_size(r, 'result') FROM unnest(p_results) AS r;
        WITH acked AS (
            UPDATE job_queue j
               SET status = 'succeeded', result = p_results[array_position(p_job_ids, j.id)], finished_at = now(),
                   last_worker_id = j.lease_owner, lease_owner = NULL, lease_until = NULL, last_error = NULL
             WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
               AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
            RETURNING j.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM acked;
    END IF;
    IF cardinality(v_ids) = cardinality(p_job_ids) THEN
        RETURN jsonb_build_object('status', 'succeeded', 'acked', cardinality(v_ids), 'refused', '[]'::jsonb);
    END IF;
    RETURN jsonb_build_object('status', 'partial', 'acked', cardinality(v_ids),
        'refused', (SELECT coalesce(jsonb_agg(fn_job_fence_refusal(u.id, p_worker_id, u.attempt)), '[]'::jsonb)
                    FROM unnest(p_job_ids, p_attempts) AS u(id, attempt)
                    WHERE u.id <> ALL (v_ids)));
END;
$$;

ALTER FUNCTION public.fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_ack_unbound(bigint, text, jsonb, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb DEFAULT NULL::jsonb, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_ack');
    PERFORM fn_payload_assert_size(p_result, 'result');
    UPDATE job_queue
       SET status = 'succeeded', result = p_result, finished_at = now(), last_worker_id = lease_owner,
           lease_owner = NULL, lease_until = NULL, last_error = NULL
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'succeeded', 'job_id', p_job_id);
END;
$$;

ALTER FUNCTION public.fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_act_statuses(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_act_statuses(p_act text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    -- retry_now: a queued job runs now, a cancelled one is queued again (a dead job
    -- is replayed from its dead letter); cancel: a queued or running job.
    SELECT CASE p_act
               WHEN 'retry_now' THEN ARRAY['queued', 'cancelled']
               WHEN 'cancel' THEN ARRAY['queued', 'running']
           END
$$;

ALTER FUNCTION public.fn_job_act_statuses(p_act text) OWNER TO queuegov_owner;

--
-- Name: fn_job_attempt_history(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_attempt_history(p_job_id bigint) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- A live job's attempts as a jsonb array in attempt order (dead letters and archive rows keep this).
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'attempt', h.attempt, 'worker_id', h.worker_id, 'started_at', h.started_at,
               'finished_at', h.finished_at, 'outcome', h.outcome, 'error_class', h.error_class, 'error', h.error)
               ORDER BY h.attempt), '[]'::jsonb)
      FROM job_attempt_history h WHERE h.job_id = p_job_id
$$;

ALTER FUNCTION public.fn_job_attempt_history(p_job_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_job_attempt_required(integer, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_attempt_required(p_attempt integer, p_call text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF p_attempt IS NULL THEN
        RAISE EXCEPTION 'attempt_required: % needs the attempt number the claim returned (the fencing token)', p_call
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_job_attempt_required(p_attempt integer, p_call text) OWNER TO queuegov_owner;

--
-- Name: fn_job_cancel(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_cancel(p_job_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_cancel_many(ARRAY[p_job_id], p_reason);
END;
$$;

ALTER FUNCTION public.fn_job_cancel(p_job_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_cancel_many(bigint[], text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_cancel_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- The app cancels any job; an executor login only the jobs it enqueued.
DECLARE
    v_actor text := fn_actor_governed();
    v_foreign bigint[];
    v jsonb;
BEGIN
    IF NOT fn_caller_names_actor() THEN
        SELECT array_agg(id ORDER BY id) INTO v_foreign
          FROM job_queue WHERE id = ANY (p_job_ids) AND created_by IS DISTINCT FROM v_actor;
        IF v_foreign IS NOT NULL THEN
            RAISE EXCEPTION 'not_owner: % may cancel only the jobs it enqueued, not %', v_actor,
                    array_to_string(v_foreign, ', ')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    v := fn_job_cancel_many_unaudited(p_job_ids, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'job.cancel', 'job_queue', p_job_ids::text[], p_reason, NULL,
        format('cancelled %s, skipped %s', jsonb_array_length(v -> 'cancelled'), jsonb_array_length(v -> 'skipped')));
END;
$$;

ALTER FUNCTION public.fn_job_cancel_many(p_job_ids bigint[], p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_cancel_many_unaudited(bigint[], text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
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

ALTER FUNCTION public.fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_claim(text, text[], integer, integer, text, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_claim(p_worker_id text, p_queues text[] DEFAULT NULL::text[], p_batch_size integer DEFAULT 1, p_lease_seconds integer DEFAULT 300, p_executor_class text DEFAULT NULL::text, p_job_kinds text[] DEFAULT NULL::text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_claim_unbound(fn_worker_ref(p_worker_id),
                                CASE WHEN fn_caller_names_actor() THEN p_queues ELSE fn_executor_claim_queues(p_queues) END,
                                p_batch_size, p_lease_seconds, fn_executor_claim_class(p_executor_class), p_job_kinds);
END;
$$;

ALTER FUNCTION public.fn_job_claim(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_claim_pick(text, text[], text[], text, text[], integer, interval); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval) RETURNS jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
-- Pick up to p_limit queued jobs of the class in claim order (priority, run_at,
-- id), skipping rows another claimer holds, and lease them to p_worker_id: the
-- attempt number (the fencing token, docs/workers.md) goes up by one. Answers
-- the leased jobs as a jsonb array in claim order.
DECLARE
    v_ids  bigint[];
    v_jobs jsonb;
BEGIN
    IF cardinality(p_queues) = 0 THEN  -- an empty list names no queue (a generic plan would walk them all)
        RETURN '[]'::jsonb;
    ELSIF cardinality(p_queues) = 1 THEN  -- one queue: its own claim order in job_queue_claim
        v_ids := ARRAY(
            SELECT id FROM job_queue
             WHERE status = 'queued' AND queue_name = p_queues[1] AND run_at <= now()
               AND executor_class = p_executor_class AND queue_name <> ALL (p_paused)
               AND (p_job_kinds IS NULL OR job_kind = ANY (p_job_kinds))
             ORDER BY priority DESC, run_at, id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    ELSE  -- every queue, or several: the class's claim order in job_queue_ready
        v_ids := ARRAY(
            SELECT id FROM job_queue
             WHERE status = 'queued' AND run_at <= now() AND executor_class = p_executor_class
               AND (p_queues IS NULL OR queue_name = ANY (p_queues)) AND queue_name <> ALL (p_paused)
               AND (p_job_kinds IS NULL OR job_kind = ANY (p_job_kinds))
             ORDER BY priority DESC, run_at, id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    END IF;
    IF cardinality(v_ids) = 0 THEN
        RETURN '[]'::jsonb;
    END IF;
    WITH claimed AS (
        UPDATE job_queue j
           SET status = 'running', attempts = j.attempts + 1, lease_owner = p_worker_id,
               lease_until = now() + p_lease, started_at = now()
         WHERE j.id = ANY (v_ids)
        RETURNING j.id, j.job_kind, j.queue_name, j.payload, j.attempts, j.max_attempts, j.lease_until,
                  j.correlation_id, j.priority, j.run_at
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', id, 'job_kind', job_kind, 'queue_name', queue_name, 'payload', payload,
               'attempt', attempts, 'max_attempts', max_attempts, 'lease_until', lease_until,
               'correlation_id', correlation_id, 'priority', priority)
               ORDER BY priority DESC, run_at, id), '[]'::jsonb)
      INTO v_jobs FROM claimed;
    RETURN v_jobs;
END;
$$;

ALTER FUNCTION public.fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval) OWNER TO queuegov_owner;

--
-- Name: fn_job_claim_unbound(text, text[], integer, integer, text, text[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_claim_unbound(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- {"status": "claimed" | "empty", "jobs": [{id, job_kind, queue_name, payload, attempt, max_attempts,
--  lease_until, correlation_id, priority}]} or {"status": "gate_closed", ...}.
-- A class with max_concurrency is claimed one claimer at a time (an advisory
-- lock per class until commit), so two claimers never both take its last slot.
DECLARE
    v_paused text[];
    v_class  executor_class_registry%ROWTYPE;
    v_limit  integer := p_batch_size;
BEGIN
    IF NOT fn_gate_open('queue.worker.enabled') THEN
        RETURN fn_gate_closed_result('queue.worker.enabled');
    END IF;
    IF p_worker_id IS NULL OR length(p_worker_id) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid_worker_id: a worker id of 1..200 characters is required' USING ERRCODE = 'QG004';
    END IF;
    IF p_batch_size IS NULL OR p_batch_size NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid_batch_size: batch size must be between 1 and 1000, not %', p_batch_size USING ERRCODE = 'QG004';
    END IF;
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        RAISE EXCEPTION 'invalid_lease: lease must be between 1 and 86400 seconds, not %', p_lease_seconds USING ERRCODE = 'QG004';
    END IF;
    SELECT * INTO v_class FROM executor_class_registry WHERE code = p_executor_class AND status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_executor_class: % is not an active executor class', coalesce(p_executor_class, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    IF v_class.max_concurrency IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('queuegov.executor_class'), hashtext(v_class.code));
        SELECT least(p_batch_size, v_class.max_concurrency - count(*)) INTO v_limit
          FROM job_queue WHERE status = 'running' AND executor_class = v_class.code;
    END IF;
    IF v_limit <= 0 THEN
        RETURN jsonb_build_object('status', 'empty', 'jobs', '[]'::jsonb);
    END IF;
    SELECT coalesce(array_agg(queue_name), '{}') INTO v_paused FROM queue_state WHERE paused;
    RETURN (SELECT jsonb_build_object('status', CASE WHEN jsonb_array_length(j) > 0 THEN 'claimed' ELSE 'empty' END,
                                      'jobs', j)
              FROM fn_job_claim_pick(p_worker_id, p_queues, v_paused, v_class.code, p_job_kinds, v_limit,
                                     make_interval(secs => p_lease_seconds)) AS j);
END;
$$;

ALTER FUNCTION public.fn_job_claim_unbound(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_dead_letter_replay(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_dead_letter_replay_unaudited(p_dead_letter_id,
                                             fn_reason_checked(p_authorization_source, 'authorization'));
    RETURN fn_act_audit(v, 'job_dead_letter.replay', 'job_dead_letter', ARRAY[p_dead_letter_id::text],
        p_authorization_source, NULL,
        format('dead letter #%s replayed as job #%s', p_dead_letter_id, v ->> 'job_id'));
END;
$$;

ALTER FUNCTION public.fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) OWNER TO queuegov_owner;

--
-- Name: fn_job_dead_letter_replay_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_authorization_source text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- A new job (same kind, payload, queue, priority, correlation) linked to the
-- dead letter; once per dead letter; wakes the queue's workers.
DECLARE
    v_actor text := fn_actor_required();
    d job_dead_letter%ROWTYPE;
    s jsonb;
    v_policy_max integer;
    v_job_id bigint;
BEGIN
    IF NOT fn_gate_open('queue.dlq_replay.enabled') THEN
        RETURN fn_gate_closed_result('queue.dlq_replay.enabled');
    END IF;
    IF p_authorization_source IS NULL OR length(btrim(p_authorization_source)) < 3 THEN
        RAISE EXCEPTION 'authorization_required: a replay names its authorization (e.g. admin audit ref or ticket)'
            USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO d FROM job_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: job dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF d.triage_status <> 'manual_replay' THEN
        RAISE EXCEPTION 'triage_required: dead letter % is %, replay needs triage_status manual_replay', p_dead_letter_id, d.triage_status
            USING ERRCODE = 'QG003';
    END IF;
    s := d.job_snapshot;
    SELECT max_attempts INTO v_policy_max FROM retry_policy_registry WHERE code = coalesce(s ->> 'retry_policy', 'default');
    INSERT INTO job_queue (job_kind, queue_name, payload, priority, max_attempts, retry_policy, correlation_id,
                           created_by, replay_of_dead_letter_id)
    VALUES (d.job_kind, d.queue_name, coalesce(s -> 'payload', '{}'), coalesce((s ->> 'priority')::smallint, 0),
            coalesce((s ->> 'max_attempts')::integer, v_policy_max, 5), coalesce(s ->> 'retry_policy', 'default'),
            s ->> 'correlation_id', v_actor, d.id)
    RETURNING id INTO v_job_id;
    PERFORM fn_job_wake(d.queue_name, to_jsonb(fn_gate_open('queue.notify.enabled')));
    UPDATE job_dead_letter SET triage_status = 'replayed', replayed_job_id = v_job_id, replayed_by = v_actor,
                               replayed_at = now(), authorization_source = btrim(p_authorization_source)
     WHERE id = d.id;
    INSERT INTO idempotency_key (scope, key, result_ref, created_by)
    VALUES ('job_dead_letter_replay', d.id::text, 'job_queue:' || v_job_id, v_actor);
    PERFORM fn_event_capture('job.replayed', 'job_dead_letter', d.id::text,
                             jsonb_build_object('job_id', d.job_id, 'replayed_job_id', v_job_id, 'job_kind', d.job_kind,
                                                'replayed_by', v_actor),
                             s ->> 'correlation_id');
    RETURN jsonb_build_object('status', 'replayed', 'dead_letter_id', d.id, 'job_id', v_job_id);
END;
$$;

ALTER FUNCTION public.fn_job_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_authorization_source text) OWNER TO queuegov_owner;

--
-- Name: fn_job_dead_letter_triage(bigint, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_dead_letter_triage_unaudited(p_dead_letter_id, p_triage_status, fn_reason_checked(p_note, 'note'));
    RETURN fn_act_audit(v, 'job_dead_letter.triage_' || p_triage_status, 'job_dead_letter',
        ARRAY[p_dead_letter_id::text], p_note, NULL,
        format('dead letter #%s: %s → %s', p_dead_letter_id, coalesce(v ->> 'from', v ->> 'triage_status'), p_triage_status));
END;
$$;

ALTER FUNCTION public.fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) OWNER TO queuegov_owner;

--
-- Name: fn_job_dead_letter_triage_unaudited(bigint, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- open -> manual_replay | discarded; manual_replay -> open | discarded;
-- discarded -> open (transitions enforced by the FSM trigger on the table).
DECLARE
    v_actor text := fn_actor_required();
    v_old text;
BEGIN
    IF p_triage_status NOT IN ('open', 'manual_replay', 'discarded') THEN
        RAISE EXCEPTION 'invalid_triage_status: % (allowed: open, manual_replay, discarded; replayed is set by the replay)',
            p_triage_status USING ERRCODE = 'QG004';
    END IF;
    IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
        RAISE EXCEPTION 'reason_required: triage needs a note' USING ERRCODE = 'QG008';
    END IF;
    SELECT triage_status INTO v_old FROM job_dead_letter WHERE id = p_dead_letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_dead_letter: job dead letter % does not exist', p_dead_letter_id USING ERRCODE = 'QG005';
    END IF;
    IF v_old = p_triage_status THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'dead_letter_id', p_dead_letter_id, 'triage_status', v_old);
    END IF;
    UPDATE job_dead_letter SET triage_status = p_triage_status, triaged_by = v_actor, triaged_at = now(),
                               note = btrim(p_note)
     WHERE id = p_dead_letter_id;
    RETURN jsonb_build_object('status', 'triaged', 'dead_letter_id', p_dead_letter_id,
                              'from', v_old, 'to', p_triage_status);
END;
$$;

ALTER FUNCTION public.fn_job_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) OWNER TO queuegov_owner;

--
-- Name: fn_job_enqueue(text, jsonb, text, integer, timestamp with time zone, text, integer, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_enqueue(p_job_kind text, p_payload jsonb DEFAULT '{}'::jsonb, p_queue_name text DEFAULT NULL::text, p_priority integer DEFAULT 0, p_run_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_idempotency_key text DEFAULT NULL::text, p_max_attempts integer DEFAULT NULL::integer, p_correlation_id text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- {"status": "enqueued" | "duplicate", "job_id": N} or {"status": "gate_closed", ...}.
-- The common call (no idempotency key, a payload under the size cap, arguments in
-- range, an open gate, a registered queue) is one statement: the gate, the
-- consumer's defaults, the policy, the queue, the answer and the wake-up are all in
-- it. When that statement inserts nothing, fn_job_enqueue_checked finds out why and
-- says so, or inserts with the idempotency key.
DECLARE
    v_result jsonb;
    v_woken  boolean;
BEGIN
    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by, executor_class)
        SELECT p_job_kind, q.queue_name, p_payload, p_priority, coalesce(p_run_at, now()),
               coalesce(p_max_attempts, p.max_attempts), p.code, p_correlation_id, fn_actor(), c.executor_class
          FROM (SELECT) AS one
          LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
          JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
          JOIN queue_state q ON q.queue_name = coalesce(p_queue_name, c.queue_name, 'default')
         WHERE fn_gate_open('queue.job_substrate.enabled')
           AND fn_job_kind_open_to_caller(p_job_kind)
           -- the DOMAINs' ranges, folded to constants when this statement is planned
           AND p_priority <@ fn_domain_range('qg_job_priority')
           AND (p_max_attempts IS NULL OR p_max_attempts <@ fn_domain_range('qg_job_max_attempts'))
           AND jsonb_typeof(p_payload) = 'object'
           AND (p_run_at IS NULL OR (isfinite(p_run_at) AND p_run_at <= now() + interval '10 years'))
           AND (p_correlation_id IS NULL OR length(p_correlation_id) <= 200)
           -- the size cap is read only for a payload over 256 bytes (the smallest cap)
           AND (octet_length(p_payload::text) <= 256
                OR octet_length(p_payload::text)
                   <= fn_setting_int('queue.payload.max_bytes'))
        -- The answer and the wake-up come from RETURNING: a CTE and an outer query
        -- around the INSERT cost more than the rest of this statement's additions.
        RETURNING jsonb_build_object('status', 'enqueued', 'job_id', id),
                  fn_job_wake(queue_name, to_jsonb(fn_gate_open('queue.notify.enabled')))
             INTO v_result, v_woken;
        IF v_result IS NOT NULL THEN
            RETURN v_result;
        END IF;
    END IF;
    RETURN fn_job_enqueue_checked(p_job_kind, p_payload, p_queue_name, p_priority, p_run_at, p_idempotency_key,
                                  p_max_attempts, p_correlation_id);
END;
$$;

ALTER FUNCTION public.fn_job_enqueue(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_job_enqueue_checked(text, jsonb, text, integer, timestamp with time zone, text, integer, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_enqueue_checked(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- fn_job_enqueue's checked path: the rules of its fast path one at a time, each
-- named, then the insert (with the idempotency key, if any).
DECLARE
    v_queue  text;
    v_consumer_queue text;
    v_policy text;
    v_max    integer;
    v_id     bigint;
    v_class  text;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    SELECT c.queue_name, p.code, p.max_attempts, c.executor_class
      INTO v_consumer_queue, v_policy, v_max, v_class
      FROM (SELECT) AS one
      LEFT JOIN consumer_registry c ON c.job_kind = p_job_kind AND c.status = 'active'
      LEFT JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default');
    IF NOT fn_job_kind_open_to_caller(p_job_kind) THEN
        RAISE EXCEPTION 'job_kind_reserved: % is the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                p_job_kind, fn_actor()
            USING ERRCODE = 'QG002';
    END IF;
    IF jsonb_typeof(p_payload) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_payload: a payload is a JSON object, not %', coalesce(jsonb_typeof(p_payload), 'NULL')
            USING ERRCODE = 'QG004', COLUMN = 'payload';
    END IF;
    IF p_priority IS NULL OR NOT p_priority <@ fn_domain_range('qg_job_priority') THEN
        PERFORM fn_range_refuse('priority', p_priority, fn_domain_range('qg_job_priority'));
    END IF;
    IF p_max_attempts IS NOT NULL THEN
        IF NOT p_max_attempts <@ fn_domain_range('qg_job_max_attempts') THEN
            PERFORM fn_range_refuse('max_attempts', p_max_attempts, fn_domain_range('qg_job_max_attempts'));
        END IF;
        v_max := p_max_attempts;
    END IF;
    PERFORM fn_job_run_at_checked(p_run_at);
    IF length(p_correlation_id) > 200 THEN
        RAISE EXCEPTION 'correlation_id_length: a correlation id is at most 200 characters, not %', length(p_correlation_id)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'correlation_id_length';
    END IF;
    IF length(p_idempotency_key) NOT BETWEEN 1 AND 500 THEN
        RAISE EXCEPTION 'idempotency_key_length: an idempotency key is 1..500 characters, not %', length(p_idempotency_key)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'idempotency_key_length';
    END IF;
    PERFORM fn_payload_assert_size(p_payload, 'payload');
    v_queue := coalesce(p_queue_name, v_consumer_queue, 'default');
    IF NOT EXISTS (SELECT 1 FROM queue_state WHERE queue_name = v_queue) THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue (see queue_state)%', v_queue,
                CASE WHEN p_queue_name IS NULL THEN format('; it is the queue consumer_registry gives %s', p_job_kind) ELSE '' END
            USING ERRCODE = 'QG005';
    END IF;
    IF v_policy IS NULL THEN
        RAISE EXCEPTION 'unknown_retry_policy: job kind %''s retry policy is not in retry_policy_registry', p_job_kind
            USING ERRCODE = 'QG005';
    END IF;

    IF p_idempotency_key IS NULL THEN
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               correlation_id, created_by, executor_class)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_correlation_id, fn_actor(), v_class)
        RETURNING id INTO v_id;
    ELSE
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                               idempotency_key, correlation_id, created_by, executor_class)
        VALUES (p_job_kind, v_queue, p_payload, p_priority, coalesce(p_run_at, now()), v_max, v_policy,
                p_idempotency_key, p_correlation_id, fn_actor(), v_class)
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            SELECT id INTO v_id FROM job_queue WHERE idempotency_key = p_idempotency_key;
            RETURN jsonb_build_object('status', 'duplicate', 'job_id', v_id);
        END IF;
    END IF;
    PERFORM fn_job_wake(v_queue, to_jsonb(fn_gate_open('queue.notify.enabled')));
    RETURN jsonb_build_object('status', 'enqueued', 'job_id', v_id);
END;
$$;

ALTER FUNCTION public.fn_job_enqueue_checked(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) OWNER TO queuegov_owner;

--
-- Name: fn_job_enqueue_many(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_enqueue_many(p_jobs jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- p_jobs: [{"job_kind": …, "payload": {…}, "queue_name": …, "priority": …, "run_at": …,
--           "idempotency_key": …, "max_attempts": …, "correlation_id": …}, …]
-- One INSERT statement and one wake-up per queue; duplicates by idempotency key are
-- skipped. Every element is checked (fn_job_enqueue_many_checked) before anything
-- is written, and the first bad one is named by its index.
-- Speed: one validation pass; a batch without idempotency keys is a plain INSERT (no
-- ON CONFLICT, whose speculative insertion costs a lock and a WAL record per row).
DECLARE
    v_ids bigint[];
    v_total integer;
    v_notify jsonb;
    v_max_jobs bigint;
    v_keys boolean;
    v_woken bigint;
    v_actor text := fn_actor();
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    IF jsonb_typeof(p_jobs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid_jobs: fn_job_enqueue_many takes a jsonb array of job objects, not %',
                coalesce(jsonb_typeof(p_jobs), 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    v_total := jsonb_array_length(p_jobs);
    v_max_jobs := fn_setting_int('queue.enqueue_many.max_jobs');
    IF v_total > v_max_jobs THEN
        RAISE EXCEPTION 'too_many_jobs: % jobs in one call; queue.enqueue_many.max_jobs is %', v_total, v_max_jobs
            USING ERRCODE = 'QG004';
    END IF;
    v_keys := fn_job_enqueue_many_checked(p_jobs, fn_setting_int('queue.payload.max_bytes'));
    v_notify := to_jsonb(fn_gate_open('queue.notify.enabled'));

    IF NOT v_keys THEN
        WITH ins AS (
            INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                                   correlation_id, created_by, executor_class)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'correlation_id',
                   v_actor,
                   c.executor_class
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            RETURNING id, queue_name
        ), woken AS (
            SELECT fn_job_wake(q.queue_name, v_notify) FROM (SELECT DISTINCT queue_name FROM ins) AS q
        )
        SELECT array_agg(id ORDER BY id), (SELECT count(*) FROM woken) INTO v_ids, v_woken FROM ins;
    ELSE
        WITH ins AS (
            INSERT INTO job_queue (job_kind, queue_name, payload, priority, run_at, max_attempts, retry_policy,
                                   idempotency_key, correlation_id, created_by, executor_class)
            SELECT t.j ->> 'job_kind',
                   coalesce(t.j ->> 'queue_name', c.queue_name, 'default'),
                   coalesce(t.j -> 'payload', '{}')::qg_safe_payload,
                   coalesce((t.j ->> 'priority')::smallint, 0),
                   coalesce((t.j ->> 'run_at')::timestamptz, now()),
                   coalesce((t.j ->> 'max_attempts')::integer, p.max_attempts),
                   p.code,
                   t.j ->> 'idempotency_key',
                   t.j ->> 'correlation_id',
                   v_actor,
                   c.executor_class
              FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
              LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active'
              JOIN retry_policy_registry p ON p.code = coalesce(c.retry_policy, 'default')
             ORDER BY t.ord
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, queue_name
        ), woken AS (
            SELECT fn_job_wake(q.queue_name, v_notify) FROM (SELECT DISTINCT queue_name FROM ins) AS q
        )
        SELECT array_agg(id ORDER BY id), (SELECT count(*) FROM woken) INTO v_ids, v_woken FROM ins;
    END IF;

    RETURN jsonb_build_object('status', 'enqueued',
                              'enqueued', coalesce(array_length(v_ids, 1), 0),
                              'duplicates', v_total - coalesce(array_length(v_ids, 1), 0),
                              'job_ids', to_jsonb(coalesce(v_ids, '{}')));
END;
$$;

ALTER FUNCTION public.fn_job_enqueue_many(p_jobs jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_job_enqueue_many_checked(jsonb, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_enqueue_many_checked(p_jobs jsonb, p_max_bytes bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
-- fn_job_enqueue_many's checks of a jsonb array of jobs: raises naming the first
-- bad element by its index, or answers whether any element carries an idempotency
-- key. One pass over the elements; values of the wrong type (a priority "high" or
-- 1.5, a run_at "soon") make its casts fail, and only then does the loop run, to
-- name the element.
DECLARE
    v_priority int4range := fn_domain_range('qg_job_priority');
    v_max_attempts int4range := fn_domain_range('qg_job_max_attempts');
    v_bad integer;
    v_big integer;
    v_bad_queue integer;
    v_unknown integer;
    v_keys boolean;
    v_elem jsonb;
    v_ord bigint;
BEGIN
    BEGIN
        SELECT min(t.ord) FILTER (WHERE jsonb_typeof(t.j) <> 'object'
                                     OR jsonb_typeof(t.j -> 'job_kind') IS DISTINCT FROM 'string'
                                     OR (t.j ? 'payload' AND jsonb_typeof(t.j -> 'payload') <> 'object')
                                     OR (t.j ? 'priority' AND NOT (t.j ->> 'priority')::integer <@ v_priority)
                                     OR (t.j ? 'max_attempts' AND NOT (t.j ->> 'max_attempts')::integer <@ v_max_attempts)
                                     OR (t.j ? 'run_at' AND (t.j ->> 'run_at')::timestamptz IS NULL AND t.j -> 'run_at' <> 'null')
                                     OR (t.j ? 'run_at' AND (NOT isfinite((t.j ->> 'run_at')::timestamptz)
                                                             OR (t.j ->> 'run_at')::timestamptz > now() + interval '10 years'))
                                     OR (t.j ? 'correlation_id' AND length(t.j ->> 'correlation_id') > 200)
                                     OR (t.j ? 'idempotency_key' AND length(t.j ->> 'idempotency_key') NOT BETWEEN 1 AND 500)),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND t.j - ARRAY['job_kind', 'payload', 'queue_name', 'priority', 'run_at',
                                                    'idempotency_key', 'max_attempts', 'correlation_id'] <> '{}'::jsonb),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND octet_length(coalesce(t.j -> 'payload', '{}')::text) > p_max_bytes),
               min(t.ord) FILTER (WHERE jsonb_typeof(t.j) = 'object'
                                    AND coalesce(t.j ->> 'queue_name', c.queue_name, 'default')
                                        NOT IN (SELECT queue_name FROM queue_state)),
               coalesce(bool_or(jsonb_typeof(t.j) = 'object' AND t.j ->> 'idempotency_key' IS NOT NULL), false)
          INTO v_bad, v_unknown, v_big, v_bad_queue, v_keys
          FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
          LEFT JOIN consumer_registry c ON c.job_kind = t.j ->> 'job_kind' AND c.status = 'active';
    EXCEPTION WHEN data_exception THEN
        FOR v_elem, v_ord IN SELECT j, ord FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord) LOOP
            BEGIN
                PERFORM (v_elem ->> 'priority')::integer, (v_elem ->> 'max_attempts')::integer,
                        (v_elem ->> 'run_at')::timestamptz;
            EXCEPTION WHEN data_exception THEN
                RAISE EXCEPTION 'invalid_job: element % (%): %', v_ord - 1, left(v_elem::text, 200), SQLERRM
                    USING ERRCODE = 'QG004',
                          HINT = 'priority and max_attempts are integers, run_at a timestamp with time zone';
            END;
        END LOOP;
        RAISE;
    END;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_job: element % (%) needs a job_kind, an object payload, priority %..%, max_attempts %..%, a finite run_at at most ten years ahead, a correlation_id of at most 200 and an idempotency_key of 1..500 characters',
                v_bad - 1, left((p_jobs -> (v_bad - 1))::text, 200),
                lower(v_priority), upper(v_priority) - 1, lower(v_max_attempts), upper(v_max_attempts) - 1
            USING ERRCODE = 'QG004';
    END IF;
    IF NOT fn_caller_names_actor() THEN
        SELECT min(t.ord) INTO v_bad FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS t(j, ord)
         WHERE NOT fn_job_kind_open_to_caller(t.j ->> 'job_kind');
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'job_kind_reserved: element % is %, the app''s own kind (queuegov.* built-ins, task:* django.tasks); % may not enqueue it',
                    v_bad - 1, p_jobs -> (v_bad - 1) ->> 'job_kind', fn_actor()
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_job: element % has unknown keys %; a job takes job_kind, payload, queue_name, priority, run_at, idempotency_key, max_attempts, correlation_id',
                v_unknown - 1,
                (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(p_jobs -> (v_unknown - 1)) k
                  WHERE k NOT IN ('job_kind', 'payload', 'queue_name', 'priority', 'run_at', 'idempotency_key',
                                  'max_attempts', 'correlation_id'))
            USING ERRCODE = 'QG004';
    END IF;
    IF v_big IS NOT NULL THEN
        RAISE EXCEPTION 'payload_too_large: element % payload is % bytes; queue.payload.max_bytes is %',
                v_big - 1, octet_length((p_jobs -> (v_big - 1) -> 'payload')::text), p_max_bytes
            USING ERRCODE = 'QG007', COLUMN = 'payload';
    END IF;
    IF v_bad_queue IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_queue: element % goes to queue %, which is not registered (see queue_state)',
                v_bad_queue - 1,
                coalesce(p_jobs -> (v_bad_queue - 1) ->> 'queue_name',
                         (SELECT queue_name FROM consumer_registry
                           WHERE job_kind = p_jobs -> (v_bad_queue - 1) ->> 'job_kind' AND status = 'active'))
            USING ERRCODE = 'QG005';
    END IF;
    RETURN v_keys;
END;
$$;

ALTER FUNCTION public.fn_job_enqueue_many_checked(p_jobs jsonb, p_max_bytes bigint) OWNER TO queuegov_owner;

--
-- Name: fn_job_fail_or_retry(bigint, text, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_fail_or_retry_unbound(p_job_id, fn_worker_ref(p_worker_id), p_error, p_attempt);
END;
$$;

ALTER FUNCTION public.fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_fail_or_retry_unbound(bigint, text, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Retry with the policy's backoff, or dead-letter when the attempts that ran are exhausted.
DECLARE
    j job_queue%ROWTYPE;
    v_error text := left(coalesce(p_error, 'unknown error'), 10000);
    v_dl bigint;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_fail_or_retry');
    SELECT * INTO j FROM job_queue
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
    VALUES (j.id, j.attempts, j.lease_owner, j.started_at, 'failed', v_error)
    ON CONFLICT DO NOTHING;
    IF j.attempts - j.released_attempts >= j.max_attempts THEN
        UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                             last_error = v_error
         WHERE id = p_job_id RETURNING * INTO j;
        v_dl := fn_job_to_dead_letter(j, v_error);
        RETURN jsonb_build_object('status', 'dead', 'job_id', p_job_id, 'dead_letter_id', v_dl, 'attempts', j.attempts);
    END IF;
    UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                         run_at = now() + fn_retry_delay(j.retry_policy, j.attempts - j.released_attempts)
     WHERE id = p_job_id RETURNING * INTO j;
    RETURN jsonb_build_object('status', 'retry', 'job_id', p_job_id, 'run_at', j.run_at, 'attempts', j.attempts);
END;
$$;

ALTER FUNCTION public.fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_fence_refusal(bigint, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    j record;
    v_found boolean;
    v_done text;
BEGIN
    SELECT status, lease_owner, attempts, last_worker_id INTO j FROM job_queue WHERE id = p_job_id;
    v_found := FOUND;
    IF v_found AND j.status = 'succeeded' AND j.attempts = p_attempt AND j.last_worker_id = p_worker_id THEN
        v_done := 'succeeded';
    ELSIF v_found THEN
        SELECT a.outcome INTO v_done FROM job_attempt a
         WHERE a.job_id = p_job_id AND a.attempt = p_attempt AND a.worker_id = p_worker_id
           AND a.outcome IN ('failed', 'released');
    END IF;
    IF v_done IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'already', v_done, 'reason',
            format('already_%s: attempt %s of job %s was already %s by this worker', v_done, p_attempt, p_job_id,
                   CASE v_done WHEN 'succeeded' THEN 'acked' ELSE v_done END));
    END IF;
    IF NOT v_found OR (NOT fn_caller_names_actor() AND j.lease_owner IS DISTINCT FROM p_worker_id
                     AND coalesce(j.lease_owner, '') NOT LIKE session_user || '/%') THEN
        RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason',
            CASE WHEN fn_caller_names_actor() THEN 'unknown_job: no job ' || p_job_id
                 ELSE format('lease_lost: job %s is not leased to %s', p_job_id, session_user) END);
    END IF;
    RETURN jsonb_build_object('status', 'refused', 'job_id', p_job_id, 'reason',
        CASE
            WHEN j.status <> 'running' THEN format('lease_lost: job %s is %s, not running', p_job_id, j.status)
            WHEN j.lease_owner <> p_worker_id THEN format('lease_lost: job %s is leased by %s, not %s', p_job_id, j.lease_owner, p_worker_id)
            ELSE format('lease_lost: job %s is on attempt %s, not %s', p_job_id, j.attempts, p_attempt)
        END);
END;
$$;

ALTER FUNCTION public.fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_heartbeat(bigint, text, integer, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_heartbeat_unbound(p_job_id, fn_worker_ref(p_worker_id), p_lease_seconds, p_attempt);
END;
$$;

ALTER FUNCTION public.fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_heartbeat_many(text, bigint[], integer[], integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer DEFAULT 300) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_heartbeat_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts, p_lease_seconds);
END;
$$;

ALTER FUNCTION public.fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_heartbeat_many_unbound(text, bigint[], integer[], integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_heartbeat_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer DEFAULT 300) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Extends the leases of (job, attempt) pairs the worker still holds; the rest are "lost".
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts) THEN
        RAISE EXCEPTION 'attempt_required: fn_job_heartbeat_many needs one attempt per job id (the fencing tokens the claim returned)'
            USING ERRCODE = 'QG004';
    END IF;
    PERFORM fn_job_lease_valid(p_lease_seconds);
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    WITH ext AS (
        UPDATE job_queue j SET lease_until = now() + make_interval(secs => p_lease_seconds)
         WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
           AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
        RETURNING j.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM ext;
    RETURN jsonb_build_object('status', 'extended', 'extended', to_jsonb(v_ids),
        'lost', to_jsonb(ARRAY(SELECT unnest(p_job_ids) EXCEPT SELECT unnest(v_ids))));
END;
$$;

ALTER FUNCTION public.fn_job_heartbeat_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_heartbeat_unbound(bigint, text, integer, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer DEFAULT 300, p_attempt integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_until timestamptz;
BEGIN
    PERFORM fn_job_attempt_required(p_attempt, 'fn_job_heartbeat');
    PERFORM fn_job_lease_valid(p_lease_seconds);
    UPDATE job_queue SET lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE id = p_job_id AND (status = 'running') IS TRUE AND lease_owner = p_worker_id AND attempts = p_attempt
    RETURNING lease_until INTO v_until;
    IF v_until IS NULL THEN
        RETURN fn_job_fence_refusal(p_job_id, p_worker_id, p_attempt);
    END IF;
    RETURN jsonb_build_object('status', 'extended', 'job_id', p_job_id, 'lease_until', v_until);
END;
$$;

ALTER FUNCTION public.fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_kind_class(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_kind_class(p_job_kind text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
-- The executor class of the kind's active registration, or a refusal.
DECLARE
    v_class text;
BEGIN
    SELECT c.executor_class INTO v_class
      FROM consumer_registry c WHERE c.job_kind = p_job_kind AND c.status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_job_kind: % is not a registered job kind (fn_consumer_register binds a kind to the executor class that runs it)',
                coalesce(p_job_kind, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    RETURN v_class;
END;
$$;

ALTER FUNCTION public.fn_job_kind_class(p_job_kind text) OWNER TO queuegov_owner;

--
-- Name: fn_job_kind_open_to_caller(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_kind_open_to_caller(p_job_kind text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    -- The app's own kinds run in the app's worker with their payload's
    -- parameters (a task path, a partition count): only the app enqueues them.
    SELECT fn_caller_names_actor() OR NOT (p_job_kind LIKE 'queuegov.%' OR p_job_kind LIKE 'task:%')
$$;

ALTER FUNCTION public.fn_job_kind_open_to_caller(p_job_kind text) OWNER TO queuegov_owner;

--
-- Name: fn_job_lease_reaper(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_lease_reaper(p_limit integer DEFAULT 1000) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    j job_queue%ROWTYPE;
    v_requeued integer := 0;
    v_dead integer := 0;
    v_error text;
BEGIN
    IF NOT fn_gate_open('queue.lease_reaper.enabled') THEN
        RETURN fn_gate_closed_result('queue.lease_reaper.enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.lease_reaper')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another lease reaper is running');
    END IF;
    FOR j IN
        SELECT * FROM job_queue WHERE status = 'running' AND lease_until < now()
        ORDER BY lease_until LIMIT p_limit FOR UPDATE SKIP LOCKED
    LOOP
        v_error := format('lease_expired: worker %s did not finish attempt %s before %s', j.lease_owner, j.attempts, j.lease_until);
        INSERT INTO job_attempt (job_id, attempt, worker_id, started_at, outcome, error)
        VALUES (j.id, j.attempts, j.lease_owner, j.started_at, 'lease_expired', v_error)
        ON CONFLICT DO NOTHING;
        IF j.attempts - j.released_attempts >= j.max_attempts THEN
            UPDATE job_queue SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL,
                                 last_error = v_error
             WHERE id = j.id RETURNING * INTO j;
            PERFORM fn_job_to_dead_letter(j, v_error);
            v_dead := v_dead + 1;
        ELSE
            UPDATE job_queue SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = v_error,
                                 run_at = now() + fn_retry_delay(j.retry_policy, j.attempts - j.released_attempts)
             WHERE id = j.id;
            v_requeued := v_requeued + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_requeued + v_dead = 0 THEN 'nothing_to_do' ELSE 'reaped' END,
                              'requeued', v_requeued, 'dead', v_dead);
END;
$$;

ALTER FUNCTION public.fn_job_lease_reaper(p_limit integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_lease_valid(integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_lease_valid(p_lease_seconds integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    -- The claim's rule: a NULL lease would leave a job running with no lease_until, which no reaper finds.
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        RAISE EXCEPTION 'invalid_lease: lease must be between 1 and 86400 seconds, not %', p_lease_seconds
            USING ERRCODE = 'QG004';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_job_lease_valid(p_lease_seconds integer) OWNER TO queuegov_owner;

--
-- Name: fn_job_leases(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_leases(p_worker_id text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_leases_unbound(fn_worker_ref(p_worker_id));
END;
$$;

ALTER FUNCTION public.fn_job_leases(p_worker_id text) OWNER TO queuegov_owner;

--
-- Name: fn_job_leases_unbound(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_leases_unbound(p_worker_id text) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- The (job, attempt) pairs leased to a worker: what it re-checks after reconnecting.
    SELECT jsonb_build_object('status', 'ok', 'leases', coalesce(jsonb_agg(
               jsonb_build_object('id', id, 'attempt', attempts, 'lease_until', lease_until) ORDER BY id), '[]'::jsonb))
      FROM job_queue WHERE status = 'running' AND lease_owner = p_worker_id
$$;

ALTER FUNCTION public.fn_job_leases_unbound(p_worker_id text) OWNER TO queuegov_owner;

--
-- Name: fn_job_queue_stamp_class(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_queue_stamp_class() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- BEFORE INSERT on job_queue, when the inserter did not give the class (the
-- enqueue functions read it with the kind's other defaults).
BEGIN
    NEW.executor_class := fn_job_kind_class(NEW.job_kind);
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_job_queue_stamp_class() OWNER TO queuegov_owner;

--
-- Name: fn_job_release_many(text, bigint[], integer[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN fn_job_release_many_unbound(fn_worker_ref(p_worker_id), p_job_ids, p_attempts);
END;
$$;

ALTER FUNCTION public.fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_release_many_unbound(text, bigint[], integer[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_release_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- A worker gives back (job, attempt) pairs it never started. The attempt keeps its
-- number (a fencing token is never handed out twice) and is not counted.
DECLARE
    v_ids bigint[];
BEGIN
    IF p_attempts IS NULL OR cardinality(p_job_ids) <> cardinality(p_attempts) THEN
        RAISE EXCEPTION 'attempt_required: fn_job_release_many needs one attempt per job id (the fencing tokens the claim returned)'
            USING ERRCODE = 'QG004';
    END IF;
    p_job_ids := p_job_ids[:];
    p_attempts := p_attempts[:];
    WITH released AS (
        UPDATE job_queue j
           SET status = 'queued', released_attempts = j.released_attempts + 1, lease_owner = NULL,
               lease_until = NULL, run_at = now()
         WHERE j.id = ANY (p_job_ids) AND (j.status = 'running') IS TRUE AND j.lease_owner = p_worker_id
           AND j.attempts = p_attempts[array_position(p_job_ids, j.id)]
        RETURNING j.id, j.attempts
    ), kept AS (
        INSERT INTO job_attempt (job_id, attempt, worker_id, outcome)
        SELECT id, attempts, p_worker_id, 'released' FROM released
        ON CONFLICT DO NOTHING
        RETURNING job_id
    )
    SELECT coalesce(array_agg(job_id), '{}') INTO v_ids FROM kept;
    RETURN jsonb_build_object('status', 'released', 'released', cardinality(v_ids),
        'refused', (SELECT coalesce(jsonb_agg(fn_job_fence_refusal(u.id, p_worker_id, u.attempt)), '[]'::jsonb)
                    FROM unnest(p_job_ids, p_attempts) AS u(id, attempt)
                    WHERE u.id <> ALL (v_ids)));
END;
$$;

ALTER FUNCTION public.fn_job_release_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) OWNER TO queuegov_owner;

--
-- Name: fn_job_retry_now_many(bigint[], text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_retry_now_many(p_job_ids bigint[], p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v jsonb;
BEGIN
    v := fn_job_retry_now_many_unaudited(p_job_ids, fn_reason_checked(p_reason));
    RETURN fn_act_audit(v, 'job.retry_now', 'job_queue', p_job_ids::text[], p_reason, NULL,
        format('requeued %s, skipped %s', jsonb_array_length(v -> 'requeued'), jsonb_array_length(v -> 'skipped')));
END;
$$;

ALTER FUNCTION public.fn_job_retry_now_many(p_job_ids bigint[], p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_retry_now_many_unaudited(bigint[], text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text) RETURNS jsonb
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

ALTER FUNCTION public.fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_run_at_checked(timestamp with time zone, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text DEFAULT 'run_at'::text) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF p_run_at IS NOT NULL AND (NOT isfinite(p_run_at) OR p_run_at > now() + interval '10 years') THEN
        RAISE EXCEPTION 'run_at_in_range: % must be a finite time at most ten years ahead, not %', p_where, p_run_at
            USING ERRCODE = 'QG004';
    END IF;
    RETURN p_run_at;
END;
$$;

ALTER FUNCTION public.fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text) OWNER TO queuegov_owner;

--
-- Name: fn_job_schedule_next_slot(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_schedule_next_slot() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.cron_expression IS DISTINCT FROM OLD.cron_expression
       OR (NEW.enabled AND NOT OLD.enabled) OR NEW.next_run_at IS NULL THEN
        NEW.next_run_at := fn_cron_next(NEW.cron_expression, now());
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_job_schedule_next_slot() OWNER TO queuegov_owner;

--
-- Name: fn_job_schedule_set_enabled(text, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
    v_verb  text := CASE WHEN p_enabled THEN 'enable' ELSE 'disable' END;
BEGIN
    RETURN fn_act_audit(fn_job_schedule_set_enabled_unaudited(p_name, p_enabled, fn_reason_checked(p_reason)),
                        'job_schedule.' || v_verb, 'job_schedule', ARRAY[p_name], p_reason, NULL,
                        format('schedule %s %sd', p_name, v_verb));
END;
$$;

ALTER FUNCTION public.fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_schedule_set_enabled_unaudited(text, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_schedule_set_enabled_unaudited(p_name text, p_enabled boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
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

ALTER FUNCTION public.fn_job_schedule_set_enabled_unaudited(p_name text, p_enabled boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_job_task_kind_ensure(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_task_kind_ensure(p_job_kind text, p_queue_name text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
-- A django.tasks task's kind ('task:<module path>') bound to the Python worker's
-- class on first sight, audited as consumer.register; true when it registered
-- it. The backend calls it in the statement of the task's first enqueue. When
-- the caller named no actor, the registration is the backend's
-- (system:django.tasks). Any other kind is registered by an operator.
BEGIN
    IF p_job_kind IS NULL OR p_job_kind !~ '^task:[A-Za-z_][A-Za-z0-9_.]{0,194}$' THEN
        RAISE EXCEPTION 'invalid_task_kind: % is not a django.tasks kind (task:<module path>)', coalesce(p_job_kind, 'null')
            USING ERRCODE = 'QG004';
    END IF;
    IF EXISTS (SELECT 1 FROM consumer_registry WHERE job_kind = p_job_kind AND status = 'active') THEN
        RETURN false;
    END IF;
    IF fn_actor() IS NULL THEN
        PERFORM set_config('queuegov.actor', 'system:django.tasks', true);
    END IF;
    PERFORM fn_consumer_register(p_job_kind, 'pg_worker', coalesce(p_queue_name, 'default'), 'default',
                                 substr(p_job_kind, 6), 'django.tasks task, registered at its first enqueue');
    RETURN true;
END;
$_$;

ALTER FUNCTION public.fn_job_task_kind_ensure(p_job_kind text, p_queue_name text) OWNER TO queuegov_owner;

--
-- Name: job_queue; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.job_queue (
    id bigint NOT NULL,
    job_kind public.qg_job_kind NOT NULL,
    queue_name text DEFAULT 'default'::text NOT NULL,
    payload public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    priority public.qg_job_priority DEFAULT 0 NOT NULL,
    status public.qg_job_status DEFAULT 'queued'::text NOT NULL,
    attempts public.qg_job_attempts DEFAULT 0 NOT NULL,
    max_attempts public.qg_job_max_attempts NOT NULL,
    retry_policy text DEFAULT 'default'::text NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_owner text,
    lease_until timestamp with time zone,
    idempotency_key public.qg_idempotency_key,
    correlation_id public.qg_correlation_id,
    created_by text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    last_error text,
    result public.qg_safe_payload,
    replay_of_dead_letter_id bigint,
    released_attempts integer DEFAULT 0 NOT NULL,
    last_worker_id text,
    executor_class text NOT NULL,
    workflow_step_id bigint,
    CONSTRAINT lease_fields_consistent CHECK ((((status)::text = 'running'::text) = ((lease_owner IS NOT NULL) AND (lease_until IS NOT NULL))))
);

ALTER TABLE public.job_queue OWNER TO queuegov_owner;

--
-- Name: COLUMN job_queue.attempts; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_queue.attempts IS 'Claims so far: the attempt number and fencing token of the latest claim; never decreases.';

--
-- Name: COLUMN job_queue.released_attempts; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_queue.released_attempts IS 'Claims given back unstarted (fn_job_release_many); not counted against max_attempts.';

--
-- Name: COLUMN job_queue.last_worker_id; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_queue.last_worker_id IS 'The worker of the latest attempt once it succeeded (lease_owner while it runs).';

--
-- Name: COLUMN job_queue.workflow_step_id; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_queue.workflow_step_id IS 'The workflow step this job runs for (docs/workflows.md); written only by fn_workflow_steps_start.';

--
-- Name: CONSTRAINT lease_fields_consistent ON job_queue; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT lease_fields_consistent ON public.job_queue IS 'a job is running exactly when it has a lease owner and a lease end: change a job''s state only through the job functions (claim, ack, fail, release, cancel)';

--
-- Name: fn_job_to_dead_letter(public.job_queue, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_to_dead_letter(p_job public.job_queue, p_error text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- Snapshot a job (already marked dead, its last attempt already in job_attempt) into job_dead_letter.
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO job_dead_letter (job_id, job_kind, queue_name, attempts, max_attempts, last_error, job_snapshot,
                                 attempt_history)
    VALUES (p_job.id, p_job.job_kind, p_job.queue_name, p_job.attempts, p_job.max_attempts, p_error,
            to_jsonb(p_job) - 'result', fn_job_attempt_history(p_job.id))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_job_to_dead_letter(p_job public.job_queue, p_error text) OWNER TO queuegov_owner;

--
-- Name: fn_job_wake(text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_job_wake(p_queue_name text, p_notify_gate jsonb) RETURNS boolean
    LANGUAGE sql
    AS $$
-- Wake the workers LISTENing on queue_wake_<queue> when p_notify_gate (the value
-- of queue.notify.enabled) is true. LANGUAGE sql so a caller's statement inlines it.
    SELECT CASE WHEN p_notify_gate = 'true'::jsonb THEN pg_notify('queue_wake_' || p_queue_name, '') IS NOT NULL
                ELSE false END
$$;

ALTER FUNCTION public.fn_job_wake(p_queue_name text, p_notify_gate jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_message_post(text, text, text, jsonb, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb, p_reply_to bigint DEFAULT NULL::bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0005's: the subject's row is looked up by its key's own type.)
-- Posts a message on a registered subject's row, or a reply on a message's
-- thread (same subject; to the thread's author and recipients as well as those
-- named). Raises governance.message.posted into every recipient's inbox
-- (fn_event_addressed).
-- {"status": "posted", "message_id", "thread_id", "recipients"}.
DECLARE
    v_actor text := fn_actor_required();
    v_subject message_subject_registry%ROWTYPE;
    v_parent subject_message%ROWTYPE;
    v_recipients jsonb := fn_message_recipients_checked(p_recipients);
    v_id bigint;
    v_thread bigint;
    v_event jsonb;
BEGIN
    IF p_body IS NULL OR length(btrim(p_body)) = 0 OR length(p_body) > 4000 THEN
        RAISE EXCEPTION 'invalid_message: a message has 1 to 4000 characters' USING ERRCODE = 'QG004';
    END IF;
    IF p_reply_to IS NOT NULL THEN
        SELECT * INTO v_parent FROM subject_message WHERE id = p_reply_to;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown_message: no message %', p_reply_to USING ERRCODE = 'QG005';
        END IF;
        IF (p_subject_table, p_subject_ref) IS DISTINCT FROM (v_parent.subject_table, v_parent.subject_ref)
           AND (p_subject_table IS NOT NULL OR p_subject_ref IS NOT NULL) THEN
            RAISE EXCEPTION 'reply_off_subject: message % is on %:%, and its replies are too', p_reply_to,
                    v_parent.subject_table, v_parent.subject_ref
                USING ERRCODE = 'QG004';
        END IF;
        p_subject_table := v_parent.subject_table;
        p_subject_ref := v_parent.subject_ref;
        v_thread := v_parent.thread_id;
        -- the thread's people hear the reply: its earlier authors and recipients
        v_recipients := (SELECT coalesce(jsonb_agg(DISTINCT r), '[]') FROM (
            SELECT jsonb_array_elements(v_recipients) AS r
            UNION SELECT jsonb_array_elements(m.recipients) FROM subject_message m WHERE m.thread_id = v_thread
            UNION SELECT jsonb_build_object('kind', 'user', 'ref', substr(m.author, 6)) FROM subject_message m
             WHERE m.thread_id = v_thread AND m.author LIKE 'user:%'
        ) x WHERE NOT (r ->> 'kind' = 'user' AND 'user:' || (r ->> 'ref') = v_actor));
    END IF;
    SELECT * INTO v_subject FROM message_subject_registry WHERE subject_table = p_subject_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_subject: % is not a table messages are posted on (%)', coalesce(p_subject_table, 'null'),
                (SELECT string_agg(subject_table, ', ' ORDER BY subject_table) FROM message_subject_registry)
            USING ERRCODE = 'QG005';
    END IF;
    IF NOT fn_subject_exists(v_subject.subject_table, p_subject_ref) THEN
        RAISE EXCEPTION 'unknown_subject: no % %', v_subject.description, coalesce(p_subject_ref, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    IF jsonb_array_length(v_recipients) = 0 THEN
        RAISE EXCEPTION 'invalid_recipients: a message is posted to at least one user, group or role' USING ERRCODE = 'QG004';
    END IF;
    v_id := nextval('subject_message_id_seq');
    INSERT INTO subject_message (id, subject_table, subject_ref, reply_to_id, thread_id, author, body, recipients)
    VALUES (v_id, p_subject_table, p_subject_ref, p_reply_to, coalesce(v_thread, v_id), v_actor, btrim(p_body),
            v_recipients);
    v_event := fn_event_emit('governance.message.posted', 'subject_message', v_id::text,
                             jsonb_build_object('message_id', v_id, 'thread_id', coalesce(v_thread, v_id),
                                                'subject_table', p_subject_table, 'subject_ref', p_subject_ref,
                                                'author', v_actor, 'excerpt', left(btrim(p_body), 140)));
    IF v_event ->> 'status' = 'emitted' THEN
        UPDATE subject_message SET event_id = (v_event ->> 'event_id')::bigint WHERE id = v_id;
    END IF;
    PERFORM fn_event_addressed(v_event, v_recipients);
    RETURN fn_act_audit(jsonb_build_object('status', 'posted', 'message_id', v_id, 'thread_id', coalesce(v_thread, v_id),
                                           'recipients', v_recipients),
                        'message.post', 'subject_message', ARRAY[v_id::text], NULL, NULL,
                        format('on %s:%s', p_subject_table, p_subject_ref));
END;
$$;

ALTER FUNCTION public.fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb, p_reply_to bigint) OWNER TO queuegov_owner;

--
-- Name: fn_message_recipients_checked(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_message_recipients_checked(p_recipients jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
-- (Replaces sql/workflows/0004's: the bad recipient is named, and each must exist.)
-- [{"kind", "ref"}] with kinds user, group or role naming an active user or one
-- of the app's groups, without repeats; NULL is no recipient.
DECLARE
    v_bad record;
    v_why text;
BEGIN
    IF p_recipients IS NULL THEN
        RETURN '[]';
    END IF;
    IF jsonb_typeof(p_recipients) <> 'array' OR jsonb_array_length(p_recipients) > 50 THEN
        RAISE EXCEPTION 'invalid_recipients: recipients are an array of at most 50 {"kind": "user" | "group" | "role", "ref": name}, not %',
                left(p_recipients::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT ord, r INTO v_bad FROM jsonb_array_elements(p_recipients) WITH ORDINALITY AS x(r, ord)
     WHERE jsonb_typeof(r) <> 'object' OR r - ARRAY['kind', 'ref'] <> '{}'::jsonb
        OR coalesce(r ->> 'kind', '') NOT IN ('user', 'group', 'role')
        OR jsonb_typeof(r -> 'ref') IS DISTINCT FROM 'string'
        OR length(btrim(r ->> 'ref')) NOT BETWEEN 1 AND 150
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_recipients: recipient % (%) is not {"kind": "user" | "group" | "role", "ref": name}',
                v_bad.ord, left(v_bad.r::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT ord, fn_assignee_unknown(r ->> 'kind', btrim(r ->> 'ref')) AS why INTO v_bad
      FROM jsonb_array_elements(p_recipients) WITH ORDINALITY AS x(r, ord)
     WHERE fn_assignee_unknown(r ->> 'kind', btrim(r ->> 'ref')) IS NOT NULL
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown_recipient: recipient %: %', v_bad.ord, v_bad.why USING ERRCODE = 'QG005';
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('kind', r ->> 'kind', 'ref', btrim(r ->> 'ref'))), '[]')
              FROM jsonb_array_elements(p_recipients) r);
END;
$$;

ALTER FUNCTION public.fn_message_recipients_checked(p_recipients jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_payload_assert_size(jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_assert_size(p jsonb, p_column text DEFAULT 'payload'::text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
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

ALTER FUNCTION public.fn_payload_assert_size(p jsonb, p_column text) OWNER TO queuegov_owner;

--
-- Name: fn_payload_key_normalized(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_key_normalized(p_key text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    -- NFKC, lower case (ß and ẞ fold to ss, as Unicode case folding does), then
    -- no default-ignorable code points (every Unicode Cf range, variation
    -- selectors, fillers), whitespace or _ - . separators.
    SELECT regexp_replace(
        replace(replace(lower(normalize(p_key, NFKC)), 'ß', 'ss'), 'ẞ', 'ss'),
        '[\s_.\-\u0085\u1680\u2028\u2029\u034F\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\uFFF0-\uFFF8\U000E0000-\U000E0FFF\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]',
        '', 'g')
$$;

ALTER FUNCTION public.fn_payload_key_normalized(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_payload_keys_pretest(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_keys_pretest() RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT '[^\x01-\x7f]|\\[tnrfu]|"[\s_.-]*(?:'
           || string_agg(array_to_string(regexp_split_to_array(k, ''), '[\s_.-]*'), '|' ORDER BY n)
           || ')[\s_.-]*"'
      FROM unnest(fn_payload_prohibited_keys()) WITH ORDINALITY AS t(k, n)
$$;

ALTER FUNCTION public.fn_payload_keys_pretest() OWNER TO queuegov_owner;

--
-- Name: fn_payload_keys_refuse(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_keys_refuse(p jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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

ALTER FUNCTION public.fn_payload_keys_refuse(p jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_payload_prohibited_keys(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_prohibited_keys() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    -- The prohibited keys as they read after fn_payload_key_normalized.
    SELECT ARRAY['body', 'content', 'raw', 'vector', 'embedding', 'secret', 'token', 'password', 'ssn',
                 'personaldata']
$$;

ALTER FUNCTION public.fn_payload_prohibited_keys() OWNER TO queuegov_owner;

--
-- Name: fn_payload_prohibited_path(jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_prohibited_path(p jsonb, p_path text DEFAULT '$'::text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
-- The first prohibited key (after fn_payload_key_normalized, at any depth) with
-- its JSON path, or NULL when the payload is clean.
DECLARE
    v_key  text;
    v_val  jsonb;
    v_hit  text;
    v_norm text;
    v_i    integer := 0;
BEGIN
    IF p IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p) = 'object' THEN
        FOR v_key, v_val IN SELECT key, value FROM jsonb_each(p) LOOP
            v_norm := fn_payload_key_normalized(v_key);
            IF v_norm = ANY (fn_payload_prohibited_keys()) THEN
                RETURN CASE WHEN v_key ~ '^[A-Za-z_]+$' THEN v_key
                            ELSE format('%s (read as %s)', to_jsonb(v_key)::text, v_norm) END
                       || ' at ' || p_path || '.' || v_key;
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
$_$;

ALTER FUNCTION public.fn_payload_prohibited_path(p jsonb, p_path text) OWNER TO queuegov_owner;

--
-- Name: fn_payload_size_trigger(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_payload_size_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- Reusable BEFORE INSERT/UPDATE trigger: TG_ARGV names the payload columns.
DECLARE
    v_col text;
    v_row jsonb := to_jsonb(NEW);
BEGIN
    FOREACH v_col IN ARRAY TG_ARGV LOOP
        PERFORM fn_payload_assert_size(v_row -> v_col, v_col);
    END LOOP;
    RETURN NEW;
END;
$$;

ALTER FUNCTION public.fn_payload_size_trigger() OWNER TO queuegov_owner;

--
-- Name: fn_queue_health(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_health() RETURNS jsonb
    LANGUAGE sql STABLE
    SET jit TO 'off'
    SET enable_bitmapscan TO 'off'
    AS $$
    -- {"healthy": bool, "problems": [...], "rows": [...]} from v_queue_health and v_orphaned_work.
    WITH h AS (
        SELECT section, name, value, threshold, healthy, detail FROM v_queue_health
        UNION ALL
        SELECT 'orphaned_work', job_kind, ready, 0, false,
               jsonb_build_object('executor_class', executor_class, 'executor_kind', executor_kind,
                                  'queues', to_jsonb(queues),
                                  'oldest_ready_seconds', extract(epoch FROM now() - oldest_run_at)::numeric(12, 1),
                                  'why', CASE WHEN class_served
                                              THEN 'no fresh executor of its class claims this kind on these queues'
                                              ELSE 'no fresh executor of its class' END)
          FROM v_orphaned_work
    )
    SELECT jsonb_build_object(
        'healthy', bool_and(healthy),
        'checked_at', now(),
        'problems', coalesce(jsonb_agg(jsonb_build_object('section', section, 'name', name, 'value', value,
                                                          'threshold', threshold, 'detail', detail))
                             FILTER (WHERE NOT healthy), '[]'::jsonb),
        'rows', jsonb_agg(jsonb_build_object('section', section, 'name', name, 'value', value, 'threshold', threshold,
                                             'healthy', healthy, 'detail', detail)))
    FROM h;
$$;

ALTER FUNCTION public.fn_queue_health() OWNER TO queuegov_owner;

--
-- Name: fn_queue_heartbeat_tick(text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb DEFAULT '{}'::jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- An executor login beats under its own name ('<login>/<name>') and kind.
DECLARE
    v_kind text;
BEGIN
    IF NOT fn_caller_names_actor() THEN
        SELECT executor_kind INTO v_kind FROM executor_login WHERE role_name = session_user;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown_executor: login % is not a registered executor (manage.py executor_credentials)', session_user
                USING ERRCODE = 'QG002';
        END IF;
        IF p_executor_kind IS DISTINCT FROM v_kind THEN
            RAISE EXCEPTION 'executor_kind_refused: login % is registered as a % executor, not %', session_user, v_kind,
                    coalesce(p_executor_kind, 'null')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
    RETURN fn_queue_heartbeat_tick_unbound(fn_worker_ref(p_executor_name), p_executor_kind, p_meta);
END;
$$;

ALTER FUNCTION public.fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_queue_heartbeat_tick_unbound(text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_heartbeat_tick_unbound(p_executor_name text, p_executor_kind text, p_meta jsonb DEFAULT '{}'::jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_old text;
BEGIN
    IF NOT fn_gate_open('queue.heartbeat.enabled') THEN
        RETURN fn_gate_closed_result('queue.heartbeat.enabled');
    END IF;
    PERFORM fn_payload_assert_size(p_meta, 'meta');
    SELECT status INTO v_old FROM queue_heartbeat WHERE executor_name = p_executor_name FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO queue_heartbeat (executor_name, executor_kind, meta)
        VALUES (p_executor_name, p_executor_kind, coalesce(p_meta, '{}'));
        RETURN jsonb_build_object('status', 'registered', 'executor_name', p_executor_name);
    END IF;
    UPDATE queue_heartbeat
       SET last_beat_at = now(), beats = beats + 1, executor_kind = p_executor_kind, meta = coalesce(p_meta, meta),
           status = 'fresh', status_changed_at = CASE WHEN status = 'stale' THEN now() ELSE status_changed_at END
     WHERE executor_name = p_executor_name;
    IF v_old = 'stale' THEN
        PERFORM fn_event_capture('system.queue_worker_recovered', 'queue_heartbeat', p_executor_name,
                                 jsonb_build_object('executor_kind', p_executor_kind));
    END IF;
    RETURN jsonb_build_object('status', CASE WHEN v_old = 'stale' THEN 'recovered' ELSE 'fresh' END,
                              'executor_name', p_executor_name);
END;
$$;

ALTER FUNCTION public.fn_queue_heartbeat_tick_unbound(p_executor_name text, p_executor_kind text, p_meta jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_queue_metrics_sample(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_metrics_sample(p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Record one sample per queue (and '*') for the minute ending at p_now; keep 7 days.
DECLARE
    v_at timestamptz := date_trunc('minute', p_now);
    v_since timestamptz;
    v_window integer;
    v_rows integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.metrics_sample')) THEN
        RETURN jsonb_build_object('status', 'busy');
    END IF;
    SELECT max(sampled_at) INTO v_since FROM queue_metric_sample WHERE queue_name = '*';
    IF v_since >= v_at THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'sampled_at', v_since);
    END IF;
    v_since := greatest(coalesce(v_since, v_at - interval '1 minute'), v_at - interval '1 hour');
    v_window := extract(epoch FROM v_at - v_since)::integer;
    INSERT INTO queue_metric_sample (sampled_at, queue_name, window_seconds, ready, running, succeeded, dead)
    SELECT v_at, q.queue_name, v_window,
           (SELECT count(*) FROM job_queue j WHERE j.status = 'queued' AND j.queue_name = q.queue_name AND j.run_at <= p_now),
           (SELECT count(*) FROM job_queue j WHERE j.status = 'running' AND j.queue_name = q.queue_name),
           (SELECT count(*) FROM job_queue j WHERE j.finished_at >= v_since AND j.finished_at < v_at
                                              AND j.status = 'succeeded' AND j.queue_name = q.queue_name),
           (SELECT count(*) FROM job_dead_letter d WHERE d.dead_at >= v_since AND d.dead_at < v_at AND d.queue_name = q.queue_name)
    FROM queue_state q;
    INSERT INTO queue_metric_sample (sampled_at, queue_name, window_seconds, ready, running, succeeded, dead,
                                     events_emitted, events_pending, route_failures)
    SELECT v_at, '*', v_window, sum(ready), sum(running), sum(succeeded), sum(dead),
           (SELECT count(*) FROM event_outbox e WHERE e.created_at >= v_since AND e.created_at < v_at),
           fn_capped_count('SELECT 1 FROM event_pending WHERE processed_at IS NULL', 1000000),
           (SELECT count(*) FROM iu_route_attempt a WHERE a.started_at >= v_since AND a.started_at < v_at AND a.status = 'failed')
    FROM queue_metric_sample WHERE sampled_at = v_at AND queue_name <> '*';
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    DELETE FROM queue_metric_sample WHERE sampled_at < p_now - interval '7 days';
    RETURN jsonb_build_object('status', 'sampled', 'sampled_at', v_at, 'window_seconds', v_window);
END;
$$;

ALTER FUNCTION public.fn_queue_metrics_sample(p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_queue_pause(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_pause(p_queue_name text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_pause_unaudited(p_queue_name, fn_reason_checked(p_reason)), 'queue.pause',
                        'queue_state', ARRAY[p_queue_name], p_reason, NULL, format('queue %s paused', p_queue_name));
END;
$$;

ALTER FUNCTION public.fn_queue_pause(p_queue_name text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_pause_unaudited(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_pause_unaudited(p_queue_name text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    q queue_state%ROWTYPE;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: pausing a queue needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO q FROM queue_state WHERE queue_name = p_queue_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    IF q.paused THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name, 'paused_by', q.paused_by);
    END IF;
    UPDATE queue_state SET paused = true, paused_by = v_actor, paused_at = now(), reason = btrim(p_reason),
                           updated_at = now()
     WHERE queue_name = p_queue_name;
    RETURN jsonb_build_object('status', 'paused', 'queue_name', p_queue_name);
END;
$$;

ALTER FUNCTION public.fn_queue_pause_unaudited(p_queue_name text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_register(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_register(p_queue_name text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_register_unaudited(p_queue_name), 'queue.register', 'queue_state',
                        ARRAY[p_queue_name], NULL, NULL, format('queue %s registered', p_queue_name));
END;
$$;

ALTER FUNCTION public.fn_queue_register(p_queue_name text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_register_unaudited(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_register_unaudited(p_queue_name text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
BEGIN
    INSERT INTO queue_state (queue_name) VALUES (p_queue_name) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name);
    END IF;
    RETURN jsonb_build_object('status', 'registered', 'queue_name', p_queue_name, 'by', v_actor);
END;
$$;

ALTER FUNCTION public.fn_queue_register_unaudited(p_queue_name text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_resume(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_resume(p_queue_name text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor text := fn_actor_governed();
BEGIN
    RETURN fn_act_audit(fn_queue_resume_unaudited(p_queue_name, fn_reason_checked(p_reason)), 'queue.resume',
                        'queue_state', ARRAY[p_queue_name], p_reason, NULL, format('queue %s resumed', p_queue_name));
END;
$$;

ALTER FUNCTION public.fn_queue_resume(p_queue_name text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_resume_unaudited(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_resume_unaudited(p_queue_name text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_actor text := fn_actor_required();
    q queue_state%ROWTYPE;
BEGIN
    SELECT * INTO q FROM queue_state WHERE queue_name = p_queue_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_queue: % is not a registered queue', p_queue_name USING ERRCODE = 'QG005';
    END IF;
    IF NOT q.paused THEN
        RETURN jsonb_build_object('status', 'nothing_to_do', 'queue_name', p_queue_name);
    END IF;
    UPDATE queue_state SET paused = false, paused_by = NULL, paused_at = NULL,
                           reason = nullif(btrim(coalesce(p_reason, '')), ''), updated_at = now()
     WHERE queue_name = p_queue_name;
    RETURN jsonb_build_object('status', 'resumed', 'queue_name', p_queue_name, 'by', v_actor);
END;
$$;

ALTER FUNCTION public.fn_queue_resume_unaudited(p_queue_name text, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_queue_retention(boolean, integer, integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_retention(p_apply boolean DEFAULT false, p_batch_size integer DEFAULT 5000, p_max_batches integer DEFAULT 20, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v jsonb := fn_queue_retention_unaudited(p_apply, p_batch_size, p_max_batches,
                                            CASE WHEN p_apply THEN fn_clock(p_now, 'retention') ELSE p_now END);
BEGIN
    IF p_apply AND v ->> 'status' = 'applied' THEN
        PERFORM fn_act_audit(v, 'queue.retention', 'job_queue', '{}', NULL, NULL,
            format('archived %s jobs, purged %s archived jobs, deleted %s job dead letters, %s routing dead letters, dropped %s event partitions',
                   v -> 'jobs_archived', v -> 'archived_jobs_purged', v -> 'job_dead_letters_deleted',
                   v -> 'route_dead_letters_deleted', v -> 'event_partitions_dropped'));
    END IF;
    RETURN v;
END;
$$;

ALTER FUNCTION public.fn_queue_retention(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_queue_retention_unaudited(boolean, integer, integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_retention_unaudited(p_apply boolean DEFAULT false, p_batch_size integer DEFAULT 5000, p_max_batches integer DEFAULT 20, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
-- Dry run (default) counts what each pass would do; apply (gated) does it.
DECLARE
    v_hot interval := make_interval(days => fn_setting_int('queue.retention.hot_days')::integer);
    v_archive interval := make_interval(days => fn_setting_int('queue.retention.archive_days')::integer);
    v_dlq interval := make_interval(days => fn_setting_int('queue.retention.dlq_days')::integer);
    v_archived bigint := 0;
    v_purged bigint := 0;
    v_dlq_deleted bigint := 0;
    v_route_dlq_deleted bigint := 0;
    v_n integer;
    v_partitions text[] := '{}';
    v_dropped text[] := '{}';
    v_skipped text[] := '{}';
    v_part record;
    v_name text;
    v_cutoff timestamptz := date_trunc('month', p_now - v_archive);
BEGIN
    FOR v_part IN
        SELECT c.relname::text AS name
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'event_outbox'::regclass AND c.relname ~ '^event_outbox_[0-9]{6}$'
          AND to_date(right(c.relname, 6), 'YYYYMM') + interval '1 month' <= v_cutoff
        ORDER BY c.relname
    LOOP
        v_partitions := v_partitions || v_part.name;
    END LOOP;

    IF NOT p_apply THEN
        RETURN jsonb_build_object(
            'status', 'dry_run',
            'jobs_to_archive', fn_capped_count(format(
                'SELECT 1 FROM job_queue WHERE status IN (''succeeded'', ''cancelled'', ''dead'') AND finished_at < %L',
                p_now - v_hot), 1000000),
            'archived_jobs_to_purge', fn_capped_count(format('SELECT 1 FROM job_archive WHERE archived_at < %L', p_now - v_archive), 1000000),
            'job_dead_letters_to_delete', fn_capped_count(format('SELECT 1 FROM job_dead_letter WHERE dead_at < %L', p_now - v_dlq), 1000000),
            'route_dead_letters_to_delete', fn_capped_count(format(
                'SELECT 1 FROM iu_route_dead_letter WHERE dead_at < %L AND triage_status IN (''discarded'', ''replayed'')', p_now - v_dlq), 1000000),
            'event_partitions_to_drop', to_jsonb(v_partitions));
    END IF;

    IF NOT fn_gate_open('queue.retention.enabled') THEN
        RETURN fn_gate_closed_result('queue.retention.enabled');
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('queuegov.retention')) THEN
        RETURN jsonb_build_object('status', 'busy', 'detail', 'another retention run is in progress');
    END IF;
    -- Never wait long for a lock: a busy table is retried on the next run.
    PERFORM set_config('lock_timeout', '2s', true);

    FOR i IN 1 .. p_max_batches LOOP
        -- The history is read before the delete (the statement's snapshot sees the rows), then
        -- the job's ended attempts leave job_attempt with it.
        WITH victims AS (
            SELECT id FROM job_queue
            WHERE status IN ('succeeded', 'cancelled', 'dead') AND finished_at < p_now - v_hot
            ORDER BY finished_at LIMIT p_batch_size
            FOR UPDATE SKIP LOCKED
        ), history AS (
            SELECT v.id, fn_job_attempt_history(v.id) AS attempts FROM victims v
        ), moved AS (
            DELETE FROM job_queue j USING victims v WHERE j.id = v.id
            RETURNING j.*
        ), gone AS (
            DELETE FROM job_attempt a USING victims v WHERE a.job_id = v.id
        )
        INSERT INTO job_archive (id, job_kind, queue_name, status, attempts, created_at, finished_at, archived_at, snapshot,
                                 result, attempt_history)
        SELECT m.id, m.job_kind, m.queue_name, m.status, m.attempts, m.created_at, m.finished_at, p_now,
               to_jsonb(m) - 'result', m.result, h.attempts
        FROM moved m JOIN history h ON h.id = m.id
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_archived := v_archived + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    FOR i IN 1 .. p_max_batches LOOP
        DELETE FROM job_archive WHERE id IN (
            SELECT id FROM job_archive WHERE archived_at < p_now - v_archive LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_purged := v_purged + v_n;
        EXIT WHEN v_n < p_batch_size;
    END LOOP;

    DELETE FROM job_dead_letter WHERE id IN (
        SELECT id FROM job_dead_letter WHERE dead_at < p_now - v_dlq LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_dlq_deleted = ROW_COUNT;

    -- Routing dead letters are kept while someone may still act on them.
    DELETE FROM iu_route_dead_letter WHERE id IN (
        SELECT id FROM iu_route_dead_letter
        WHERE dead_at < p_now - v_dlq AND triage_status IN ('discarded', 'replayed')
        LIMIT p_batch_size * p_max_batches FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_route_dlq_deleted = ROW_COUNT;

    -- Dropping a partition locks all of event_outbox (emits and route workers, never
    -- claims) until this transaction ends: wait briefly, and leave a busy outbox to
    -- the next run instead of undoing the work above.
    FOREACH v_name IN ARRAY v_partitions LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            EXECUTE format('DROP TABLE %I', v_name);
            v_dropped := v_dropped || v_name;
        EXCEPTION WHEN lock_not_available THEN
            v_skipped := v_skipped || v_name;
        END;
    END LOOP;
    IF cardinality(v_skipped) = 0 THEN
        -- The once-per-subject keys and inbox rows of the dropped events.
        DELETE FROM event_subject_key WHERE created_at < v_cutoff;
        DELETE FROM event_read WHERE event_created_at < v_cutoff;
    END IF;

    RETURN jsonb_build_object('status', 'applied', 'jobs_archived', v_archived, 'archived_jobs_purged', v_purged,
                              'job_dead_letters_deleted', v_dlq_deleted, 'route_dead_letters_deleted', v_route_dlq_deleted,
                              'event_partitions_dropped', to_jsonb(v_dropped),
                              'event_partitions_skipped', to_jsonb(v_skipped));
END;
$_$;

ALTER FUNCTION public.fn_queue_retention_unaudited(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_queue_stale_check(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_queue_stale_check(p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_after interval;
    v_newly text[];
    v_stale integer;
BEGIN
    IF NOT fn_gate_open('queue.heartbeat.enabled') THEN
        RETURN fn_gate_closed_result('queue.heartbeat.enabled');
    END IF;
    v_after := make_interval(secs => fn_setting_int('queue.heartbeat.stale_after_seconds'));
    WITH s AS (
        UPDATE queue_heartbeat SET status = 'stale', status_changed_at = p_now
         WHERE status = 'fresh' AND last_beat_at < p_now - v_after
        RETURNING executor_name
    )
    SELECT coalesce(array_agg(executor_name ORDER BY executor_name), '{}') INTO v_newly FROM s;
    -- once per fresh→stale transition
    PERFORM fn_event_capture('system.queue_worker_silent', 'queue_heartbeat', h.executor_name,
                             jsonb_build_object('executor_kind', h.executor_kind, 'last_beat_at', h.last_beat_at,
                                                'stale_after_seconds', extract(epoch FROM v_after)))
    FROM queue_heartbeat h WHERE h.executor_name = ANY (v_newly);
    SELECT count(*) INTO v_stale FROM queue_heartbeat WHERE status = 'stale';
    RETURN jsonb_build_object('status', CASE WHEN cardinality(v_newly) = 0 THEN 'nothing_to_do' ELSE 'stale_detected' END,
                              'newly_stale', to_jsonb(v_newly), 'stale_total', v_stale);
END;
$$;

ALTER FUNCTION public.fn_queue_stale_check(p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_range_check(text, bigint, int4range); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_range_check(p_column text, p_value bigint, p_range int4range) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT p_value IS NULL OR (p_value >= lower(p_range) AND p_value < upper(p_range))
        OR fn_range_refuse(p_column, p_value, p_range)
$$;

ALTER FUNCTION public.fn_range_check(p_column text, p_value bigint, p_range int4range) OWNER TO queuegov_owner;

--
-- Name: fn_range_refuse(text, bigint, int4range); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_range_refuse(p_column text, p_value bigint, p_range int4range) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    RAISE EXCEPTION '%_in_range: % must be between % and %, not %',
            p_column, p_column, lower(p_range), upper(p_range) - 1, coalesce(p_value::text, 'null')
        USING ERRCODE = 'check_violation',
              CONSTRAINT = p_column || '_in_range',
              COLUMN = p_column;
END;
$$;

ALTER FUNCTION public.fn_range_refuse(p_column text, p_value bigint, p_range int4range) OWNER TO queuegov_owner;

--
-- Name: fn_reason_checked(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_reason_checked(p_text text, p_what text DEFAULT 'reason'::text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF length(p_text) > 2000 THEN
        RAISE EXCEPTION 'reason_too_long: the % is % characters; at most 2000', p_what, length(p_text)
            USING ERRCODE = 'QG008';
    END IF;
    RETURN p_text;
END;
$$;

ALTER FUNCTION public.fn_reason_checked(p_text text, p_what text) OWNER TO queuegov_owner;

--
-- Name: fn_registry_row_kept(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_registry_row_kept() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- Rows that name a registry row by key without a FOREIGN KEY (job_queue its
-- queue and retry policy, a route's attempts and deliveries their route), so
-- the keys they name never go away. TG_ARGV[0]: the key column; TG_ARGV[1]:
-- what to do instead; TG_ARGV[2]: who names it (jobs when not given).
DECLARE
    v_old text := to_jsonb(OLD) ->> TG_ARGV[0];
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) ->> TG_ARGV[0]) = v_old THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'registry_row_kept: % % cannot be %: % name it by key; %',
            TG_TABLE_NAME, v_old, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'renamed' END,
            coalesce(TG_ARGV[2], 'jobs'), TG_ARGV[1]
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
END;
$$;

ALTER FUNCTION public.fn_registry_row_kept() OWNER TO queuegov_owner;

--
-- Name: fn_retry_delay(text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_retry_delay(p_policy text, p_attempts integer) RETURNS interval
    LANGUAGE plpgsql STABLE
    AS $$
-- Delay before the next try after p_attempts failed attempts.
DECLARE
    r retry_policy_registry%ROWTYPE;
    v_seconds numeric;
BEGIN
    SELECT * INTO r FROM retry_policy_registry WHERE code = coalesce(p_policy, 'default');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_retry_policy: % is not in retry_policy_registry', p_policy USING ERRCODE = 'QG005';
    END IF;
    v_seconds := CASE r.backoff
        WHEN 'exponential' THEN r.base_delay_seconds * power(2::numeric, least(greatest(p_attempts, 1) - 1, 30))
        WHEN 'linear'      THEN r.base_delay_seconds * greatest(p_attempts, 1)
        ELSE r.base_delay_seconds
    END;
    RETURN make_interval(secs => least(v_seconds, r.max_delay_seconds)::double precision);
END;
$$;

ALTER FUNCTION public.fn_retry_delay(p_policy text, p_attempts integer) OWNER TO queuegov_owner;

--
-- Name: fn_role_grant(text, text, boolean, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v_actor  text := fn_actor_governed();
    v_reason text := fn_reason_checked(p_reason);
    v_user   integer;
    v_group  integer;
    v_member boolean;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: granting or revoking a role needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT id INTO v_user FROM auth_user WHERE username = p_username AND is_active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_user: there is no active user %', coalesce(p_username, 'null') USING ERRCODE = 'QG005';
    END IF;
    SELECT id INTO v_group FROM auth_group WHERE name = p_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_role: there is no role group % (manage.py bootstrap_roles creates them)', coalesce(p_role, 'null')
            USING ERRCODE = 'QG005';
    END IF;
    -- one decision per user and group at a time
    PERFORM 1 FROM auth_user WHERE id = v_user FOR UPDATE;
    v_member := EXISTS (SELECT 1 FROM auth_user_groups WHERE user_id = v_user AND group_id = v_group);
    IF p_grant AND NOT v_member THEN
        INSERT INTO auth_user_groups (user_id, group_id) VALUES (v_user, v_group);
    ELSIF NOT p_grant AND v_member THEN
        DELETE FROM auth_user_groups WHERE user_id = v_user AND group_id = v_group;
    END IF;
    RETURN fn_act_audit(
        jsonb_build_object('status', CASE WHEN p_grant = v_member THEN 'nothing_to_do'
                                          WHEN p_grant THEN 'granted' ELSE 'revoked' END,
                           'user', p_username, 'role', p_role, 'member', p_grant),
        CASE WHEN p_grant THEN 'role.grant' ELSE 'role.revoke' END,
        'auth_user', ARRAY[v_user::text], v_reason, jsonb_build_object('member', v_member),
        format('%s %s role %s', p_username, CASE WHEN p_grant THEN 'given' ELSE 'taken out of' END, p_role));
END;
$$;

ALTER FUNCTION public.fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_schedule_tick(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_schedule_tick(p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.fn_schedule_tick(p_now timestamp with time zone) OWNER TO queuegov_owner;

--
-- Name: fn_setting_int(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_setting_int(p_key text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_value jsonb;
BEGIN
    SELECT value INTO v_value FROM dot_config WHERE key = p_key AND kind = 'setting';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_setting: % is not a setting in dot_config', p_key USING ERRCODE = 'QG005';
    END IF;
    RETURN (v_value #>> '{}')::bigint;
END;
$$;

ALTER FUNCTION public.fn_setting_int(p_key text) OWNER TO queuegov_owner;

--
-- Name: fn_sql_event_route_follow_gate(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_sql_event_route_follow_gate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- An approved change of event.sql_route.<name>.live switches the route.
BEGIN
    UPDATE iu_sql_event_route SET enabled = (NEW.value = 'true'::jsonb), dry_run = (NEW.value <> 'true'::jsonb)
     WHERE gate_key = NEW.key;
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_sql_event_route_follow_gate() OWNER TO queuegov_owner;

--
-- Name: fn_sql_event_route_register(text, text, text, text, jsonb, text, text[], text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_sql_event_route_register(p_route_name text, p_source_table text, p_operation text, p_target_event_type text, p_condition jsonb DEFAULT '{}'::jsonb, p_subject_column text DEFAULT 'id'::text, p_payload_columns text[] DEFAULT '{}'::text[], p_correlation_column text DEFAULT NULL::text, p_description text DEFAULT ''::text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- Register a trigger-IN route (born dry-run) and attach the capture triggers
-- to its source table. Run by migrations (it creates a dot_config gate row).
DECLARE
    v_gate text := 'event.sql_route.' || p_route_name || '.live';
    v_id bigint;
    v_col text;
BEGIN
    IF to_regclass(p_source_table) IS NULL THEN
        RAISE EXCEPTION 'unknown_table: % does not exist', p_source_table USING ERRCODE = 'QG005';
    END IF;
    FOREACH v_col IN ARRAY array_append(p_payload_columns, p_subject_column) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_source_table::regclass AND attname = v_col AND NOT attisdropped) THEN
            RAISE EXCEPTION 'unknown_column: %.% does not exist', p_source_table, v_col USING ERRCODE = 'QG005';
        END IF;
        IF fn_payload_key_normalized(v_col) = ANY (fn_payload_prohibited_keys()) THEN
            RAISE EXCEPTION 'payload_prohibited_key: % cannot be copied into a capture payload', v_col
                USING ERRCODE = 'check_violation', CONSTRAINT = 'payload_prohibited_key';
        END IF;
    END LOOP;
    -- the route's four-eyes switch (a gate, OFF)
    PERFORM fn_config_guard_set(false);
    INSERT INTO dot_config (key, value, kind, value_type, description)
    VALUES (v_gate, 'false', 'gate', 'boolean', format('trigger-IN route %s leaves dry-run (%s %s → %s)',
                                                        p_route_name, p_operation, p_source_table, p_target_event_type))
    ON CONFLICT (key) DO NOTHING;
    PERFORM fn_config_guard_set(true);
    INSERT INTO iu_sql_event_route (route_name, source_table, operation, condition, target_event_type, subject_column,
                                    payload_columns, correlation_column, gate_key, description)
    VALUES (p_route_name, p_source_table, p_operation, coalesce(p_condition, '{}'), p_target_event_type, p_subject_column,
            p_payload_columns, p_correlation_column, v_gate, coalesce(p_description, ''))
    RETURNING id INTO v_id;
    PERFORM fn_event_capture_attach(p_source_table);
    RETURN jsonb_build_object('status', 'registered', 'route_id', v_id, 'gate', v_gate);
END;
$$;

ALTER FUNCTION public.fn_sql_event_route_register(p_route_name text, p_source_table text, p_operation text, p_target_event_type text, p_condition jsonb, p_subject_column text, p_payload_columns text[], p_correlation_column text, p_description text) OWNER TO queuegov_owner;

--
-- Name: fn_subject_exists(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_subject_exists(p_table text, p_ref text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $_$
-- Whether row p_ref of a registered subject table (message_subject_registry)
-- exists, looked up through its key column's own type (an index, not a scan of
-- every row cast to text); a reference that is not of that type names no row.
DECLARE
    v_subject message_subject_registry%ROWTYPE;
    v_type text;
    v_exists boolean;
BEGIN
    SELECT * INTO v_subject FROM message_subject_registry WHERE subject_table = p_table;
    IF NOT FOUND OR p_ref IS NULL THEN
        RETURN false;
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO v_type FROM pg_attribute a
     WHERE a.attrelid = to_regclass(v_subject.subject_table) AND a.attname = v_subject.key_column AND NOT a.attisdropped;
    IF v_type IN ('bigint', 'integer') AND p_ref !~ '^[0-9]{1,18}$' THEN
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1::%s)', v_subject.subject_table, v_subject.key_column,
                       v_type)
           INTO v_exists USING p_ref;
    EXCEPTION WHEN data_exception THEN
        RETURN false;
    END;
    RETURN v_exists;
END;
$_$;

ALTER FUNCTION public.fn_subject_exists(p_table text, p_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_task_act(bigint, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0008's: an approval of a subject locks the subject's row
-- before the task's, in the order a decision on the subject's own screen takes them.)
-- (sql/workflows/0008: applicability from fn_task_act_statuses, a
-- NULL act refused, membership never NULL, four-eyes from fn_task_doers at every
-- decision, a rejected approval's subject told, and cancel.)
-- One act of a person on a task: claim, release, start, complete, reject (a
-- task); approve, reject (an approval); cancel (either, by who filed it).
-- Refused with the rule it breaks: not_assignee (QG002: only the assignee, its
-- group or role claims or decides, and only the claimer starts, completes,
-- rejects or releases), task_not_open (QG003: the act does not apply in the
-- task's state), four_eyes (QG002: an approver who started the workflow, did
-- the work being approved, is behind its subject or already decided),
-- not_creator / task_in_workflow / approval_of_subject (cancel). Audited as
-- task.<act> with its reason; {"status": <the task's status>, "task_id", "approvals"?}.
DECLARE
    v_actor  text := fn_actor_required();
    v_reason text := fn_reason_checked(p_reason);
    t        human_task;
    v_statuses text[];
    v_approvals integer;
BEGIN
    IF p_act IS NULL OR p_act NOT IN ('claim', 'release', 'start', 'complete', 'reject', 'approve', 'cancel') THEN
        RAISE EXCEPTION 'invalid_task_act: % is not an act on a task (claim, release, start, complete, reject, approve, cancel)',
                coalesce(p_act, 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF p_act IN ('complete', 'reject', 'approve', 'release', 'cancel') AND (v_reason IS NULL OR length(btrim(v_reason)) < 3) THEN
        RAISE EXCEPTION 'reason_required: to % a task needs a reason', p_act USING ERRCODE = 'QG008';
    END IF;
    SELECT * INTO t FROM human_task WHERE id = p_task_id;
    IF t.approves AND t.subject_table = 'iu_staging_record' THEN
        PERFORM 1 FROM iu_staging_record WHERE id = t.subject_ref::bigint FOR UPDATE;
    ELSIF t.approves AND t.subject_table = 'gate_change_request' THEN
        PERFORM 1 FROM gate_change_request WHERE id = t.subject_ref::bigint FOR UPDATE;
    END IF;
    t := fn_task_locked(p_task_id);
    v_statuses := fn_task_act_statuses(p_act, t.task_kind);
    IF t.status IN ('completed', 'rejected', 'cancelled') THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id, t.status USING ERRCODE = 'QG003';
    END IF;
    IF v_statuses IS NULL THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id,
                CASE t.task_kind WHEN 'approval' THEN format('an approval: it is approved, rejected or cancelled, not %s', p_act)
                                 ELSE 'a task, not an approval: it is completed or rejected' END
            USING ERRCODE = 'QG003';
    END IF;
    IF t.status <> ALL (v_statuses) THEN
        RAISE EXCEPTION 'task_not_open: task % is %', t.id,
                CASE WHEN p_act = 'claim' THEN format('already %s by %s', t.status, t.claimed_by)
                     WHEN t.status = 'open' THEN 'not claimed yet: claim it first'
                     WHEN p_act = 'start' THEN 'already started'
                     ELSE format('%s; %s applies when it is %s', t.status, p_act, array_to_string(v_statuses, ' or ')) END
            USING ERRCODE = 'QG003';
    END IF;
    IF p_act = 'cancel' THEN
        IF t.workflow_step_id IS NOT NULL THEN
            RAISE EXCEPTION 'task_in_workflow: task % is step % of workflow %; cancel the workflow', t.id,
                    (SELECT name FROM workflow_step WHERE id = t.workflow_step_id),
                    (SELECT workflow_id FROM workflow_step WHERE id = t.workflow_step_id)
                USING ERRCODE = 'QG003';
        END IF;
        IF t.approves THEN
            RAISE EXCEPTION 'approval_of_subject: approval % decides %:%; it closes when that is decided or withdrawn', t.id,
                    t.subject_table, t.subject_ref
                USING ERRCODE = 'QG003';
        END IF;
        IF t.created_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'not_creator: task % was filed by %, not %; only they cancel it', t.id,
                    coalesce(t.created_by, 'the system'), v_actor
                USING ERRCODE = 'QG002';
        END IF;
        UPDATE human_task SET status = 'cancelled', finished_at = now(), finished_by = v_actor, reason = btrim(v_reason)
         WHERE id = t.id RETURNING * INTO t;
        RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id),
                            'task.cancel', 'human_task', ARRAY[t.id::text], v_reason);
    END IF;
    IF t.task_kind = 'approval' THEN
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: approval % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        IF v_actor = ANY (fn_task_doers(t)) THEN
            RAISE EXCEPTION 'four_eyes: % started the workflow or did the work approval % is about; another approver decides',
                    v_actor, t.id
                USING ERRCODE = 'QG002';
        END IF;
        IF EXISTS (SELECT 1 FROM human_task_decision WHERE task_id = t.id AND actor = v_actor) THEN
            RAISE EXCEPTION 'four_eyes: % already decided approval %; another approver decides', v_actor, t.id
                USING ERRCODE = 'QG002';
        END IF;
        INSERT INTO human_task_decision (task_id, actor, decision, reason)
        VALUES (t.id, v_actor, CASE p_act WHEN 'approve' THEN 'approved' ELSE 'rejected' END, btrim(v_reason));
        SELECT count(*) INTO v_approvals FROM human_task_decision WHERE task_id = t.id AND decision = 'approved';
        IF p_act = 'reject' OR v_approvals >= t.approvals_required THEN
            UPDATE human_task
               SET status = CASE p_act WHEN 'reject' THEN 'rejected' ELSE 'completed' END, finished_at = now(),
                   finished_by = v_actor, reason = btrim(v_reason),
                   result = (SELECT jsonb_build_object('approved_by', coalesce(jsonb_agg(actor ORDER BY decided_at)
                                                                              FILTER (WHERE decision = 'approved'), '[]'))
                               FROM human_task_decision WHERE task_id = t.id)
             WHERE id = t.id RETURNING * INTO t;
            IF t.approves THEN
                PERFORM fn_task_approval_apply(t, btrim(v_reason));
            END IF;
            PERFORM fn_task_finished(t);
        END IF;
        RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id, 'approvals', v_approvals,
                                               'required', t.approvals_required),
                            'task.' || p_act, 'human_task', ARRAY[t.id::text], v_reason);
    END IF;
    IF p_act = 'claim' THEN
        IF NOT fn_task_is_assignee(t) THEN
            RAISE EXCEPTION 'not_assignee: task % is for % %, not %', t.id, t.assignee_kind, t.assignee, v_actor
                USING ERRCODE = 'QG002';
        END IF;
        UPDATE human_task SET status = 'claimed', claimed_by = v_actor, claimed_at = now() WHERE id = t.id RETURNING * INTO t;
    ELSE
        IF t.claimed_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'not_assignee: task % is claimed by %, not %', t.id, t.claimed_by, v_actor USING ERRCODE = 'QG002';
        END IF;
        IF p_act = 'complete' THEN
            PERFORM fn_payload_assert_size(p_result, 'result');
        END IF;
        UPDATE human_task
           SET status = CASE p_act WHEN 'release' THEN 'open' WHEN 'start' THEN 'started' WHEN 'complete' THEN 'completed'
                                   ELSE 'rejected' END,
               claimed_by = CASE WHEN p_act = 'release' THEN NULL ELSE claimed_by END,
               claimed_at = CASE WHEN p_act = 'release' THEN NULL ELSE claimed_at END,
               started_at = CASE WHEN p_act = 'start' THEN now() WHEN p_act = 'release' THEN NULL ELSE started_at END,
               finished_at = CASE WHEN p_act IN ('complete', 'reject') THEN now() END,
               finished_by = CASE WHEN p_act IN ('complete', 'reject') THEN v_actor END,
               reason = CASE WHEN p_act IN ('complete', 'reject') THEN btrim(v_reason) END,
               result = CASE WHEN p_act = 'complete' THEN coalesce(p_result, '{}') END
         WHERE id = t.id RETURNING * INTO t;
        IF p_act IN ('complete', 'reject') THEN
            PERFORM fn_task_finished(t);
        END IF;
    END IF;
    RETURN fn_act_audit(jsonb_build_object('status', t.status, 'task_id', t.id),
                        'task.' || p_act, 'human_task', ARRAY[t.id::text], v_reason);
END;
$$;

ALTER FUNCTION public.fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_task_act_statuses(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_act_statuses(p_act text, p_kind text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    -- The states in which an act applies to a task or an approval; NULL where the
    -- act is not one of that kind's. fn_task_act enforces it; the console reads it.
    -- A task is claimed, optionally started, then completed or rejected (or
    -- released); an approval is decided while open. Either is cancelled by who filed it.
    SELECT CASE p_kind
               WHEN 'approval' THEN CASE p_act WHEN 'approve' THEN ARRAY['open'] WHEN 'reject' THEN ARRAY['open']
                                               WHEN 'cancel' THEN ARRAY['open'] END
               WHEN 'task' THEN CASE p_act
                   WHEN 'claim' THEN ARRAY['open']
                   WHEN 'release' THEN ARRAY['claimed', 'started']
                   WHEN 'start' THEN ARRAY['claimed']
                   WHEN 'complete' THEN ARRAY['claimed', 'started']
                   WHEN 'reject' THEN ARRAY['claimed', 'started']
                   WHEN 'cancel' THEN ARRAY['open', 'claimed', 'started'] END
           END
$$;

ALTER FUNCTION public.fn_task_act_statuses(p_act text, p_kind text) OWNER TO queuegov_owner;

--
-- Name: human_task; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.human_task (
    id bigint NOT NULL,
    task_kind text NOT NULL,
    title text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    assignee_kind text NOT NULL,
    assignee text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    approvals_required integer,
    claimed_by text,
    claimed_at timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    finished_by text,
    reason text,
    result public.qg_safe_payload,
    due_at timestamp with time zone,
    overdue_raised_at timestamp with time zone,
    subject_table text,
    subject_ref text,
    workflow_step_id bigint,
    created_by text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    approves boolean DEFAULT false NOT NULL,
    CONSTRAINT human_task_approvals_for_approvals CHECK ((((task_kind = 'approval'::text) = (approvals_required IS NOT NULL)) AND (COALESCE(approvals_required, 1) >= 1) AND (COALESCE(approvals_required, 1) <= 10))),
    CONSTRAINT human_task_assignee_kind_allowed CHECK ((assignee_kind = ANY (ARRAY['user'::text, 'group'::text, 'role'::text]))),
    CONSTRAINT human_task_claimed_when_taken CHECK (((status <> ALL (ARRAY['claimed'::text, 'started'::text])) OR (claimed_by IS NOT NULL))),
    CONSTRAINT human_task_finished_when_final CHECK (((status = ANY (ARRAY['completed'::text, 'rejected'::text, 'cancelled'::text])) = (finished_at IS NOT NULL))),
    CONSTRAINT human_task_kind_allowed CHECK ((task_kind = ANY (ARRAY['task'::text, 'approval'::text]))),
    CONSTRAINT human_task_status_allowed CHECK ((status = ANY (ARRAY['open'::text, 'claimed'::text, 'started'::text, 'completed'::text, 'rejected'::text, 'cancelled'::text]))),
    CONSTRAINT human_task_title_length CHECK (((length(btrim(title)) >= 1) AND (length(btrim(title)) <= 200)))
);

ALTER TABLE public.human_task OWNER TO queuegov_owner;

--
-- Name: TABLE human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.human_task IS 'A task or approval for people (docs/workflows.md); written only by fn_task_create and fn_task_act.';

--
-- Name: COLUMN human_task.approves; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.human_task.approves IS 'Completing this approval approves its subject (a staged manifest: fn_task_approval_apply).';

--
-- Name: CONSTRAINT human_task_approvals_for_approvals ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_approvals_for_approvals ON public.human_task IS 'an approval needs 1 to 10 approvers; a task has no approvers count';

--
-- Name: CONSTRAINT human_task_assignee_kind_allowed ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_assignee_kind_allowed ON public.human_task IS 'a task is assigned to a user, a group or a role';

--
-- Name: CONSTRAINT human_task_claimed_when_taken ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_claimed_when_taken ON public.human_task IS 'a claimed or started task names who claimed it';

--
-- Name: CONSTRAINT human_task_finished_when_final ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_finished_when_final ON public.human_task IS 'a task has a finish time exactly when it was completed, rejected or cancelled';

--
-- Name: CONSTRAINT human_task_kind_allowed ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_kind_allowed ON public.human_task IS 'a human task is a task or an approval';

--
-- Name: CONSTRAINT human_task_status_allowed ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_status_allowed ON public.human_task IS 'a task is open, claimed, started, completed, rejected or cancelled: change it only through fn_task_act';

--
-- Name: CONSTRAINT human_task_title_length ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_title_length ON public.human_task IS 'a task has a title of 1 to 200 characters';

--
-- Name: fn_task_approval_apply(public.human_task, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_approval_apply(t public.human_task, p_reason text) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0006's: gate change requests, and rejections.)
-- What deciding an approval that approves a subject means, per subject table;
-- a subject that refuses rolls the decision back with its own rule. Approving a
-- manifest applies verify-mark; rejecting one leaves it pending (staging's
-- reject is an act of its own). Approving a gate change applies it, rejecting
-- it rejects it (fn_gate_change_approve / _reject: their own four-eyes and audit).
DECLARE
    v jsonb;
BEGIN
    IF t.subject_table = 'iu_staging_record' THEN
        IF t.status = 'completed' THEN
            v := fn_iu_verify_mark(t.subject_ref::bigint, true, 'approval task ' || t.id, p_reason);
            IF v ->> 'status' IS DISTINCT FROM 'approved' THEN
                RAISE EXCEPTION 'approval_refused: staging record % was not approved (%): %', t.subject_ref, v ->> 'status',
                        left((v -> 'verdict')::text, 500)
                    USING ERRCODE = 'QG003';
            END IF;
        END IF;
    ELSIF t.subject_table = 'gate_change_request' THEN
        IF t.status = 'completed' THEN
            PERFORM fn_gate_change_approve(t.subject_ref::bigint, p_reason);
        ELSE
            PERFORM fn_gate_change_reject(t.subject_ref::bigint, p_reason);
        END IF;
    ELSE
        RAISE EXCEPTION 'approval_refused: approving % rows is not defined', t.subject_table USING ERRCODE = 'QG003';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_task_approval_apply(t public.human_task, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_task_create(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_create(p_spec jsonb, p_subject_table text DEFAULT NULL::text, p_subject_ref text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0005's: the subject is a registered one that exists.)
-- A task (or an approval: "required" in the spec) on a person's task list,
-- optionally about a subject (a table and a row). {"status": "created", "task_id"}.
DECLARE
    v_kind text := CASE WHEN p_spec ? 'required' THEN 'approval' ELSE 'task' END;
    v_id bigint;
BEGIN
    PERFORM fn_actor_required();
    PERFORM fn_task_spec_check(p_spec, v_kind, '');
    PERFORM fn_task_decidable(p_spec, v_kind, fn_actor(), '');
    IF (p_subject_table IS NULL) <> (p_subject_ref IS NULL) THEN
        RAISE EXCEPTION 'invalid_task: a subject is a table and a row reference together' USING ERRCODE = 'QG004';
    END IF;
    IF p_subject_table IS NOT NULL AND NOT fn_subject_exists(p_subject_table, p_subject_ref) THEN
        RAISE EXCEPTION 'unknown_subject: %:% is not a row of a registered subject table (%)', p_subject_table, p_subject_ref,
                (SELECT string_agg(subject_table, ', ' ORDER BY subject_table) FROM message_subject_registry)
            USING ERRCODE = 'QG005';
    END IF;
    v_id := fn_task_insert(v_kind, p_spec, NULL, p_subject_table, p_subject_ref);
    RETURN fn_act_audit(jsonb_build_object('status', 'created', 'task_id', v_id, 'task_kind', v_kind),
                        'task.create', 'human_task', ARRAY[v_id::text], p_spec ->> 'title');
END;
$$;

ALTER FUNCTION public.fn_task_create(p_spec jsonb, p_subject_table text, p_subject_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_task_decidable(jsonb, text, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_decidable(p_spec jsonb, p_kind text, p_starter text, p_what text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
-- An approval someone may decide: one user decides once (so it needs one
-- approver), and never the person who starts the workflow or files the task.
BEGIN
    IF p_kind = 'approval' AND p_spec -> 'assignee' ? 'user' THEN
        IF coalesce((p_spec ->> 'required')::integer, 1) > 1 THEN
            RAISE EXCEPTION 'invalid_task: %an approval assigned to one user needs 1 approver, not %', p_what,
                    p_spec ->> 'required'
                USING ERRCODE = 'QG004';
        END IF;
        IF 'user:' || btrim(p_spec -> 'assignee' ->> 'user') = p_starter THEN
            RAISE EXCEPTION 'four_eyes: % may not approve what they start (%); assign the approval to someone else',
                    p_starter, coalesce(nullif(rtrim(p_what, ': '), ''), 'the approval')
                USING ERRCODE = 'QG002';
        END IF;
    END IF;
END;
$$;

ALTER FUNCTION public.fn_task_decidable(p_spec jsonb, p_kind text, p_starter text, p_what text) OWNER TO queuegov_owner;

--
-- Name: fn_task_doers(public.human_task); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_doers(t public.human_task) RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
    -- Who may not decide approval t: who started its workflow (or filed it), who
    -- claimed or finished the human work it comes after (every step upstream,
    -- transitively; the steps inside their sub-workflows, at any depth; and the work
    -- before each sub-workflow that holds it), and who is behind the subject it
    -- approves (a manifest's marker, a gate change's requester).
    WITH RECURSIVE
    ctx(step_id) AS (
        SELECT t.workflow_step_id WHERE t.workflow_step_id IS NOT NULL
        UNION
        SELECT w.parent_step_id FROM ctx JOIN workflow_step s ON s.id = ctx.step_id JOIN workflow w ON w.id = s.workflow_id
         WHERE w.parent_step_id IS NOT NULL
    ),
    up(step_id) AS (
        SELECT d.depends_on_id FROM ctx JOIN workflow_step_dependency d ON d.step_id = ctx.step_id
        UNION
        SELECT d.depends_on_id FROM up JOIN workflow_step_dependency d ON d.step_id = up.step_id
    ),
    inside(step_id) AS (
        SELECT step_id FROM up
        UNION
        SELECT s.id FROM inside JOIN workflow c ON c.parent_step_id = inside.step_id
          JOIN workflow_step s ON s.workflow_id = c.id
    )
    SELECT coalesce(array_agg(DISTINCT a) FILTER (WHERE a IS NOT NULL), '{}') FROM (
        SELECT w.started_by AS a FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id WHERE s.id = t.workflow_step_id
        UNION ALL
        SELECT t.created_by WHERE t.workflow_step_id IS NULL
        UNION ALL
        SELECT v.a FROM inside JOIN human_task ht ON ht.workflow_step_id = inside.step_id,
               LATERAL (VALUES (ht.claimed_by), (ht.finished_by)) v(a)
        UNION ALL
        SELECT r.marked_by FROM iu_staging_record r
         WHERE r.id = CASE WHEN t.approves AND t.subject_table = 'iu_staging_record' THEN t.subject_ref::bigint END
        UNION ALL
        SELECT g.requested_by FROM gate_change_request g
         WHERE g.id = CASE WHEN t.approves AND t.subject_table = 'gate_change_request' THEN t.subject_ref::bigint END
    ) x
$$;

ALTER FUNCTION public.fn_task_doers(t public.human_task) OWNER TO queuegov_owner;

--
-- Name: fn_task_finished(public.human_task); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_finished(t public.human_task) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- A task's outcome finishes its workflow step: completed → succeeded (with its
-- result), rejected → failed (with who and why), cancelled → cancelled.
BEGIN
    IF t.workflow_step_id IS NOT NULL THEN
        PERFORM fn_workflow_step_finish(
            t.workflow_step_id,
            CASE t.status WHEN 'completed' THEN 'succeeded' WHEN 'rejected' THEN 'failed' ELSE 'cancelled' END,
            t.result,
            CASE WHEN t.status <> 'completed' THEN format('%s %s by %s: %s', t.task_kind, t.status, t.finished_by, t.reason) END);
    END IF;
END;
$$;

ALTER FUNCTION public.fn_task_finished(t public.human_task) OWNER TO queuegov_owner;

--
-- Name: fn_task_insert(text, jsonb, bigint, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0005's: the approved subject's id stored canonically, so
-- its own screen's decision finds the approval, and an approval of a subject
-- already decided closes at once.)
-- Writes a checked task spec and tells its assignee: task.assigned, delivered to
-- the assignee's inbox at once (fn_event_addressed; with event.emit_enabled closed the task
-- is only in the task list).
DECLARE
    v_id bigint;
    v_kind text := (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k);
    v_who text := btrim(p_spec -> 'assignee' ->> (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k));
    v_event jsonb;
BEGIN
    INSERT INTO human_task (task_kind, title, description, assignee_kind, assignee, approvals_required, due_at,
                            subject_table, subject_ref, workflow_step_id, created_by, approves)
    VALUES (p_kind, btrim(p_spec ->> 'title'), coalesce(p_spec ->> 'description', ''), v_kind, v_who,
            CASE WHEN p_kind = 'approval' THEN coalesce((p_spec ->> 'required')::integer, 1) END,
            now() + make_interval(secs => (p_spec ->> 'due_in_seconds')::double precision),
            coalesce(p_spec -> 'approves' ->> 'table', p_subject_table),
            coalesce(((p_spec -> 'approves' ->> 'ref')::bigint)::text, p_subject_ref),
            p_step_id,
            CASE WHEN p_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_step_id) END,
            p_spec ? 'approves')
    RETURNING id INTO v_id;
    v_event := fn_event_emit('governance.task.assigned', 'human_task', v_id::text,
                             jsonb_build_object('task_id', v_id, 'task_kind', p_kind, 'title', btrim(p_spec ->> 'title'),
                                                'assignee_kind', v_kind, 'assignee', v_who, 'workflow_step_id', p_step_id));
    PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', v_kind, 'ref', v_who)));
    IF p_spec ? 'approves' THEN
        PERFORM fn_task_subject_close(p_spec -> 'approves' ->> 'table', ((p_spec -> 'approves' ->> 'ref')::bigint)::text);
    END IF;
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_task_is_assignee(public.human_task); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_is_assignee(t public.human_task) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    -- (Replaces sql/workflows/0003's: an actor with no roles is no member: false, never NULL.)
    -- The acting person is the assignee, or in its group or role (the app names
    -- the actor's groups: queuegov.actor_roles).
    SELECT coalesce(CASE t.assignee_kind
               WHEN 'user' THEN fn_actor_governed() = 'user:' || t.assignee
               ELSE fn_caller_names_actor()
                    AND t.assignee = ANY (string_to_array(nullif(current_setting('queuegov.actor_roles', true), ''), ','))
           END, false)
$$;

ALTER FUNCTION public.fn_task_is_assignee(t public.human_task) OWNER TO queuegov_owner;

--
-- Name: fn_task_locked(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_locked(p_task_id bigint) RETURNS public.human_task
    LANGUAGE plpgsql
    AS $$
DECLARE
    t human_task;
BEGIN
    SELECT * INTO t FROM human_task WHERE id = p_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_task: no task %', p_task_id USING ERRCODE = 'QG005';
    END IF;
    RETURN t;
END;
$$;

ALTER FUNCTION public.fn_task_locked(p_task_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_task_overdue_tick(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_overdue_tick() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- Raises governance.task.overdue once for each unfinished task past its due time (the
-- event's subject is the task, so a second raise is a duplicate) and delivers
-- it to the assignee's inbox. {"status": "raised" | "nothing_to_do", "tasks": N}
-- or gate_closed (event.emit_enabled): nothing is marked, the next tick raises.
DECLARE
    t human_task;
    v_event jsonb;
    v_n integer := 0;
BEGIN
    IF NOT fn_gate_open('event.emit_enabled') THEN
        RETURN fn_gate_closed_result('event.emit_enabled');
    END IF;
    FOR t IN SELECT * FROM human_task
              WHERE status IN ('open', 'claimed', 'started') AND due_at IS NOT NULL AND overdue_raised_at IS NULL
                AND due_at < now()
              ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED LOOP
        v_event := fn_event_emit('governance.task.overdue', 'human_task', t.id::text,
                                 jsonb_build_object('task_id', t.id, 'title', t.title, 'assignee_kind', t.assignee_kind,
                                                    'assignee', t.assignee, 'due_at', t.due_at,
                                                    'claimed_by', t.claimed_by));
        PERFORM fn_event_addressed(v_event, jsonb_build_array(jsonb_build_object('kind', t.assignee_kind,
                                                                                 'ref', t.assignee)));
        UPDATE human_task SET overdue_raised_at = now() WHERE id = t.id;
        v_n := v_n + 1;
    END LOOP;
    RETURN jsonb_build_object('status', CASE WHEN v_n = 0 THEN 'nothing_to_do' ELSE 'raised' END, 'tasks', v_n);
END;
$$;

ALTER FUNCTION public.fn_task_overdue_tick() OWNER TO queuegov_owner;

--
-- Name: fn_task_spec_check(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $_$
-- (Replaces sql/workflows/0006's: each error names the part that is wrong, and the
-- assignee and the approved manifest must exist.)
-- A task's or approval's spec: {"title", "description"?, "assignee": {"user" |
-- "group" | "role": name}, "due_in_seconds"?, "required"? and "approves"?
-- (approvals)}. p_what names it in the message ("step review: ", "").
DECLARE
    v_keys text[] := CASE p_kind WHEN 'approval' THEN ARRAY['title', 'description', 'assignee', 'due_in_seconds', 'required',
                                                            'approves']
                                 ELSE ARRAY['title', 'description', 'assignee', 'due_in_seconds'] END;
    v_extra text;
    v_who_kind text;
    v_who text;
    v_why text;
BEGIN
    IF jsonb_typeof(p_spec) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_task: %a % is an object {"title", "assignee", ...}, not %', p_what, p_kind,
                left(coalesce(p_spec::text, 'null'), 200)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_extra FROM jsonb_object_keys(p_spec - v_keys) k;
    IF v_extra IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_task: %unknown key % (a % has %)%', p_what, v_extra, p_kind, array_to_string(v_keys, ', '),
                CASE WHEN p_kind = 'task' AND (p_spec ? 'approves') THEN '; an approval names its required approvers'
                     ELSE '' END
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'title') IS DISTINCT FROM 'string' OR length(btrim(p_spec ->> 'title')) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid_task: %title is text of 1 to 200 characters, not %', p_what,
                left(coalesce((p_spec -> 'title')::text, 'missing'), 100)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'description' AND (jsonb_typeof(p_spec -> 'description') <> 'string'
                                   OR length(p_spec ->> 'description') > 2000) THEN
        RAISE EXCEPTION 'invalid_task: %description is text of at most 2000 characters', p_what USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'assignee') IS DISTINCT FROM 'object'
       OR (SELECT count(*) FROM jsonb_object_keys(p_spec -> 'assignee')) <> 1
       OR (SELECT k FROM jsonb_object_keys(p_spec -> 'assignee') k) NOT IN ('user', 'group', 'role')
       OR jsonb_typeof((SELECT v FROM jsonb_each(p_spec -> 'assignee') AS e(k, v))) <> 'string'
       OR length(btrim((SELECT v FROM jsonb_each_text(p_spec -> 'assignee') AS e(k, v)))) NOT BETWEEN 1 AND 150 THEN
        RAISE EXCEPTION 'invalid_task: %assignee is one of {"user": name}, {"group": name} or {"role": name}, not %', p_what,
                left(coalesce((p_spec -> 'assignee')::text, 'missing'), 200)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'due_in_seconds' AND (jsonb_typeof(p_spec -> 'due_in_seconds') <> 'number'
                                      OR (p_spec ->> 'due_in_seconds')::numeric NOT BETWEEN 1 AND 31536000
                                      OR (p_spec ->> 'due_in_seconds')::numeric <> trunc((p_spec ->> 'due_in_seconds')::numeric)) THEN
        RAISE EXCEPTION 'invalid_task: %due_in_seconds is a whole number of seconds from 1 to 31536000, not %', p_what,
                left((p_spec -> 'due_in_seconds')::text, 50)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'required' AND (jsonb_typeof(p_spec -> 'required') <> 'number'
                                OR (p_spec ->> 'required') NOT IN ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10')) THEN
        RAISE EXCEPTION 'invalid_task: %required is the number of distinct approvers, 1 to 10, not %', p_what,
                left((p_spec -> 'required')::text, 50)
            USING ERRCODE = 'QG004';
    END IF;
    -- "approves": approving the task approves that subject (a staged manifest pending review)
    IF p_spec ? 'approves' AND (jsonb_typeof(p_spec -> 'approves') <> 'object'
                                OR (p_spec -> 'approves') - ARRAY['table', 'ref'] <> '{}'::jsonb
                                OR p_spec -> 'approves' ->> 'table' IS DISTINCT FROM 'iu_staging_record'
                                OR coalesce(p_spec -> 'approves' ->> 'ref', '') !~ '^[0-9]{1,18}$') THEN
        RAISE EXCEPTION 'invalid_task: %an approval approves {"table": "iu_staging_record", "ref": a staged manifest''s id}, not %',
                p_what, left((p_spec -> 'approves')::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec ? 'approves' AND NOT EXISTS (SELECT 1 FROM iu_staging_record
                                            WHERE id = (p_spec -> 'approves' ->> 'ref')::bigint
                                              AND lifecycle_status = 'pending_review') THEN
        RAISE EXCEPTION 'unknown_subject: %staging record % does not exist or is not pending review', p_what,
                p_spec -> 'approves' ->> 'ref'
            USING ERRCODE = 'QG005';
    END IF;
    SELECT k, btrim(v) INTO v_who_kind, v_who FROM jsonb_each_text(p_spec -> 'assignee') AS e(k, v);
    v_why := fn_assignee_unknown(v_who_kind, v_who);
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_assignee: %', p_what || v_why USING ERRCODE = 'QG005';
    END IF;
END;
$_$;

ALTER FUNCTION public.fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) OWNER TO queuegov_owner;

--
-- Name: fn_task_subject_close(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_subject_close(p_table text, p_ref text) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- Closes the open approvals of a subject that is no longer under review, as it
-- was decided (approved: completed; rejected: rejected; anything else:
-- cancelled), by who decided it; their workflow steps go on. Nothing while the
-- subject is still under review.
DECLARE
    v_status text;
    v_by text;
    v_how text;
    t human_task;
BEGIN
    IF p_table = 'iu_staging_record' THEN
        SELECT r.lifecycle_status,
               CASE r.lifecycle_status WHEN 'approved' THEN 'completed' WHEN 'rejected' THEN 'rejected' ELSE 'cancelled' END,
               coalesce(CASE r.lifecycle_status WHEN 'approved' THEN r.approved_by WHEN 'rejected' THEN r.rejected_by END,
                        fn_actor())
          INTO v_how, v_status, v_by
          FROM iu_staging_record r WHERE r.id = p_ref::bigint AND r.lifecycle_status <> 'pending_review';
    ELSIF p_table = 'gate_change_request' THEN
        SELECT g.status, CASE g.status WHEN 'applied' THEN 'completed' WHEN 'rejected' THEN 'rejected' ELSE 'cancelled' END,
               coalesce(g.decided_by, fn_actor())
          INTO v_how, v_status, v_by
          FROM gate_change_request g WHERE g.id = p_ref::bigint AND g.status <> 'pending';
    END IF;
    IF v_status IS NULL THEN
        RETURN;
    END IF;
    FOR t IN UPDATE human_task
                SET status = v_status, finished_at = now(), finished_by = v_by,
                    reason = format('%s %s on its own screen', p_table, v_how),
                    result = CASE WHEN v_status = 'completed' THEN jsonb_build_object('approved_by', jsonb_build_array(v_by)) END
              WHERE subject_table = p_table AND subject_ref = p_ref AND approves AND status IN ('open', 'claimed', 'started')
             RETURNING * LOOP
        PERFORM fn_task_finished(t);
    END LOOP;
END;
$$;

ALTER FUNCTION public.fn_task_subject_close(p_table text, p_ref text) OWNER TO queuegov_owner;

--
-- Name: fn_task_subject_decided(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_task_subject_decided() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0008's: the closing is fn_task_subject_close, which an
-- approval starting on a subject already decided uses too.)
-- AFTER UPDATE on a subject that approvals approve, when it leaves review.
BEGIN
    PERFORM fn_task_subject_close(TG_TABLE_NAME, NEW.id::text);
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_task_subject_decided() OWNER TO queuegov_owner;

--
-- Name: fn_vocabulary(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_vocabulary() RETURNS TABLE(vocabulary text, allowed text[])
    LANGUAGE sql STABLE
    AS $$
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

ALTER FUNCTION public.fn_vocabulary() OWNER TO queuegov_owner;

--
-- Name: fn_worker_ref(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_worker_ref(p_worker_id text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    -- The worker id as stored in lease_owner: the app's and the owner's as given,
    -- any other login's prefixed with the login, so leases are bound to logins.
    -- (An expression the planner inlines into every lease call; fn_job_claim
    -- checks the id's length, and a NULL id matches no lease.)
    SELECT CASE WHEN fn_caller_names_actor() THEN p_worker_id ELSE session_user || '/' || p_worker_id END
$$;

ALTER FUNCTION public.fn_worker_ref(p_worker_id text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_act_statuses(text, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_act_statuses(p_act text, p_step_kind text DEFAULT NULL::text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    -- cancel: a running workflow; retry: a failed job step (a step of another kind,
    -- or of no kind given, is retried by nothing; NULL). NULL for an unknown act.
    SELECT CASE p_act
               WHEN 'cancel' THEN ARRAY['running']
               WHEN 'retry' THEN CASE WHEN p_step_kind = 'job' THEN ARRAY['failed'] END
           END
$$;

ALTER FUNCTION public.fn_workflow_act_statuses(p_act text, p_step_kind text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_add(bigint, text, integer, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0008's: only an active step whose job this is adds, and
-- an approval the workflow's starter is the only one to decide is refused.)
-- (sql/workflows/0008: the refusal names its rule, lease_lost.)
-- A running job adds a workflow under its step (the spec as fn_workflow_create
-- takes it). Fenced like an ack: the job must be running under this worker's
-- lease at this attempt. {"status": "added", "workflow_id", "steps"},
-- {"status": "already_added", "workflow_id"} when this job added one of that
-- name before (a re-run attempt), or gate_closed.
DECLARE
    j job_queue%ROWTYPE;
    s workflow_step%ROWTYPE;
    v_depth integer;
    v_total integer;
    v_id bigint;
    v_bad text;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    PERFORM fn_job_attempt_required(p_attempt, 'fn_workflow_add');
    -- the job's row before its step's, in the order its ack takes them
    SELECT * INTO j FROM job_queue WHERE id = p_job_id FOR SHARE;
    IF NOT FOUND OR (j.status = 'running') IS NOT TRUE OR j.lease_owner IS DISTINCT FROM fn_worker_ref(p_worker_id)
       OR j.attempts <> p_attempt THEN
        RAISE EXCEPTION 'lease_lost: %',
                regexp_replace(fn_job_fence_refusal(p_job_id, fn_worker_ref(p_worker_id), p_attempt) ->> 'reason',
                               '^lease_lost: ', '')
            USING ERRCODE = 'QG002';
    END IF;
    IF j.workflow_step_id IS NULL THEN
        RAISE EXCEPTION 'not_a_workflow_step: job % does not run a workflow step', p_job_id USING ERRCODE = 'QG005';
    END IF;
    SELECT * INTO s FROM workflow_step WHERE id = j.workflow_step_id FOR UPDATE;
    IF s.status <> 'active' OR s.job_id IS DISTINCT FROM p_job_id THEN
        RAISE EXCEPTION 'step_finished: step % of workflow % is %; job % adds nothing to it', s.name, s.workflow_id,
                s.status || CASE WHEN s.job_id IS DISTINCT FROM p_job_id THEN format(' and runs job %s', s.job_id) ELSE '' END,
                p_job_id
            USING ERRCODE = 'QG003';
    END IF;
    IF EXISTS (SELECT 1 FROM workflow WHERE id = s.workflow_id AND cancel_reason IS NOT NULL) THEN
        RAISE EXCEPTION 'workflow_cancelled: workflow % is being cancelled; its steps add nothing', s.workflow_id
            USING ERRCODE = 'QG003';
    END IF;
    WITH RECURSIVE up AS (
        SELECT w.parent_step_id, 1 AS depth FROM workflow w WHERE w.id = s.workflow_id
        UNION ALL
        SELECT w.parent_step_id, up.depth + 1
          FROM up JOIN workflow_step ps ON ps.id = up.parent_step_id JOIN workflow w ON w.id = ps.workflow_id
    )
    SELECT max(depth) INTO v_depth FROM up;
    v_total := fn_workflow_spec_check(p_spec, format('workflow added by job %s > ', p_job_id), v_depth + 1);
    IF v_total > 100000 THEN
        RAISE EXCEPTION 'too_many_steps: % steps in one workflow (sub-workflows included); at most 100000', v_total
            USING ERRCODE = 'QG004';
    END IF;
    -- an approval assigned to the workflow's starter alone could never be decided
    SELECT x.name INTO v_bad FROM (
        WITH RECURSIVE specs(spec) AS (
            SELECT p_spec
            UNION ALL
            SELECT st -> 'workflow' FROM specs, jsonb_array_elements(specs.spec -> 'steps') st WHERE st ? 'workflow'
        )
        SELECT st ->> 'name' AS name FROM specs, jsonb_array_elements(specs.spec -> 'steps') st
         WHERE st ? 'approval'
           AND 'user:' || btrim(st -> 'approval' -> 'assignee' ->> 'user')
               = (SELECT w.started_by FROM workflow w WHERE w.id = s.workflow_id)
    ) x LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'four_eyes: % started workflow % and may not approve what it adds (step %); assign the approval to someone else',
                (SELECT w.started_by FROM workflow w WHERE w.id = s.workflow_id), s.workflow_id, v_bad
            USING ERRCODE = 'QG002';
    END IF;
    -- its name is a key of the step's result
    BEGIN
        PERFORM fn_payload_keys_safe(jsonb_build_object(p_spec ->> 'name', true));
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'invalid_workflow_name: an added workflow''s name is a key of its step''s result and may not be a prohibited payload key: %',
                SQLERRM
            USING ERRCODE = 'QG004';
    END;
    SELECT id INTO v_id FROM workflow WHERE added_by_job_id = p_job_id AND name = p_spec ->> 'name';
    IF FOUND THEN
        RETURN jsonb_build_object('status', 'already_added', 'workflow_id', v_id);
    END IF;
    UPDATE workflow_step SET added_open = added_open + 1 WHERE id = s.id;
    v_id := fn_workflow_insert(p_spec, s.id, p_job_id);
    RETURN jsonb_build_object('status', 'added', 'workflow_id', v_id, 'steps', v_total);
END;
$$;

ALTER FUNCTION public.fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_cancel(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_cancel(p_workflow_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- (Replaces sql/workflows/0001's: which workflows cancel is fn_workflow_act_statuses,
-- and the steps counted include those of workflows a job added.)
-- A governed act (audited as workflow.cancel): {"status": "cancelled",
-- "workflow_id", "steps_cancelled"} or {"status": "nothing_to_do", ...} for a
-- workflow that is not running. Cancelling a sub-workflow cancels it alone; its
-- step then counts as cancelled for its dependents.
DECLARE
    v_reason text := fn_reason_checked(p_reason);
    v_status text;
    v_n integer;
BEGIN
    PERFORM fn_actor_required();
    IF v_reason IS NULL OR length(btrim(v_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: cancelling a workflow needs a reason' USING ERRCODE = 'QG008';
    END IF;
    SELECT status INTO v_status FROM workflow WHERE id = p_workflow_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_workflow: no workflow %', p_workflow_id USING ERRCODE = 'QG005';
    END IF;
    IF v_status <> ALL (fn_workflow_act_statuses('cancel')) THEN
        RETURN fn_act_audit(jsonb_build_object('status', 'nothing_to_do', 'workflow_id', p_workflow_id,
                                               'workflow_status', v_status),
                            'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
    END IF;
    PERFORM fn_workflow_cancel_unaudited(p_workflow_id, btrim(v_reason));
    -- every step of the tree this transaction ended (sub-workflow steps end with their workflow)
    WITH RECURSIVE tree AS (
        SELECT p_workflow_id AS id
        UNION ALL
        SELECT c.id FROM tree JOIN workflow_step s ON s.workflow_id = tree.id JOIN workflow c ON c.parent_step_id = s.id
    )
    SELECT count(*) INTO v_n FROM workflow_step s JOIN tree ON s.workflow_id = tree.id
     WHERE s.status = 'cancelled' AND s.finished_at = now();
    RETURN fn_act_audit(jsonb_build_object('status', 'cancelled', 'workflow_id', p_workflow_id, 'steps_cancelled', v_n),
                        'workflow.cancel', 'workflow', ARRAY[p_workflow_id::text], v_reason);
END;
$$;

ALTER FUNCTION public.fn_workflow_cancel(p_workflow_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_cancel_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0005's: workflows a running job step added are
-- cancelled too.)
-- Cancels every step of a running workflow that has not finished, its
-- sub-workflows' steps too (to any depth): waiting steps at once, queued and
-- running jobs through fn_job_cancel_many_unaudited (a running attempt's late
-- ack is refused). The workflow then finishes as cancelled. Answers how many
-- steps were cancelled.
DECLARE
    v_n integer := 0;
    v_child bigint;
    v_jobs bigint[];
    v_waiting integer;
    v_task human_task;
BEGIN
    UPDATE workflow SET cancel_reason = p_reason WHERE id = p_workflow_id AND status = 'running' AND cancel_reason IS NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    WITH c AS (
        UPDATE workflow_step SET status = 'cancelled', error = 'workflow_cancelled: ' || p_reason, finished_at = now()
         WHERE workflow_id = p_workflow_id AND status = 'waiting'
        RETURNING id
    )
    SELECT count(*) INTO v_waiting FROM c;
    v_n := v_n + v_waiting;
    IF v_waiting > 0 THEN
        UPDATE workflow SET steps_open = steps_open - v_waiting WHERE id = p_workflow_id;
    END IF;
    -- sub-workflows of its active steps: declared ones and those a step's job added
    FOR v_child IN SELECT c.id FROM workflow_step s JOIN workflow c ON c.parent_step_id = s.id
                    WHERE s.workflow_id = p_workflow_id AND s.status = 'active' AND c.status = 'running'
                    ORDER BY c.id LOOP
        v_n := v_n + fn_workflow_cancel_unaudited(v_child, p_reason);
    END LOOP;
    -- open tasks and approvals of its active steps are cancelled, and their steps with them
    FOR v_task IN UPDATE human_task t
                     SET status = 'cancelled', finished_at = now(), finished_by = fn_actor(), reason = p_reason
                    FROM workflow_step s
                   WHERE s.workflow_id = p_workflow_id AND s.status = 'active' AND t.workflow_step_id = s.id
                     AND t.status IN ('open', 'claimed', 'started')
                  RETURNING t.* LOOP
        PERFORM fn_task_finished(v_task);
        v_n := v_n + 1;
    END LOOP;
    v_jobs := ARRAY(SELECT job_id FROM workflow_step
                     WHERE workflow_id = p_workflow_id AND status = 'active' AND step_kind = 'job' ORDER BY job_id);
    IF cardinality(v_jobs) > 0 THEN
        v_n := v_n + jsonb_array_length(fn_job_cancel_many_unaudited(v_jobs, p_reason) -> 'cancelled');
    END IF;
    -- A workflow left with no open step (every job had just finished) finishes here.
    IF (SELECT steps_open FROM workflow WHERE id = p_workflow_id) = 0 THEN
        UPDATE workflow SET status = 'cancelled', finished_at = now(),
                            result = (SELECT coalesce(jsonb_object_agg(s.name, s.result), '{}') FROM workflow_step s
                                       WHERE s.workflow_id = p_workflow_id
                                         AND NOT EXISTS (SELECT 1 FROM workflow_step_dependency x
                                                          WHERE x.depends_on_id = s.id))
         WHERE id = p_workflow_id AND status = 'running';
    END IF;
    RETURN v_n;
END;
$$;

ALTER FUNCTION public.fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_create(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_create(p_spec jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- {"status": "created", "workflow_id": N, "steps": <all steps, sub-workflows'
-- included>} or {"status": "gate_closed", ...}. The spec (docs/workflows.md):
-- {"name", "correlation_id"?, "steps": [{"name", "job": <fn_job_enqueue_many
-- element> | "workflow": <spec>, "depends_on": [names]?, "on_dependency_failure":
-- "cancel" | "run"?}]}. Checked whole before anything is written.
DECLARE
    v_total integer;
    v_id bigint;
BEGIN
    IF NOT fn_gate_open('queue.job_substrate.enabled') THEN
        RETURN fn_gate_closed_result('queue.job_substrate.enabled');
    END IF;
    v_total := fn_workflow_spec_check(p_spec, '', 1);
    IF v_total > 100000 THEN
        RAISE EXCEPTION 'too_many_steps: % steps in one workflow (sub-workflows included); at most 100000', v_total
            USING ERRCODE = 'QG004';
    END IF;
    v_id := fn_workflow_insert(p_spec, NULL);
    RETURN jsonb_build_object('status', 'created', 'workflow_id', v_id, 'steps', v_total);
END;
$$;

ALTER FUNCTION public.fn_workflow_create(p_spec jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_insert(jsonb, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) RETURNS bigint
    LANGUAGE sql
    AS $$
    -- (Replaces sql/workflows/0003's.) A declared workflow: no job added it.
    SELECT fn_workflow_insert(p_spec, p_parent_step_id, NULL)
$$;

ALTER FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_insert(jsonb, bigint, bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint, p_added_by_job_id bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
-- Writes a checked spec (and its sub-workflow specs, when their steps start) and
-- starts the steps that depend on nothing; answers the workflow's id. A workflow
-- a running job added names that job (p_added_by_job_id) before any of its
-- steps starts, so one that fails at once is counted by the job's step.
DECLARE
    v_id bigint;
    v_n integer := jsonb_array_length(p_spec -> 'steps');
BEGIN
    INSERT INTO workflow (name, parent_step_id, added_by_job_id, started_by, correlation_id, steps_total, steps_open)
    VALUES (p_spec ->> 'name', p_parent_step_id, p_added_by_job_id,
            CASE WHEN p_parent_step_id IS NULL THEN fn_actor()
                 ELSE (SELECT w.started_by FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                        WHERE s.id = p_parent_step_id) END,
            coalesce(p_spec ->> 'correlation_id',
                     (SELECT w.correlation_id FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
                       WHERE s.id = p_parent_step_id)),
            v_n, v_n)
    RETURNING id INTO v_id;
    INSERT INTO workflow_step (workflow_id, name, step_kind, spec, on_dependency_failure, deps_total, deps_pending)
    SELECT v_id, s ->> 'name',
           CASE WHEN s ? 'job' THEN 'job' WHEN s ? 'workflow' THEN 'workflow' WHEN s ? 'task' THEN 'task' ELSE 'approval' END,
           coalesce(s -> 'job', s -> 'workflow', s -> 'task', s -> 'approval'),
           coalesce(s ->> 'on_dependency_failure', 'cancel'),
           coalesce(jsonb_array_length(s -> 'depends_on'), 0), coalesce(jsonb_array_length(s -> 'depends_on'), 0)
      FROM jsonb_array_elements(p_spec -> 'steps') WITH ORDINALITY AS t(s, ord)
     ORDER BY ord;
    INSERT INTO workflow_step_dependency (step_id, depends_on_id)
    SELECT st.id, dep.id
      FROM jsonb_array_elements(p_spec -> 'steps') s
      JOIN workflow_step st ON st.workflow_id = v_id AND st.name = s ->> 'name'
      CROSS JOIN jsonb_array_elements_text(coalesce(s -> 'depends_on', '[]')) d
      JOIN workflow_step dep ON dep.workflow_id = v_id AND dep.name = d;
    PERFORM fn_workflow_steps_start(ARRAY(SELECT id FROM workflow_step WHERE workflow_id = v_id AND deps_total = 0
                                           ORDER BY id));
    RETURN v_id;
END;
$$;

ALTER FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint, p_added_by_job_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_job_finished(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_job_finished() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
-- AFTER UPDATE OF status on job_queue, only for a step's job reaching a final
-- status (the trigger's WHEN): the step finishes in the same transaction as its
-- job, so a worker killed before its ack leaves both as they were.
BEGIN
    PERFORM fn_workflow_step_finish(
        NEW.workflow_step_id,
        CASE NEW.status WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END,
        NEW.result,
        CASE WHEN NEW.status <> 'succeeded' THEN format('job %s %s: %s', NEW.id, NEW.status, NEW.last_error) END);
    RETURN NULL;
END;
$$;

ALTER FUNCTION public.fn_workflow_job_finished() OWNER TO queuegov_owner;

--
-- Name: fn_workflow_job_kind_check(text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_job_kind_check(p_job_kind text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
-- A step's job kind is registered and active, and open to the caller (the
-- enqueue's own rules: fn_job_kind_class, fn_job_kind_open_to_caller).
BEGIN
    PERFORM fn_job_kind_class(p_job_kind);
    IF NOT fn_job_kind_open_to_caller(p_job_kind) THEN
        RAISE EXCEPTION 'job_kind_refused: only the app enqueues % jobs', p_job_kind USING ERRCODE = 'QG002';
    END IF;
END;
$$;

ALTER FUNCTION public.fn_workflow_job_kind_check(p_job_kind text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_spec_check(jsonb, text, integer); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
-- (Replaces sql/workflows/0003's: names usable as result keys, correlation ids,
-- human steps by the app only, approvals someone may decide.)
-- Raises naming the first thing wrong with a workflow spec (and its
-- sub-workflows, to 10 levels), or answers how many steps it holds in all.
-- p_path names the workflow in messages ("" at the top, "step b > " inside).
DECLARE
    v_steps jsonb := p_spec -> 'steps';
    v_dup text;
    v_bad record;
    v_cycle text;
    v_total integer;
    v_sub record;
    v_jobs jsonb;
BEGIN
    IF p_depth > 10 THEN
        RAISE EXCEPTION 'invalid_workflow: %sub-workflows nest at most 10 deep', p_path USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'invalid_workflow: %a workflow is a jsonb object {"name", "steps": [...]}, not %', p_path,
                coalesce(jsonb_typeof(p_spec), 'NULL')
            USING ERRCODE = 'QG004';
    END IF;
    IF p_spec - ARRAY['name', 'steps', 'correlation_id'] <> '{}'::jsonb THEN
        RAISE EXCEPTION 'invalid_workflow: %unknown keys %; a workflow has name, steps and correlation_id', p_path,
                (SELECT string_agg(k, ', ') FROM jsonb_object_keys(p_spec - ARRAY['name', 'steps', 'correlation_id']) k)
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(p_spec -> 'name') IS DISTINCT FROM 'string'
       OR p_spec ->> 'name' !~ '^[A-Za-z0-9][A-Za-z0-9_.:/ -]*$' OR length(p_spec ->> 'name') > 200 THEN
        RAISE EXCEPTION 'invalid_workflow_name: %a workflow name starts with a letter or digit, then letters, digits, _ . : / - or spaces, at most 200 characters, not %',
                p_path, coalesce(p_spec -> 'name', 'null'::jsonb)
            USING ERRCODE = 'QG004';
    END IF;
    IF jsonb_typeof(v_steps) IS DISTINCT FROM 'array' OR jsonb_array_length(v_steps) = 0 THEN
        RAISE EXCEPTION 'invalid_workflow: %steps is a non-empty array of step objects', p_path USING ERRCODE = 'QG004';
    END IF;
    SELECT ord - 1 AS i, s INTO v_bad FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord)
     WHERE jsonb_typeof(s) IS DISTINCT FROM 'object'
        OR jsonb_typeof(s -> 'name') IS DISTINCT FROM 'string'
        OR s ->> 'name' !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' OR length(s ->> 'name') > 200
     ORDER BY ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_step_name: %step % (%) needs a name: a letter or digit, then letters, digits, _ . : or -, at most 200 characters',
                p_path, v_bad.i, left(v_bad.s::text, 200)
            USING ERRCODE = 'QG004';
    END IF;
    -- A step name is a key of the workflow's final result: a prohibited payload key
    -- ("embedding", "body", ...) would be refused when the workflow finishes.
    BEGIN
        PERFORM fn_payload_keys_safe(jsonb_object_agg(s ->> 'name', true)) FROM jsonb_array_elements(v_steps) s;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'invalid_step_name: %a step name is a key of the workflow''s result and may not be a prohibited payload key: %',
                p_path, SQLERRM
            USING ERRCODE = 'QG004';
    END;
    IF p_spec ? 'correlation_id' AND (jsonb_typeof(p_spec -> 'correlation_id') <> 'string'
                                      OR length(p_spec ->> 'correlation_id') > 200) THEN
        RAISE EXCEPTION 'invalid_workflow: %a correlation_id is text of at most 200 characters', p_path USING ERRCODE = 'QG004';
    END IF;
    -- People's work is assigned by the app, which names the person who asks.
    IF NOT fn_caller_names_actor()
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(v_steps) s WHERE s ? 'task' OR s ? 'approval') THEN
        RAISE EXCEPTION 'human_steps_refused: %an executor login creates workflows of jobs; task and approval steps are the app''s',
                p_path
            USING ERRCODE = 'QG002';
    END IF;
    SELECT s ->> 'name' INTO v_dup FROM jsonb_array_elements(v_steps) s
     GROUP BY s ->> 'name' HAVING count(*) > 1 ORDER BY s ->> 'name' LIMIT 1;
    IF v_dup IS NOT NULL THEN
        RAISE EXCEPTION 'duplicate_step: %two steps are named %', p_path, v_dup USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, s INTO v_bad FROM jsonb_array_elements(v_steps) s
     WHERE (s ? 'job')::integer + (s ? 'workflow')::integer + (s ? 'task')::integer + (s ? 'approval')::integer <> 1
        OR s - ARRAY['name', 'job', 'workflow', 'task', 'approval', 'depends_on', 'on_dependency_failure'] <> '{}'::jsonb
        OR (s ? 'depends_on' AND jsonb_typeof(s -> 'depends_on') <> 'array')
        OR (s ? 'on_dependency_failure' AND coalesce(s ->> 'on_dependency_failure', '') NOT IN ('cancel', 'run'))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_step: %step % has exactly one of job, workflow, task or approval, depends_on as an array of step names and on_dependency_failure cancel or run (keys: name, job, workflow, task, approval, depends_on, on_dependency_failure), not %',
                p_path, v_bad.name, left(v_bad.s::text, 300)
            USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, d AS dep INTO v_bad
      FROM jsonb_array_elements(v_steps) s, jsonb_array_elements(coalesce(s -> 'depends_on', '[]')) d
     WHERE jsonb_typeof(d) <> 'string'
        OR d #>> '{}' = s ->> 'name'
        OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_steps) o WHERE o ->> 'name' = d #>> '{}')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown_dependency: %step % depends on %, which is not another step of workflow %',
                p_path, v_bad.name, v_bad.dep, p_spec ->> 'name'
            USING ERRCODE = 'QG004';
    END IF;
    SELECT s ->> 'name' AS name, d #>> '{}' AS dep INTO v_bad
      FROM jsonb_array_elements(v_steps) s, jsonb_array_elements(coalesce(s -> 'depends_on', '[]')) d
     GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'duplicate_dependency: %step % names % twice in depends_on', p_path, v_bad.name, v_bad.dep
            USING ERRCODE = 'QG004';
    END IF;
    v_cycle := fn_workflow_spec_cycle(v_steps);
    IF v_cycle IS NOT NULL THEN
        RAISE EXCEPTION 'dependency_cycle: %steps depend on each other in a cycle: %', p_path, v_cycle
            USING ERRCODE = 'QG004';
    END IF;
    -- Every job step passes the enqueue's own checks now, so a step started later
    -- (in the transaction that finishes its last dependency) is not refused for
    -- its shape.
    SELECT jsonb_agg(s -> 'job' ORDER BY ord) INTO v_jobs
      FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord) WHERE s ? 'job';
    IF v_jobs IS NOT NULL THEN
        BEGIN
            PERFORM fn_job_enqueue_many_checked(v_jobs, fn_setting_int('queue.payload.max_bytes'));
            PERFORM fn_workflow_job_kind_check(j ->> 'job_kind') FROM jsonb_array_elements(v_jobs) j;
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_jobs) j WHERE j ? 'idempotency_key' OR j ? 'run_at') THEN
                RAISE EXCEPTION 'invalid_job: a step''s job has no idempotency_key or run_at (the step starts it once, when its dependencies finish)'
                    USING ERRCODE = 'QG004';
            END IF;
        EXCEPTION WHEN SQLSTATE 'QG002' OR SQLSTATE 'QG004' OR SQLSTATE 'QG005' OR SQLSTATE 'QG007'
                       OR SQLSTATE '23514' THEN
            -- name the step instead of the element's index
            FOR v_bad IN SELECT s ->> 'name' AS name, s -> 'job' AS job
                           FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS t(s, ord) WHERE s ? 'job' ORDER BY ord LOOP
                BEGIN
                    PERFORM fn_job_enqueue_many_checked(jsonb_build_array(v_bad.job), fn_setting_int('queue.payload.max_bytes'));
                    PERFORM fn_workflow_job_kind_check(v_bad.job ->> 'job_kind');
                    IF v_bad.job ? 'idempotency_key' OR v_bad.job ? 'run_at' THEN
                        RAISE EXCEPTION 'invalid_job: a step''s job has no idempotency_key or run_at (the step starts it once, when its dependencies finish)'
                            USING ERRCODE = 'QG004';
                    END IF;
                EXCEPTION WHEN OTHERS THEN
                    -- the rule's own name and SQLSTATE, the step named after it
                    RAISE EXCEPTION USING
                        MESSAGE = regexp_replace(SQLERRM, '^([a-z_]+): (element 0 )?',
                                                 '\1: ' || p_path || 'step ' || v_bad.name || ': '),
                        ERRCODE = SQLSTATE;
                END;
            END LOOP;
            RAISE;
        END;
    END IF;
    FOR v_bad IN SELECT s ->> 'name' AS name, CASE WHEN s ? 'task' THEN 'task' ELSE 'approval' END AS kind,
                        coalesce(s -> 'task', s -> 'approval') AS spec
                   FROM jsonb_array_elements(v_steps) s WHERE s ? 'task' OR s ? 'approval' LOOP
        PERFORM fn_task_spec_check(v_bad.spec, v_bad.kind, p_path || 'step ' || v_bad.name || ': ');
        PERFORM fn_task_decidable(v_bad.spec, v_bad.kind, fn_actor(), p_path || 'step ' || v_bad.name || ': ');
    END LOOP;
    v_total := jsonb_array_length(v_steps);
    FOR v_sub IN SELECT s ->> 'name' AS name, s -> 'workflow' AS spec FROM jsonb_array_elements(v_steps) s
                  WHERE s ? 'workflow' LOOP
        v_total := v_total + fn_workflow_spec_check(v_sub.spec, p_path || 'step ' || v_sub.name || ' > ', p_depth + 1);
    END LOOP;
    RETURN v_total;
END;
$_$;

ALTER FUNCTION public.fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_spec_cycle(jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_spec_cycle(p_steps jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
-- One cycle among the steps' dependencies, as "a -> b -> a", or NULL (Kahn's
-- algorithm: peel off steps with no dependency left; what never peels is in or
-- behind a cycle, and walking its first dependency from there finds one).
DECLARE
    v_left   jsonb := '{}';  -- name -> remaining dependency names
    v_ready  text[];
    v_walk   text[];
    v_name   text;
BEGIN
    SELECT coalesce(jsonb_object_agg(s ->> 'name', coalesce(s -> 'depends_on', '[]')), '{}') INTO v_left
      FROM jsonb_array_elements(p_steps) s;
    LOOP
        SELECT array_agg(key) INTO v_ready FROM jsonb_each(v_left) WHERE jsonb_array_length(value) = 0;
        EXIT WHEN v_ready IS NULL;
        v_left := (SELECT coalesce(jsonb_object_agg(key,
                                                    (SELECT coalesce(jsonb_agg(d), '[]') FROM jsonb_array_elements(value) d
                                                      WHERE d #>> '{}' <> ALL (v_ready))), '{}')
                     FROM jsonb_each(v_left) WHERE key <> ALL (v_ready));
    END LOOP;
    IF v_left = '{}' THEN
        RETURN NULL;
    END IF;
    v_name := (SELECT min(key) FROM jsonb_each(v_left));
    v_walk := ARRAY[v_name];
    LOOP
        v_name := v_left -> v_name ->> 0;
        IF v_name = ANY (v_walk) THEN
            RETURN array_to_string(v_walk[array_position(v_walk, v_name):] || v_name, ' -> ');
        END IF;
        v_walk := v_walk || v_name;
    END LOOP;
END;
$$;

ALTER FUNCTION public.fn_workflow_spec_cycle(p_steps jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_step_added_outcome(bigint, bigint, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_added_outcome(p_step_id bigint, p_job_id bigint, p_job_result jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- How a job step ends whose job succeeded and whose added workflows have all
    -- finished: succeeded when they all did, else failed (or cancelled when none
    -- failed), with the job's result and theirs.
    SELECT jsonb_build_object(
               'step', p_step_id, 'settled', true,
               'outcome', CASE WHEN bool_or(w.status = 'failed') THEN 'failed'
                               WHEN bool_or(w.status = 'cancelled') THEN 'cancelled'
                               ELSE 'succeeded' END,
               'result', jsonb_build_object('job', p_job_result, 'workflows',
                   jsonb_object_agg(w.name, jsonb_build_object('workflow_id', w.id, 'status', w.status, 'result', w.result))),
               'error', 'added_workflow_not_succeeded: '
                        || string_agg(format('%s (#%s) %s', w.name, w.id, w.status), ', ' ORDER BY w.id)
                               FILTER (WHERE w.status <> 'succeeded'))
      FROM workflow w
     WHERE w.added_by_job_id = p_job_id
$$;

ALTER FUNCTION public.fn_workflow_step_added_outcome(p_step_id bigint, p_job_id bigint, p_job_result jsonb) OWNER TO queuegov_owner;

--
-- Name: workflow_step; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.workflow_step (
    id bigint NOT NULL,
    workflow_id bigint NOT NULL,
    name text NOT NULL,
    step_kind text NOT NULL,
    spec jsonb NOT NULL,
    on_dependency_failure text DEFAULT 'cancel'::text NOT NULL,
    status text DEFAULT 'waiting'::text NOT NULL,
    deps_total integer NOT NULL,
    deps_pending integer NOT NULL,
    deps_failed integer DEFAULT 0 NOT NULL,
    job_id bigint,
    child_workflow_id bigint,
    result public.qg_safe_payload,
    error text,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    added_open integer DEFAULT 0 NOT NULL,
    job_succeeded boolean DEFAULT false NOT NULL,
    CONSTRAINT workflow_step_added_open_counted CHECK ((added_open >= 0)),
    CONSTRAINT workflow_step_deps_in_range CHECK (((deps_pending >= 0) AND (deps_pending <= deps_total) AND (deps_failed >= 0) AND (deps_failed <= (deps_total - deps_pending)))),
    CONSTRAINT workflow_step_finished_when_final CHECK (((status = ANY (ARRAY['succeeded'::text, 'failed'::text, 'cancelled'::text])) = (finished_at IS NOT NULL))),
    CONSTRAINT workflow_step_kind_allowed CHECK ((step_kind = ANY (ARRAY['job'::text, 'workflow'::text, 'task'::text, 'approval'::text]))),
    CONSTRAINT workflow_step_name_format CHECK (((name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'::text) AND (length(name) <= 200))),
    CONSTRAINT workflow_step_on_dependency_failure_allowed CHECK ((on_dependency_failure = ANY (ARRAY['cancel'::text, 'run'::text]))),
    CONSTRAINT workflow_step_status_allowed CHECK ((status = ANY (ARRAY['waiting'::text, 'active'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text])))
);

ALTER TABLE public.workflow_step OWNER TO queuegov_owner;

--
-- Name: TABLE workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.workflow_step IS 'A step of a workflow: a job or a sub-workflow (docs/workflows.md).';

--
-- Name: COLUMN workflow_step.added_open; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.workflow_step.added_open IS 'Workflows its current job added that have not finished yet; the step waits for them.';

--
-- Name: COLUMN workflow_step.job_succeeded; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.workflow_step.job_succeeded IS 'Its job succeeded while workflows it added were still open: result holds the job''s answer until they finish.';

--
-- Name: CONSTRAINT workflow_step_added_open_counted ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_added_open_counted ON public.workflow_step IS 'a step''s count of open workflows its job added is never negative';

--
-- Name: CONSTRAINT workflow_step_deps_in_range ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_deps_in_range ON public.workflow_step IS 'a step''s pending and failed dependencies are counts within its dependencies: change them only through the workflow functions';

--
-- Name: CONSTRAINT workflow_step_finished_when_final ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_finished_when_final ON public.workflow_step IS 'a step has a finish time exactly when it succeeded, failed or was cancelled';

--
-- Name: CONSTRAINT workflow_step_kind_allowed ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_kind_allowed ON public.workflow_step IS 'a step is a job, a workflow, a task or an approval';

--
-- Name: CONSTRAINT workflow_step_name_format ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_name_format ON public.workflow_step IS 'a step name starts with a letter or digit, then letters, digits, _ . : or -, at most 200 characters';

--
-- Name: CONSTRAINT workflow_step_on_dependency_failure_allowed ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_on_dependency_failure_allowed ON public.workflow_step IS 'on_dependency_failure is cancel (the default) or run';

--
-- Name: CONSTRAINT workflow_step_status_allowed ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_status_allowed ON public.workflow_step IS 'a step is waiting, active, succeeded, failed or cancelled: change it only through the workflow functions';

--
-- Name: fn_workflow_step_added_settle(public.workflow_step, jsonb); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_added_settle(s public.workflow_step, p_item jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- An active job step's worklist item (fn_workflow_step_finish): its job finished,
-- or a workflow its job added did. Answers the item that finishes the step, or
-- NULL while it waits for the other. A workflow added by an earlier job of a
-- retried step is not counted.
BEGIN
    IF p_item ? 'workflow' THEN
        PERFORM 1 FROM workflow WHERE id = (p_item ->> 'workflow')::bigint AND added_by_job_id = s.job_id;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        UPDATE workflow_step SET added_open = added_open - 1 WHERE id = s.id RETURNING * INTO s;
        IF s.added_open > 0 OR NOT s.job_succeeded THEN
            RETURN NULL;
        END IF;
        RETURN fn_workflow_step_added_outcome(s.id, s.job_id, s.result);
    END IF;
    IF s.job_id IS NULL OR NOT EXISTS (SELECT 1 FROM workflow WHERE added_by_job_id = s.job_id) THEN
        RETURN p_item;  -- its job added nothing: the job's outcome is the step's
    END IF;
    IF p_item ->> 'outcome' <> 'succeeded' THEN
        RETURN p_item;  -- it ends as its job did; what the job added is cancelled after
    END IF;
    IF s.added_open > 0 THEN
        UPDATE workflow_step SET job_succeeded = true, result = p_item -> 'result' WHERE id = s.id;
        RETURN NULL;
    END IF;
    RETURN fn_workflow_step_added_outcome(s.id, s.job_id, p_item -> 'result');
END;
$$;

ALTER FUNCTION public.fn_workflow_step_added_settle(s public.workflow_step, p_item jsonb) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_step_finish(bigint, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0005's: a job step that added workflows finishes when
-- its job and they all have: fn_workflow_step_added_settle.)
-- A step ended (succeeded, failed or cancelled). Its dependents each take one
-- dependency off under their row lock: those left with none start, or are
-- cancelled when a dependency did not succeed and they do not run anyway; then
-- its workflow takes one open step off, and the workflow that reaches none
-- finishes, and with it the sub-workflow step that made it. A worklist, not
-- recursion, so a chain of 1,000 cancelled steps is one loop.
DECLARE
    v_work   jsonb := jsonb_build_array(jsonb_build_object('step', p_step_id, 'outcome', p_outcome,
                                                           'result', p_result, 'error', p_error));
    v_item   jsonb;
    v_step   workflow_step%ROWTYPE;
    v_wf     workflow%ROWTYPE;
    v_start  bigint[];
    d        record;
    v_open   workflow_step%ROWTYPE;
    v_child  bigint;
BEGIN
    WHILE jsonb_array_length(v_work) > 0 LOOP
        v_item := v_work -> 0;
        v_work := v_work - 0;
        IF NOT v_item ? 'settled' THEN
            SELECT * INTO v_open FROM workflow_step
             WHERE id = (v_item ->> 'step')::bigint AND status = 'active' AND step_kind = 'job';
            IF FOUND THEN
                v_item := fn_workflow_step_added_settle(v_open, v_item);
                CONTINUE WHEN v_item IS NULL;  -- it waits for its job or for a workflow its job added
            END IF;
        END IF;
        UPDATE workflow_step
           SET status = v_item ->> 'outcome', result = v_item -> 'result', error = v_item ->> 'error',
               finished_at = now()
         WHERE id = (v_item ->> 'step')::bigint AND status IN ('waiting', 'active')
        RETURNING * INTO v_step;
        CONTINUE WHEN NOT FOUND;  -- already final (a cancelled step whose job finished late)
        -- A job step that did not succeed takes the workflows its job added with it.
        IF v_step.added_open > 0 AND v_step.status <> 'succeeded' THEN
            FOR v_child IN SELECT id FROM workflow WHERE added_by_job_id = v_step.job_id AND status = 'running'
                            ORDER BY id LOOP
                PERFORM fn_workflow_cancel_unaudited(v_child,
                    format('step_ended: step %s of workflow %s %s', v_step.name, v_step.workflow_id, v_step.status));
            END LOOP;
            UPDATE workflow_step SET added_open = 0 WHERE id = v_step.id;
        END IF;
        v_start := '{}';
        FOR d IN UPDATE workflow_step s
                    SET deps_pending = s.deps_pending - 1,
                        deps_failed = s.deps_failed + (v_step.status <> 'succeeded')::integer
                   FROM workflow_step_dependency dep
                  WHERE dep.depends_on_id = v_step.id AND s.id = dep.step_id AND s.status = 'waiting'
                 RETURNING s.id, s.deps_pending, s.deps_failed, s.on_dependency_failure LOOP
            IF d.deps_pending = 0 THEN
                IF (d.deps_failed > 0 AND d.on_dependency_failure = 'cancel')
                   OR EXISTS (SELECT 1 FROM workflow WHERE id = v_step.workflow_id AND cancel_reason IS NOT NULL) THEN
                    v_work := v_work || jsonb_build_object('step', d.id, 'outcome', 'cancelled', 'error',
                        CASE WHEN d.deps_failed > 0 AND d.on_dependency_failure = 'cancel'
                             THEN 'dependency_failed: a step it depends on did not succeed'
                             ELSE 'workflow_cancelled: its workflow is being cancelled' END);
                ELSE
                    v_start := v_start || d.id;
                END IF;
            END IF;
        END LOOP;
        PERFORM fn_workflow_steps_start(v_start);
        UPDATE workflow SET steps_open = steps_open - 1 WHERE id = v_step.workflow_id RETURNING * INTO v_wf;
        IF v_wf.steps_open = 0 AND v_wf.status = 'running' THEN
            UPDATE workflow
               SET status = CASE
                       WHEN cancel_reason IS NOT NULL THEN 'cancelled'
                       WHEN EXISTS (SELECT 1 FROM workflow_step WHERE workflow_id = v_wf.id AND status <> 'succeeded')
                           THEN 'failed'
                       ELSE 'succeeded' END,
                   -- the final result: what each step no other step depends on answered
                   result = (SELECT coalesce(jsonb_object_agg(s.name, s.result), '{}') FROM workflow_step s
                              WHERE s.workflow_id = v_wf.id
                                AND NOT EXISTS (SELECT 1 FROM workflow_step_dependency x WHERE x.depends_on_id = s.id)),
                   finished_at = now()
             WHERE id = v_wf.id
            RETURNING * INTO v_wf;
            IF v_wf.parent_step_id IS NOT NULL THEN
                v_work := v_work || jsonb_build_object('step', v_wf.parent_step_id, 'workflow', v_wf.id,
                    'outcome', CASE v_wf.status WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled'
                                                ELSE 'failed' END,
                    'result', v_wf.result,
                    'error', CASE WHEN v_wf.status <> 'succeeded' THEN format('sub-workflow %s %s', v_wf.id, v_wf.status) END);
            END IF;
        END IF;
    END LOOP;
END;
$$;

ALTER FUNCTION public.fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_step_inputs(bigint); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_inputs(p_job_id bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- What a step's job reads of its dependencies: {"workflow_id", "workflow",
-- "step", "inputs": {<dependency>: {"status", "result", "error", "job_id",
-- "workflow_id"}}}. Results were checked by the payload rules when their jobs
-- were acked. An executor login reads only the jobs leased to it.
DECLARE
    j job_queue%ROWTYPE;
BEGIN
    SELECT * INTO j FROM job_queue WHERE id = p_job_id;
    IF NOT FOUND OR j.workflow_step_id IS NULL THEN
        RAISE EXCEPTION 'not_a_workflow_step: job % does not run a workflow step', p_job_id USING ERRCODE = 'QG005';
    END IF;
    -- the login's own prefix, compared exactly (a LIKE pattern would read "_" as any character)
    IF NOT fn_caller_names_actor() AND left(coalesce(j.lease_owner, ''), length(session_user) + 1) <> session_user || '/' THEN
        RAISE EXCEPTION 'lease_lost: job % is not leased to %', p_job_id, session_user USING ERRCODE = 'QG002';
    END IF;
    RETURN (SELECT jsonb_build_object(
                'workflow_id', w.id, 'workflow', w.name, 'step', s.name,
                'inputs', (SELECT coalesce(jsonb_object_agg(p.name, jsonb_build_object(
                                     'status', p.status, 'result', p.result, 'error', p.error,
                                     'job_id', p.job_id, 'workflow_id', p.child_workflow_id)), '{}')
                             FROM workflow_step_dependency d JOIN workflow_step p ON p.id = d.depends_on_id
                            WHERE d.step_id = s.id))
              FROM workflow_step s JOIN workflow w ON w.id = s.workflow_id
             WHERE s.id = j.workflow_step_id);
END;
$$;

ALTER FUNCTION public.fn_workflow_step_inputs(p_job_id bigint) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_step_retry(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_retry(p_step_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
-- {"status": "retried", "workflow_id", "step", "steps_waiting_again", "job_id"}.
DECLARE
    v_reason text := fn_reason_checked(p_reason);
BEGIN
    PERFORM fn_actor_required();
    IF v_reason IS NULL OR length(btrim(v_reason)) < 3 THEN
        RAISE EXCEPTION 'reason_required: retrying a step needs a reason' USING ERRCODE = 'QG008';
    END IF;
    RETURN fn_act_audit(fn_workflow_step_retry_unaudited(p_step_id, btrim(v_reason)),
                        'workflow.step_retry', 'workflow_step', ARRAY[p_step_id::text], v_reason);
END;
$$;

ALTER FUNCTION public.fn_workflow_step_retry(p_step_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_step_retry_unaudited(bigint, text); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0009's: a workflow whose subject has another running
-- workflow is not run again.)
DECLARE
    s workflow_step%ROWTYPE;
    w workflow%ROWTYPE;
    v_reset bigint[];
    v_ready bigint[];
BEGIN
    SELECT * INTO s FROM workflow_step WHERE id = p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown_workflow_step: no workflow step %', p_step_id USING ERRCODE = 'QG005';
    END IF;
    SELECT * INTO w FROM workflow WHERE id = s.workflow_id FOR UPDATE;
    PERFORM 1 FROM workflow_step WHERE workflow_id = w.id ORDER BY id FOR UPDATE;
    SELECT * INTO s FROM workflow_step WHERE id = p_step_id;
    IF s.status <> ALL (coalesce(fn_workflow_act_statuses('retry', s.step_kind), '{}')) THEN
        RAISE EXCEPTION 'step_not_retryable: step % of workflow % is a % step that %; only a failed job step is retried',
                s.name, w.id, s.step_kind, s.status
            USING ERRCODE = 'QG003';
    END IF;
    IF w.cancel_reason IS NOT NULL THEN
        RAISE EXCEPTION 'workflow_cancelled: workflow % was cancelled (%); its steps are not retried', w.id, w.cancel_reason
            USING ERRCODE = 'QG003';
    END IF;
    IF w.status <> 'running' AND w.subject_table IS NOT NULL
       AND EXISTS (SELECT 1 FROM workflow o WHERE o.subject_table = w.subject_table AND o.subject_ref = w.subject_ref
                      AND o.status = 'running' AND o.id <> w.id) THEN
        RAISE EXCEPTION 'review_running: %:% has another running workflow; workflow % is not run again',
                w.subject_table, w.subject_ref, w.id
            USING ERRCODE = 'QG003';
    END IF;
    IF w.status <> 'running' AND w.parent_step_id IS NOT NULL THEN
        RAISE EXCEPTION 'sub_workflow_finished: workflow % finished as % and its parent step with it; retry in a running workflow',
                w.id, w.status
            USING ERRCODE = 'QG003';
    END IF;
    -- The step, and what its failure cancelled (transitively): they wait again.
    WITH RECURSIVE again AS (
        SELECT p_step_id AS id
        UNION
        SELECT d.step_id FROM again JOIN workflow_step_dependency d ON d.depends_on_id = again.id
          JOIN workflow_step x ON x.id = d.step_id
         WHERE x.status = 'cancelled' AND x.error LIKE 'dependency_failed:%'
    )
    SELECT array_agg(id ORDER BY id) INTO v_reset FROM again;
    -- Steps still waiting on one of them count it as pending again.
    UPDATE workflow_step x SET deps_pending = c.pending, deps_failed = c.failed
      FROM (SELECT x2.id,
                   count(p.id) FILTER (WHERE p.status IN ('waiting', 'active') OR p.id = ANY (v_reset))::integer AS pending,
                   count(p.id) FILTER (WHERE p.status IN ('failed', 'cancelled') AND p.id <> ALL (v_reset))::integer AS failed
              FROM workflow_step x2
              JOIN workflow_step_dependency d ON d.step_id = x2.id
              JOIN workflow_step p ON p.id = d.depends_on_id
             WHERE x2.workflow_id = w.id AND x2.status = 'waiting' AND x2.id <> ALL (v_reset)
               AND EXISTS (SELECT 1 FROM workflow_step_dependency d2
                            WHERE d2.step_id = x2.id AND d2.depends_on_id = ANY (v_reset))
             GROUP BY x2.id) c
     WHERE x.id = c.id;
    UPDATE workflow_step x
       SET status = 'waiting', result = NULL, error = NULL, started_at = NULL, finished_at = NULL, job_id = NULL,
           added_open = 0, job_succeeded = false,
           deps_pending = c.pending, deps_failed = c.failed
      FROM (SELECT x2.id,
                   count(p.id) FILTER (WHERE p.status IN ('waiting', 'active') OR p.id = ANY (v_reset))::integer AS pending,
                   count(p.id) FILTER (WHERE p.status IN ('failed', 'cancelled') AND p.id <> ALL (v_reset))::integer AS failed
              FROM workflow_step x2
              LEFT JOIN workflow_step_dependency d ON d.step_id = x2.id
              LEFT JOIN workflow_step p ON p.id = d.depends_on_id
             WHERE x2.id = ANY (v_reset)
             GROUP BY x2.id) c
     WHERE x.id = c.id;
    UPDATE workflow SET status = 'running', finished_at = NULL, result = NULL,
                        steps_open = steps_open + cardinality(v_reset)
     WHERE id = w.id;
    v_ready := ARRAY(SELECT id FROM workflow_step WHERE id = ANY (v_reset) AND deps_pending = 0 ORDER BY id);
    PERFORM fn_workflow_steps_start(v_ready);
    RETURN jsonb_build_object('status', 'retried', 'workflow_id', w.id, 'step', s.name,
                              'steps_waiting_again', cardinality(v_reset),
                              'job_id', (SELECT job_id FROM workflow_step WHERE id = p_step_id));
END;
$$;

ALTER FUNCTION public.fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) OWNER TO queuegov_owner;

--
-- Name: fn_workflow_steps_start(bigint[]); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.fn_workflow_steps_start(p_step_ids bigint[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- (Replaces sql/workflows/0003's.) Starts waiting steps whose dependencies have
-- all finished: job steps' jobs are enqueued (fn_job_enqueue_many: its gate,
-- registry, payload and wake-up rules), in chunks of queue.enqueue_many.max_jobs,
-- and linked both ways; a task or approval step assigns its task; a sub-workflow
-- step writes its workflow. What cannot start now (a kind retired since the
-- workflow was created, a closed gate, a kind an executor's transaction may not
-- enqueue) fails with not_started instead of failing the transaction that
-- finished its dependency, which is a worker's ack; a deadlock or serialization
-- failure is raised, so the transaction is tried again.
DECLARE
    v_ids bigint[];
    v_chunk bigint[];
    v_max integer := fn_setting_int('queue.enqueue_many.max_jobs');
    v_answer jsonb;
    s record;
    v_child bigint;
    v_from integer;
BEGIN
    IF cardinality(p_step_ids) = 0 THEN
        RETURN;
    END IF;
    WITH started AS (
        UPDATE workflow_step SET status = 'active', started_at = now()
         WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind = 'job'
        RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO v_ids FROM started;
    v_from := 1;
    WHILE v_ids IS NOT NULL AND v_from <= cardinality(v_ids) LOOP
        v_chunk := v_ids[v_from:v_from + v_max - 1];
        v_from := v_from + v_max;
        BEGIN
            v_answer := fn_job_enqueue_many(
                (SELECT jsonb_agg(s2.spec || jsonb_build_object('correlation_id',
                                      coalesce(s2.spec ->> 'correlation_id', w.correlation_id)) ORDER BY s2.id)
                   FROM workflow_step s2 JOIN workflow w ON w.id = s2.workflow_id WHERE s2.id = ANY (v_chunk)));
            IF v_answer ->> 'status' <> 'enqueued' THEN
                RAISE EXCEPTION '%: % is closed', v_answer ->> 'status', v_answer ->> 'gate' USING ERRCODE = 'QG003';
            END IF;
            -- the jobs were inserted in step order: their ids ascend with it
            UPDATE workflow_step st SET job_id = j.job_id
              FROM (SELECT u.step_id, (v_answer -> 'job_ids' ->> (u.ord - 1)::integer)::bigint AS job_id
                      FROM unnest(v_chunk) WITH ORDINALITY AS u(step_id, ord)) j
             WHERE st.id = j.step_id;
            UPDATE job_queue jq SET workflow_step_id = st.id
              FROM workflow_step st WHERE st.id = ANY (v_chunk) AND jq.id = st.job_id;
        EXCEPTION
            WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
                RAISE;
            WHEN OTHERS THEN
                FOREACH v_child IN ARRAY v_chunk LOOP
                    PERFORM fn_workflow_step_finish(v_child, 'failed', NULL, 'not_started: ' || SQLERRM);
                END LOOP;
        END;
    END LOOP;
    FOR s IN UPDATE workflow_step SET status = 'active', started_at = now()
              WHERE id = ANY (p_step_ids) AND status = 'waiting' AND step_kind IN ('task', 'approval', 'workflow')
             RETURNING id, spec, step_kind LOOP
        BEGIN
            IF s.step_kind = 'workflow' THEN
                v_child := fn_workflow_insert(s.spec, s.id);
                UPDATE workflow_step SET child_workflow_id = v_child WHERE id = s.id;
            ELSE
                PERFORM fn_task_insert(s.step_kind, s.spec, s.id, 'workflow_step', s.id::text);
            END IF;
        EXCEPTION
            WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
                RAISE;
            WHEN OTHERS THEN
                PERFORM fn_workflow_step_finish(s.id, 'failed', NULL, 'not_started: ' || SQLERRM);
        END;
    END LOOP;
END;
$$;

ALTER FUNCTION public.fn_workflow_steps_start(p_step_ids bigint[]) OWNER TO queuegov_owner;

--
-- Name: pgtrigger_audit_append_only_ca27b(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_audit_append_only_ca27b() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_audit_append_only_ca27b() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_audit_no_truncate_a2402(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_audit_no_truncate_a2402() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_audit_no_truncate_a2402() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_config_history_append_only_3bbb3(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_config_history_append_only_3bbb3() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_config_history_append_only_3bbb3() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_config_history_no_truncate_8ae14(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_config_history_no_truncate_8ae14() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_config_history_no_truncate_8ae14() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_dot_config_four_eyes_only_b6044(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_dot_config_four_eyes_only_b6044() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    
        IF TG_OP <> 'DELETE' AND NEW.key = current_setting('queuegov.subject_gate', true)
           AND NEW.key ~ '^event[.](outbound_route|type)[.]' AND NEW.kind = 'gate' AND NEW.value = 'false'::jsonb
           AND (TG_OP = 'INSERT' OR (OLD.key = NEW.key AND OLD.kind = 'gate')) THEN
            RETURN NEW;
        END IF;
        IF TG_OP <> 'UPDATE' THEN
            RAISE EXCEPTION 'official_interface: % on dot_config is refused; keys come from migrations', TG_OP
                USING ERRCODE = 'QG006';
        END IF;
        IF (NEW.key, NEW.kind, NEW.value_type, NEW.min_value, NEW.max_value, NEW.description)
           IS DISTINCT FROM (OLD.key, OLD.kind, OLD.value_type, OLD.min_value, OLD.max_value, OLD.description) THEN
            RAISE EXCEPTION 'official_interface: the definition of % changes only by migration', OLD.key
                USING ERRCODE = 'QG006';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM gate_change_request r
            WHERE r.id = nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint
              AND r.status = 'pending' AND r.config_key = NEW.key AND r.new_value = NEW.value
              AND r.requested_by IS DISTINCT FROM fn_actor()
        ) THEN
            RAISE EXCEPTION 'four_eyes: % changes only through fn_gate_change_approve of a pending request %',
                NEW.key, 'filed by someone else' USING ERRCODE = 'QG002';
        END IF;
        RETURN NEW;
    
                END;
            $$;

ALTER FUNCTION public.pgtrigger_dot_config_four_eyes_only_b6044() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_dot_config_no_truncate_cbd54(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_dot_config_no_truncate_cbd54() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_dot_config_no_truncate_cbd54() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_gate_change_request_born_pending_7a81b(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_gate_change_request_born_pending_7a81b() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot insert rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_gate_change_request_born_pending_7a81b() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_gate_change_request_immutable_1f9ec(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_gate_change_request_immutable_1f9ec() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_gate_change_request_immutable_1f9ec() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_gate_change_request_no_delete_e9b9f(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_gate_change_request_no_delete_e9b9f() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_gate_change_request_no_delete_e9b9f() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_gate_change_request_no_truncate_587e3(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_gate_change_request_no_truncate_587e3() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_gate_change_request_no_truncate_587e3() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_gate_change_status_fsm_5af16(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_gate_change_status_fsm_5af16() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                DECLARE _is_valid_transition BOOLEAN;
                BEGIN
                    SELECT CONCAT(OLD."status", ':', NEW."status") = ANY('{pending:applied,pending:rejected,pending:withdrawn}'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."status" IS DISTINCT FROM NEW."status") THEN RAISE EXCEPTION 'pgtrigger: Invalid transition of field "status" from "%" to "%" on table %', OLD."status", NEW."status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_gate_change_status_fsm_5af16() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_command_run_finished_immutable_8aaaa(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_command_run_finished_immutable_8aaaa() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_command_run_finished_immutable_8aaaa() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_command_run_no_delete_05fdf(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_command_run_no_delete_05fdf() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_command_run_no_delete_05fdf() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_lifecycle_log_append_only_e7ddf(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_lifecycle_log_append_only_e7ddf() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_lifecycle_log_append_only_e7ddf() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_staging_lifecycle_fsm_e7547(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_staging_lifecycle_fsm_e7547() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                DECLARE _is_valid_transition BOOLEAN;
                BEGIN
                    SELECT CONCAT(OLD."lifecycle_status", ':', NEW."lifecycle_status") = ANY('{pending_review:approved,pending_review:rejected,pending_review:expired,approved:consumed,approved:rejected,approved:expired,consumed:cleaned,expired:cleaned,rejected:cleaned,cleaned:archived}'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."lifecycle_status" IS DISTINCT FROM NEW."lifecycle_status") THEN RAISE EXCEPTION 'pgtrigger: Invalid transition of field "lifecycle_status" from "%" to "%" on table %', OLD."lifecycle_status", NEW."lifecycle_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_staging_lifecycle_fsm_e7547() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_staging_payload_immutable_b1577(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_staging_payload_immutable_b1577() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_staging_payload_immutable_b1577() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_staging_record_born_pending_3c6ca(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_staging_record_born_pending_3c6ca() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot insert rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_staging_record_born_pending_3c6ca() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_staging_record_marked_immutable_7b17d(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_staging_record_marked_immutable_7b17d() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_staging_record_marked_immutable_7b17d() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_iu_staging_record_no_delete_6faa7(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_iu_staging_record_no_delete_6faa7() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                
                BEGIN
                    RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_iu_staging_record_no_delete_6faa7() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_job_dead_letter_triage_fsm_c8bac(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_job_dead_letter_triage_fsm_c8bac() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                DECLARE _is_valid_transition BOOLEAN;
                BEGIN
                    IF ("public"._pgtrigger_should_ignore(TG_NAME) IS TRUE) THEN
                        IF (TG_OP = 'DELETE') THEN
                            RETURN OLD;
                        ELSE
                            RETURN NEW;
                        END IF;
                    END IF;
                    SELECT CONCAT(OLD."triage_status", ':', NEW."triage_status") = ANY('{open:manual_replay,open:discarded,manual_replay:open,manual_replay:discarded,manual_replay:replayed,discarded:open}'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."triage_status" IS DISTINCT FROM NEW."triage_status") THEN RAISE EXCEPTION 'pgtrigger: Invalid transition of field "triage_status" from "%" to "%" on table %', OLD."triage_status", NEW."triage_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_job_dead_letter_triage_fsm_c8bac() OWNER TO queuegov_owner;

--
-- Name: pgtrigger_route_dead_letter_triage_fsm_39413(); Type: FUNCTION; Schema: public; Owner: queuegov_owner
--

CREATE FUNCTION public.pgtrigger_route_dead_letter_triage_fsm_39413() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
                DECLARE _is_valid_transition BOOLEAN;
                BEGIN
                    SELECT CONCAT(OLD."triage_status", ':', NEW."triage_status") = ANY('{open:manual_replay,open:discarded,manual_replay:open,manual_replay:discarded,manual_replay:replayed,discarded:open}'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."triage_status" IS DISTINCT FROM NEW."triage_status") THEN RAISE EXCEPTION 'pgtrigger: Invalid transition of field "triage_status" from "%" to "%" on table %', OLD."triage_status", NEW."triage_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;
                END;
            $$;

ALTER FUNCTION public.pgtrigger_route_dead_letter_triage_fsm_39413() OWNER TO queuegov_owner;

--
-- Name: actor_seal; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE UNLOGGED TABLE public.actor_seal (
    pid integer NOT NULL,
    xid xid8 NOT NULL,
    actor text NOT NULL
);

ALTER TABLE public.actor_seal OWNER TO queuegov_owner;

--
-- Name: TABLE actor_seal; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.actor_seal IS 'The actor each backend''s current transaction acts as (one actor per transaction).';

--
-- Name: admin_action_audit_chain_head; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.admin_action_audit_chain_head (
    only_row boolean DEFAULT true NOT NULL,
    chain_no bigint NOT NULL,
    row_hash bytea,
    CONSTRAINT audit_chain_head_single CHECK (only_row)
);

ALTER TABLE public.admin_action_audit_chain_head OWNER TO queuegov_owner;

--
-- Name: TABLE admin_action_audit_chain_head; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.admin_action_audit_chain_head IS 'The last link of the audit hash chain; appends lock it, so links are made one at a time.';

--
-- Name: CONSTRAINT audit_chain_head_single ON admin_action_audit_chain_head; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT audit_chain_head_single ON public.admin_action_audit_chain_head IS 'the audit hash chain has exactly one head row: never add another, appending to the audit trail moves the existing one';

--
-- Name: admin_action_audit_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.admin_action_audit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.admin_action_audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_group; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_group (
    id integer NOT NULL,
    name character varying(150) NOT NULL
);

ALTER TABLE public.auth_group OWNER TO queuegov_owner;

--
-- Name: auth_group_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_group ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_group_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_group_permissions; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_group_permissions (
    id bigint NOT NULL,
    group_id integer NOT NULL,
    permission_id integer NOT NULL
);

ALTER TABLE public.auth_group_permissions OWNER TO queuegov_owner;

--
-- Name: auth_group_permissions_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_group_permissions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_group_permissions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_permission; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_permission (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    content_type_id integer NOT NULL,
    codename character varying(100) NOT NULL
);

ALTER TABLE public.auth_permission OWNER TO queuegov_owner;

--
-- Name: auth_permission_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_permission ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_permission_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_user; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_user (
    id integer NOT NULL,
    password character varying(128) NOT NULL,
    last_login timestamp with time zone,
    is_superuser boolean NOT NULL,
    username character varying(150) NOT NULL,
    first_name character varying(150) NOT NULL,
    last_name character varying(150) NOT NULL,
    email character varying(254) NOT NULL,
    is_staff boolean NOT NULL,
    is_active boolean NOT NULL,
    date_joined timestamp with time zone NOT NULL
);

ALTER TABLE public.auth_user OWNER TO queuegov_owner;

--
-- Name: auth_user_groups; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_user_groups (
    id bigint NOT NULL,
    user_id integer NOT NULL,
    group_id integer NOT NULL
);

ALTER TABLE public.auth_user_groups OWNER TO queuegov_owner;

--
-- Name: auth_user_groups_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_user_groups ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_groups_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_user_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_user ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: auth_user_user_permissions; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.auth_user_user_permissions (
    id bigint NOT NULL,
    user_id integer NOT NULL,
    permission_id integer NOT NULL
);

ALTER TABLE public.auth_user_user_permissions OWNER TO queuegov_owner;

--
-- Name: auth_user_user_permissions_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.auth_user_user_permissions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_user_permissions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: axes_accessattempt; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.axes_accessattempt (
    id integer NOT NULL,
    user_agent character varying(255) NOT NULL,
    ip_address inet,
    username character varying(255),
    http_accept character varying(1025) NOT NULL,
    path_info character varying(255) NOT NULL,
    attempt_time timestamp with time zone NOT NULL,
    get_data text NOT NULL,
    post_data text NOT NULL,
    failures_since_start integer NOT NULL,
    CONSTRAINT axes_accessattempt_failures_since_start_check CHECK ((failures_since_start >= 0))
);

ALTER TABLE public.axes_accessattempt OWNER TO queuegov_owner;

--
-- Name: axes_accessattempt_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.axes_accessattempt ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.axes_accessattempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: axes_accessattemptexpiration; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.axes_accessattemptexpiration (
    access_attempt_id integer NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

ALTER TABLE public.axes_accessattemptexpiration OWNER TO queuegov_owner;

--
-- Name: axes_accessfailurelog; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.axes_accessfailurelog (
    id integer NOT NULL,
    user_agent character varying(255) NOT NULL,
    ip_address inet,
    username character varying(255),
    http_accept character varying(1025) NOT NULL,
    path_info character varying(255) NOT NULL,
    attempt_time timestamp with time zone NOT NULL,
    locked_out boolean NOT NULL
);

ALTER TABLE public.axes_accessfailurelog OWNER TO queuegov_owner;

--
-- Name: axes_accessfailurelog_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.axes_accessfailurelog ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.axes_accessfailurelog_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: axes_accesslog; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.axes_accesslog (
    id integer NOT NULL,
    user_agent character varying(255) NOT NULL,
    ip_address inet,
    username character varying(255),
    http_accept character varying(1025) NOT NULL,
    path_info character varying(255) NOT NULL,
    attempt_time timestamp with time zone NOT NULL,
    logout_time timestamp with time zone,
    session_hash character varying(64) NOT NULL
);

ALTER TABLE public.axes_accesslog OWNER TO queuegov_owner;

--
-- Name: axes_accesslog_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.axes_accesslog ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.axes_accesslog_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: consumer_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.consumer_registry (
    job_kind text NOT NULL,
    executor_class text NOT NULL,
    queue_name text DEFAULT 'default'::text NOT NULL,
    retry_policy text DEFAULT 'default'::text NOT NULL,
    handler_ref text,
    description text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT consumer_job_kind_format CHECK ((job_kind ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$'::text)),
    CONSTRAINT consumer_queue_name_format CHECK ((queue_name ~ '^[a-z][a-z0-9_]{0,50}$'::text)),
    CONSTRAINT consumer_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.consumer_registry OWNER TO queuegov_owner;

--
-- Name: COLUMN consumer_registry.handler_ref; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.consumer_registry.handler_ref IS 'Dotted path of the Python handler the queuegov worker runs (module.function).';

--
-- Name: CONSTRAINT consumer_job_kind_format ON consumer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT consumer_job_kind_format ON public.consumer_registry IS 'a registered job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): rename the kind to fit';

--
-- Name: CONSTRAINT consumer_queue_name_format ON consumer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT consumer_queue_name_format ON public.consumer_registry IS 'a job kind''s default queue name is 1 to 51 lowercase letters, digits or _, starting with a letter: name a queue that fits';

--
-- Name: CONSTRAINT consumer_status_allowed ON consumer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT consumer_status_allowed ON public.consumer_registry IS 'a registered job kind is active or retired: use one of those two';

--
-- Name: django_admin_log; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.django_admin_log (
    id integer NOT NULL,
    action_time timestamp with time zone NOT NULL,
    object_id text,
    object_repr character varying(200) NOT NULL,
    action_flag smallint NOT NULL,
    change_message text NOT NULL,
    content_type_id integer,
    user_id integer NOT NULL,
    CONSTRAINT django_admin_log_action_flag_check CHECK ((action_flag >= 0))
);

ALTER TABLE public.django_admin_log OWNER TO queuegov_owner;

--
-- Name: django_admin_log_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.django_admin_log ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_admin_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: django_content_type; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.django_content_type (
    id integer NOT NULL,
    app_label character varying(100) NOT NULL,
    model character varying(100) NOT NULL
);

ALTER TABLE public.django_content_type OWNER TO queuegov_owner;

--
-- Name: django_content_type_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.django_content_type ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_content_type_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: django_migrations; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.django_migrations (
    id bigint NOT NULL,
    app character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    applied timestamp with time zone NOT NULL
);

ALTER TABLE public.django_migrations OWNER TO queuegov_owner;

--
-- Name: django_migrations_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.django_migrations ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_migrations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: django_session; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.django_session (
    session_key character varying(40) NOT NULL,
    session_data text NOT NULL,
    expire_date timestamp with time zone NOT NULL
);

ALTER TABLE public.django_session OWNER TO queuegov_owner;

--
-- Name: dot_config; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.dot_config (
    key text NOT NULL,
    value jsonb NOT NULL,
    kind text NOT NULL,
    value_type text NOT NULL,
    min_value bigint,
    max_value bigint,
    description text NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_by text DEFAULT 'system:migration'::text NOT NULL,
    CONSTRAINT config_gate_is_boolean CHECK (((kind <> 'gate'::text) OR (value_type = 'boolean'::text))),
    CONSTRAINT config_key_format CHECK ((key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'::text)),
    CONSTRAINT config_kind_allowed CHECK ((kind = ANY (ARRAY['gate'::text, 'setting'::text]))),
    CONSTRAINT config_value_matches_type CHECK ((((value_type = 'boolean'::text) AND (jsonb_typeof(value) = 'boolean'::text)) OR ((value_type = 'integer'::text) AND (jsonb_typeof(value) = 'number'::text) AND ((value #>> '{}'::text[]) ~ '^-?[0-9]+$'::text) AND ((min_value IS NULL) OR (((value #>> '{}'::text[]))::numeric >= (min_value)::numeric)) AND ((max_value IS NULL) OR (((value #>> '{}'::text[]))::numeric <= (max_value)::numeric))))),
    CONSTRAINT config_value_type_allowed CHECK ((value_type = ANY (ARRAY['boolean'::text, 'integer'::text])))
);

ALTER TABLE public.dot_config OWNER TO queuegov_owner;

--
-- Name: TABLE dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.dot_config IS 'Gates (all OFF by default) and settings; changed only through approved gate_change_request rows.';

--
-- Name: CONSTRAINT config_gate_is_boolean ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_gate_is_boolean ON public.dot_config IS 'a gate is an on/off switch, so its value type is boolean: make it boolean, or make the key a setting';

--
-- Name: CONSTRAINT config_key_format ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_key_format ON public.dot_config IS 'a config key is two or more dot-separated parts of lowercase letters, digits and _, each starting with a letter (like queue.worker.enabled): rename the key to fit';

--
-- Name: CONSTRAINT config_kind_allowed ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_kind_allowed ON public.dot_config IS 'a config key is either a gate or a setting: use one of those two kinds';

--
-- Name: CONSTRAINT config_value_matches_type ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_value_matches_type ON public.dot_config IS 'a config value fits its key: true or false for a boolean, a whole number within the key''s min_value and max_value (where set) for an integer; ask for a value of that kind and range';

--
-- Name: CONSTRAINT config_value_type_allowed ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_value_type_allowed ON public.dot_config IS 'a config value type is boolean or integer: use one of those two';

--
-- Name: dot_config_history; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.dot_config_history (
    id bigint NOT NULL,
    key text NOT NULL,
    old_value jsonb,
    new_value jsonb,
    operation text NOT NULL,
    changed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    changed_by text NOT NULL,
    gate_change_request_id bigint,
    request_id text,
    txid bigint DEFAULT txid_current() NOT NULL,
    CONSTRAINT config_history_operation_allowed CHECK ((operation = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text])))
);

ALTER TABLE public.dot_config_history OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT config_history_operation_allowed ON dot_config_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT config_history_operation_allowed ON public.dot_config_history IS 'a config history row records an INSERT, UPDATE or DELETE of dot_config: the history trigger writes these rows, never write one by hand';

--
-- Name: dot_config_history_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.dot_config_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dot_config_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: dot_iu_command_catalog; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.dot_iu_command_catalog (
    command text NOT NULL,
    operator_alias text NOT NULL,
    primitive text NOT NULL,
    run_modes text[] NOT NULL,
    snapshot_keys text[] DEFAULT '{}'::text[] NOT NULL,
    event_types text[] DEFAULT '{}'::text[] NOT NULL,
    description text NOT NULL,
    CONSTRAINT iu_command_name_format CHECK ((command ~ '^[a-z][a-z_]{1,40}$'::text)),
    CONSTRAINT iu_command_run_modes_allowed CHECK (((cardinality(run_modes) > 0) AND (run_modes <@ ARRAY['plan'::text, 'apply'::text, 'verify'::text])))
);

ALTER TABLE public.dot_iu_command_catalog OWNER TO queuegov_owner;

--
-- Name: TABLE dot_iu_command_catalog; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.dot_iu_command_catalog IS 'The staging commands, their run modes and the gates/settings each run snapshots.';

--
-- Name: CONSTRAINT iu_command_name_format ON dot_iu_command_catalog; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_command_name_format ON public.dot_iu_command_catalog IS 'a staging command name is 2 to 41 lowercase letters or _, starting with a letter: rename the command to fit';

--
-- Name: CONSTRAINT iu_command_run_modes_allowed ON dot_iu_command_catalog; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_command_run_modes_allowed ON public.dot_iu_command_catalog IS 'a staging command runs in one or more of the modes plan, apply and verify: list at least one of those and nothing else';

--
-- Name: dot_iu_command_run; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.dot_iu_command_run (
    id bigint NOT NULL,
    command text NOT NULL,
    run_mode text NOT NULL,
    run_status text DEFAULT 'running'::text NOT NULL,
    record_id bigint,
    linked_run_id bigint,
    params public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    params_digest text NOT NULL,
    gate_snapshot jsonb DEFAULT '{}'::jsonb NOT NULL,
    evidence public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    actor text NOT NULL,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    finished_at timestamp with time zone,
    txid bigint DEFAULT txid_current() NOT NULL,
    job_id bigint,
    CONSTRAINT iu_run_finished_unless_running CHECK (((run_status = 'running'::text) = (finished_at IS NULL))),
    CONSTRAINT iu_run_mode_allowed CHECK ((run_mode = ANY (ARRAY['plan'::text, 'apply'::text, 'verify'::text]))),
    CONSTRAINT iu_run_mode_fits_command CHECK (((run_mode <> 'verify'::text) OR (command = 'verify_cut'::text))),
    CONSTRAINT iu_run_params_digest_md5 CHECK ((params_digest ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT iu_run_status_allowed CHECK ((run_status = ANY (ARRAY['running'::text, 'succeeded'::text, 'duplicate'::text, 'nothing_to_do'::text, 'planned'::text, 'passed'::text, 'problems'::text, 'refused'::text, 'verified'::text, 'no_vector_ok'::text])))
);

ALTER TABLE public.dot_iu_command_run OWNER TO queuegov_owner;

--
-- Name: TABLE dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.dot_iu_command_run IS 'The run ledger: one row per staging step (run mode, status, params digest, gate snapshot, evidence, actor, timings).';

--
-- Name: COLUMN dot_iu_command_run.job_id; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.dot_iu_command_run.job_id IS 'The dot.command job this run ran for (fn_iu_dot_command_run); the job''s result names the run back (run_id).';

--
-- Name: CONSTRAINT iu_run_finished_unless_running ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_run_finished_unless_running ON public.dot_iu_command_run IS 'a run is running exactly when it has no finish time: close it with fn_iu_run_close, which sets both';

--
-- Name: CONSTRAINT iu_run_mode_allowed ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_run_mode_allowed ON public.dot_iu_command_run IS 'a run''s mode is plan, apply or verify: use one of those three';

--
-- Name: CONSTRAINT iu_run_mode_fits_command ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_run_mode_fits_command ON public.dot_iu_command_run IS 'only verify_cut runs in verify mode: run other commands in plan or apply mode';

--
-- Name: CONSTRAINT iu_run_params_digest_md5 ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_run_params_digest_md5 ON public.dot_iu_command_run IS 'a run''s params digest is an md5 (32 lowercase hex characters): let fn_iu_run_open compute it';

--
-- Name: CONSTRAINT iu_run_status_allowed ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_run_status_allowed ON public.dot_iu_command_run IS 'a run''s status is one of running, succeeded, duplicate, nothing_to_do, planned, passed, problems, refused, verified or no_vector_ok: close the run with one of those';

--
-- Name: dot_iu_command_run_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.dot_iu_command_run ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dot_iu_command_run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: dot_iu_runtime_lease; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.dot_iu_runtime_lease (
    lease_name text NOT NULL,
    holder text,
    run_id bigint,
    acquired_at timestamp with time zone,
    expires_at timestamp with time zone,
    released_at timestamp with time zone,
    CONSTRAINT iu_lease_held_fields CHECK ((((holder IS NULL) = (expires_at IS NULL)) AND ((holder IS NULL) = (acquired_at IS NULL)))),
    CONSTRAINT iu_lease_name_format CHECK ((lease_name ~ '^[a-z][a-z0-9_.]{1,62}$'::text))
);

ALTER TABLE public.dot_iu_runtime_lease OWNER TO queuegov_owner;

--
-- Name: TABLE dot_iu_runtime_lease; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.dot_iu_runtime_lease IS 'Named leases serialising operator runs that must not overlap; a holder past expires_at has lost it.';

--
-- Name: CONSTRAINT iu_lease_held_fields ON dot_iu_runtime_lease; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_lease_held_fields ON public.dot_iu_runtime_lease IS 'a held lease has a holder, an acquired time and an expiry, a free one none of them: take and give it back with fn_iu_runtime_lease_acquire and fn_iu_runtime_lease_release';

--
-- Name: CONSTRAINT iu_lease_name_format ON dot_iu_runtime_lease; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_lease_name_format ON public.dot_iu_runtime_lease IS 'a lease name is 2 to 63 lowercase letters, digits, _ or ., starting with a letter: rename the lease to fit';

--
-- Name: event_domain_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_domain_registry (
    event_domain text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    default_audience text DEFAULT 'operator'::text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by text DEFAULT COALESCE(NULLIF(current_setting('queuegov.actor'::text, true), ''::text), 'system:migration'::text) NOT NULL,
    CONSTRAINT event_domain_name_format CHECK ((event_domain ~ '^[a-z][a-z0-9_]{1,62}$'::text)),
    CONSTRAINT event_domain_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.event_domain_registry OWNER TO queuegov_owner;

--
-- Name: TABLE event_domain_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.event_domain_registry IS 'Event domains (docs/architecture.md, "Glossary"); event tables reference it by foreign key.';

--
-- Name: CONSTRAINT event_domain_name_format ON event_domain_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_domain_name_format ON public.event_domain_registry IS 'an event domain name is 2 to 63 lowercase letters, digits or _, starting with a letter: rename the domain to fit';

--
-- Name: CONSTRAINT event_domain_status_allowed ON event_domain_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_domain_status_allowed ON public.event_domain_registry IS 'an event domain is active or retired: use one of those two';

--
-- Name: event_outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

CREATE SEQUENCE public.event_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.event_outbox_id_seq OWNER TO queuegov_owner;

--
-- Name: event_outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: queuegov_owner
--

ALTER SEQUENCE public.event_outbox_id_seq OWNED BY public.event_outbox.id;

--
-- Name: event_outbox_default; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_outbox_default (
    id bigint DEFAULT nextval('public.event_outbox_id_seq'::regclass) NOT NULL,
    event_domain text NOT NULL,
    event_stream public.qg_event_stream NOT NULL,
    event_type text NOT NULL,
    delivery_lane public.qg_delivery_lane NOT NULL,
    severity public.qg_severity,
    payload public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    payload_classification public.qg_payload_classification DEFAULT 'safe_metadata'::text NOT NULL,
    event_subject_table text,
    event_subject_ref text,
    correlation_id text,
    causation_id text,
    actor text,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    delivered_at timestamp with time zone
);

ALTER TABLE public.event_outbox_default OWNER TO queuegov_owner;

--
-- Name: event_pending; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_pending (
    id bigint NOT NULL,
    event_type text NOT NULL,
    event_subject_table text,
    event_subject_ref text,
    correlation_id text,
    causation_id text,
    source_document_ref text,
    import_batch_ref text,
    stable_key text GENERATED ALWAYS AS (COALESCE(source_document_ref, import_batch_ref, correlation_id)) STORED,
    capture_payload public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    actor text,
    captured_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    processed_at timestamp with time zone,
    emitted_event_id bigint,
    error_count integer DEFAULT 0 NOT NULL,
    last_error text
);

ALTER TABLE public.event_pending OWNER TO queuegov_owner;

--
-- Name: event_pending_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.event_pending ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.event_pending_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: event_producer_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_producer_registry (
    producer_ref text NOT NULL,
    description text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    registered_by text NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT event_producer_described CHECK ((length(btrim(description)) >= 3)),
    CONSTRAINT event_producer_ref_format CHECK (((producer_ref ~ '^[a-z][a-z0-9_]*([.:-][a-z0-9_]+)*$'::text) AND (producer_ref !~ '^fn_'::text))),
    CONSTRAINT event_producer_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.event_producer_registry OWNER TO queuegov_owner;

--
-- Name: TABLE event_producer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.event_producer_registry IS 'Producers the database cannot see (a Python module, an executor such as a Mother): registered by an admin so a type they emit may be activated.';

--
-- Name: CONSTRAINT event_producer_described ON event_producer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_producer_described ON public.event_producer_registry IS 'a code producer says what it is in at least 3 characters: describe it';

--
-- Name: CONSTRAINT event_producer_ref_format ON event_producer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_producer_ref_format ON public.event_producer_registry IS 'a code producer is named like a module or executor (mothers.factory, hermes:mother_output), not fn_…: a function in the database needs no registration';

--
-- Name: CONSTRAINT event_producer_status_allowed ON event_producer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_producer_status_allowed ON public.event_producer_registry IS 'a code producer is active or retired: use one of those two';

--
-- Name: event_read; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_read (
    id bigint NOT NULL,
    event_id bigint NOT NULL,
    event_created_at timestamp with time zone NOT NULL,
    recipient_kind text NOT NULL,
    recipient_ref text NOT NULL,
    via text NOT NULL,
    delivered_at timestamp with time zone DEFAULT now() NOT NULL,
    read_at timestamp with time zone,
    read_by text,
    CONSTRAINT event_read_by_whom CHECK (((read_at IS NULL) = (read_by IS NULL)))
);

ALTER TABLE public.event_read OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT event_read_by_whom ON event_read; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_read_by_whom ON public.event_read IS 'an inbox entry is read with both a time and a reader, or unread with neither: mark it read with fn_event_mark_read';

--
-- Name: event_read_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.event_read ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.event_read_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: event_subject_key; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.event_subject_key (
    id bigint NOT NULL,
    event_domain text NOT NULL,
    event_type text NOT NULL,
    event_subject_table text NOT NULL,
    event_subject_ref text NOT NULL,
    fact_key text DEFAULT ''::text NOT NULL,
    event_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.event_subject_key OWNER TO queuegov_owner;

--
-- Name: TABLE event_subject_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.event_subject_key IS 'Once-per-subject idempotency of event_outbox, exact across partitions.';

--
-- Name: event_subject_key_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.event_subject_key ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.event_subject_key_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: event_subscription_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.event_subscription ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.event_subscription_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: executor_class_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.executor_class_registry (
    code text NOT NULL,
    name text NOT NULL,
    executor_kind public.qg_executor_kind NOT NULL,
    handler_ref text,
    max_concurrency integer,
    status text DEFAULT 'active'::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT executor_class_code_format CHECK ((code ~ '^[a-z][a-z0-9_.-]{0,62}$'::text)),
    CONSTRAINT executor_class_max_concurrency_positive CHECK (((max_concurrency IS NULL) OR (max_concurrency > 0))),
    CONSTRAINT executor_class_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.executor_class_registry OWNER TO queuegov_owner;

--
-- Name: COLUMN executor_class_registry.max_concurrency; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.executor_class_registry.max_concurrency IS 'Most jobs of this class running at once (NULL: no cap); enforced by fn_job_claim.';

--
-- Name: CONSTRAINT executor_class_code_format ON executor_class_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT executor_class_code_format ON public.executor_class_registry IS 'an executor class code is 1 to 63 lowercase letters, digits or _ . -, starting with a letter: rename the class to fit';

--
-- Name: CONSTRAINT executor_class_max_concurrency_positive ON executor_class_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT executor_class_max_concurrency_positive ON public.executor_class_registry IS 'an executor class runs at least one job at a time, or has no cap: give max_concurrency 1 or more, or leave it empty';

--
-- Name: CONSTRAINT executor_class_status_allowed ON executor_class_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT executor_class_status_allowed ON public.executor_class_registry IS 'an executor class is active or retired: use one of those two';

--
-- Name: executor_login; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.executor_login (
    role_name name NOT NULL,
    executor_kind public.qg_executor_kind NOT NULL,
    queues text[],
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT executor_login_queues_named CHECK (((queues IS NULL) OR (cardinality(queues) > 0)))
);

ALTER TABLE public.executor_login OWNER TO queuegov_owner;

--
-- Name: TABLE executor_login; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.executor_login IS 'External executor logins (members of the executor role): their kind and the queues they may claim from (NULL: any).';

--
-- Name: CONSTRAINT executor_login_queues_named ON executor_login; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT executor_login_queues_named ON public.executor_login IS 'an executor login may claim from the queues it lists, so a list names at least one queue: pass NULL for any queue, not an empty list';

--
-- Name: gate_change_request_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.gate_change_request ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.gate_change_request_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: human_task_decision; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.human_task_decision (
    task_id bigint NOT NULL,
    actor text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    decided_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT human_task_decision_allowed CHECK ((decision = ANY (ARRAY['approved'::text, 'rejected'::text])))
);

ALTER TABLE public.human_task_decision OWNER TO queuegov_owner;

--
-- Name: TABLE human_task_decision; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.human_task_decision IS 'Each approver''s decision on an approval: one per person (docs/workflows.md).';

--
-- Name: CONSTRAINT human_task_decision_allowed ON human_task_decision; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_decision_allowed ON public.human_task_decision IS 'an approver approves or rejects';

--
-- Name: human_task_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

CREATE SEQUENCE public.human_task_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.human_task_id_seq OWNER TO queuegov_owner;

--
-- Name: human_task_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: queuegov_owner
--

ALTER SEQUENCE public.human_task_id_seq OWNED BY public.human_task.id;

--
-- Name: idempotency_key; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.idempotency_key (
    id bigint NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    result_ref text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by text,
    expires_at timestamp with time zone
);

ALTER TABLE public.idempotency_key OWNER TO queuegov_owner;

--
-- Name: TABLE idempotency_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.idempotency_key IS 'Deduplication of operator actions and external calls (e.g. a dead-letter replay done once).';

--
-- Name: idempotency_key_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.idempotency_key ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.idempotency_key_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: information_unit; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.information_unit (
    id bigint NOT NULL,
    doc_code text NOT NULL,
    section_code text NOT NULL,
    section_type public.qg_section_type NOT NULL,
    sort_order integer NOT NULL,
    parent_id bigint,
    title text DEFAULT ''::text NOT NULL,
    body text NOT NULL,
    body_hash text NOT NULL,
    piece_no integer NOT NULL,
    consumed_from_record_id bigint NOT NULL,
    created_by_run_id bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    superseded_at timestamp with time zone,
    superseded_by_run_id bigint,
    CONSTRAINT iu_unit_body_hash_md5 CHECK ((body_hash ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT iu_unit_not_own_parent CHECK ((parent_id IS DISTINCT FROM id)),
    CONSTRAINT iu_unit_sort_order_positive CHECK ((sort_order > 0)),
    CONSTRAINT iu_unit_supersession_complete CHECK (((superseded_at IS NULL) = (superseded_by_run_id IS NULL)))
);

ALTER TABLE public.information_unit OWNER TO queuegov_owner;

--
-- Name: TABLE information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.information_unit IS 'Information units materialised by CUT from approved manifests.';

--
-- Name: CONSTRAINT iu_unit_body_hash_md5 ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_unit_body_hash_md5 ON public.information_unit IS 'a unit''s body hash is the md5 of its body (32 lowercase hex characters): let the cut compute it';

--
-- Name: CONSTRAINT iu_unit_not_own_parent ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_unit_not_own_parent ON public.information_unit IS 'an information unit is not its own parent: give another unit as parent, or none';

--
-- Name: CONSTRAINT iu_unit_sort_order_positive ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_unit_sort_order_positive ON public.information_unit IS 'a unit''s sort order is 1 or more: number units from 1';

--
-- Name: CONSTRAINT iu_unit_supersession_complete ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_unit_supersession_complete ON public.information_unit IS 'a superseded unit names both when and by which run, a current one neither: supersede units only by cutting the document again';

--
-- Name: information_unit_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.information_unit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.information_unit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_lifecycle_log; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_lifecycle_log (
    id bigint NOT NULL,
    record_id bigint NOT NULL,
    from_status text,
    to_status text NOT NULL,
    actor text NOT NULL,
    run_id bigint,
    at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    txid bigint DEFAULT txid_current() NOT NULL
);

ALTER TABLE public.iu_lifecycle_log OWNER TO queuegov_owner;

--
-- Name: iu_lifecycle_log_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_lifecycle_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_lifecycle_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_outbound_route_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_outbound_route ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_outbound_route_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_route_attempt; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_route_attempt (
    id bigint NOT NULL,
    event_id bigint NOT NULL,
    route_id bigint NOT NULL,
    worker_name text NOT NULL,
    attempt_no integer NOT NULL,
    status text NOT NULL,
    error text,
    result jsonb,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone NOT NULL,
    duration_ms numeric GENERATED ALWAYS AS (round((EXTRACT(epoch FROM (finished_at - started_at)) * (1000)::numeric), 3)) STORED,
    CONSTRAINT route_attempt_status_allowed CHECK ((status = ANY (ARRAY['succeeded'::text, 'failed'::text, 'dry_run'::text])))
);

ALTER TABLE public.iu_route_attempt OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT route_attempt_status_allowed ON iu_route_attempt; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_attempt_status_allowed ON public.iu_route_attempt IS 'a route attempt succeeded, failed or was a dry_run: the route worker records one of those';

--
-- Name: iu_route_attempt_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_route_attempt ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_route_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_route_dead_letter; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_route_dead_letter (
    id bigint NOT NULL,
    event_id bigint NOT NULL,
    event_created_at timestamp with time zone NOT NULL,
    event_type text NOT NULL,
    route_id bigint NOT NULL,
    worker_name text NOT NULL,
    attempts integer NOT NULL,
    last_error text,
    event_snapshot public.qg_safe_payload NOT NULL,
    dead_at timestamp with time zone DEFAULT now() NOT NULL,
    triage_status text DEFAULT 'open'::text NOT NULL,
    triaged_by text,
    triaged_at timestamp with time zone,
    note text,
    replayed_by text,
    replayed_at timestamp with time zone,
    CONSTRAINT route_dead_letter_triage_allowed CHECK ((triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text, 'discarded'::text, 'replayed'::text])))
);

ALTER TABLE public.iu_route_dead_letter OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT route_dead_letter_triage_allowed ON iu_route_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_dead_letter_triage_allowed ON public.iu_route_dead_letter IS 'a route dead letter''s triage status is open, manual_replay, discarded or replayed: triage it with fn_iu_route_dead_letter_triage';

--
-- Name: iu_route_dead_letter_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_route_dead_letter ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_route_dead_letter_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_route_delivery; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_route_delivery (
    id bigint NOT NULL,
    event_id bigint NOT NULL,
    route_id bigint NOT NULL,
    status text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone,
    last_error text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    event_created_at timestamp with time zone,
    event_domain text,
    event_type text,
    subject_key text,
    CONSTRAINT route_delivery_status_allowed CHECK ((status = ANY (ARRAY['pending'::text, 'succeeded'::text, 'dry_run'::text, 'dead_lettered'::text])))
);

ALTER TABLE public.iu_route_delivery OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT route_delivery_status_allowed ON iu_route_delivery; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_delivery_status_allowed ON public.iu_route_delivery IS 'a route delivery is pending, succeeded, dry_run or dead_lettered: the route worker sets it, never write another value';

--
-- Name: iu_route_delivery_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_route_delivery ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_route_delivery_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_route_target; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_route_target (
    function_name text NOT NULL,
    description text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    registered_by text NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT route_target_described CHECK ((length(btrim(description)) >= 3)),
    CONSTRAINT route_target_name_format CHECK ((function_name ~ '^fn_[a-z0-9_]{1,60}$'::text)),
    CONSTRAINT route_target_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.iu_route_target OWNER TO queuegov_owner;

--
-- Name: TABLE iu_route_target; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.iu_route_target IS 'The functions a call_function route may call (docs/events.md, "Going live"); registered by an operator, audited.';

--
-- Name: CONSTRAINT route_target_described ON iu_route_target; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_target_described ON public.iu_route_target IS 'a route target says what it does in at least 3 characters: describe it';

--
-- Name: CONSTRAINT route_target_name_format ON iu_route_target; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_target_name_format ON public.iu_route_target IS 'a route target is a function named fn_<name> (lowercase letters, digits, _): register the function by that name';

--
-- Name: CONSTRAINT route_target_status_allowed ON iu_route_target; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_target_status_allowed ON public.iu_route_target IS 'a route target is active or retired: use one of those two';

--
-- Name: iu_route_worker_cursor_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_route_worker_cursor ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_route_worker_cursor_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_sql_event_route; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_sql_event_route (
    id bigint NOT NULL,
    route_name text NOT NULL,
    source_table text NOT NULL,
    operation text NOT NULL,
    condition jsonb DEFAULT '{}'::jsonb NOT NULL,
    target_event_type text NOT NULL,
    subject_column text DEFAULT 'id'::text NOT NULL,
    payload_columns text[] DEFAULT '{}'::text[] NOT NULL,
    correlation_column text,
    enabled boolean DEFAULT false NOT NULL,
    dry_run boolean DEFAULT true NOT NULL,
    gate_key text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT disabled_route_is_dry_run CHECK ((enabled OR dry_run)),
    CONSTRAINT sql_route_condition_is_object CHECK ((jsonb_typeof(condition) = 'object'::text)),
    CONSTRAINT sql_route_name_format CHECK ((route_name ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT sql_route_operation_allowed CHECK ((operation = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text]))),
    CONSTRAINT sql_route_payload_columns_named CHECK ((array_position(payload_columns, NULL::text) IS NULL)),
    CONSTRAINT sql_route_source_table_format CHECK ((source_table ~ '^[a-z_][a-z0-9_]{0,62}$'::text))
);

ALTER TABLE public.iu_sql_event_route OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT disabled_route_is_dry_run ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT disabled_route_is_dry_run ON public.iu_sql_event_route IS 'a disabled SQL event route stays in dry run: it goes live only together with being enabled, by an approved change of its event.sql_route.<name>.live gate';

--
-- Name: CONSTRAINT sql_route_condition_is_object ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT sql_route_condition_is_object ON public.iu_sql_event_route IS 'a SQL event route''s condition is a JSON object the row must contain, like {"status": "dead"}: give an object ({} matches every row)';

--
-- Name: CONSTRAINT sql_route_name_format ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT sql_route_name_format ON public.iu_sql_event_route IS 'a SQL event route name is 1 to 63 lowercase letters, digits or _, starting with a letter: rename the route to fit';

--
-- Name: CONSTRAINT sql_route_operation_allowed ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT sql_route_operation_allowed ON public.iu_sql_event_route IS 'a SQL event route fires on INSERT, UPDATE or DELETE: use one of those three';

--
-- Name: CONSTRAINT sql_route_payload_columns_named ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT sql_route_payload_columns_named ON public.iu_sql_event_route IS 'a SQL event route copies named columns into its payload: list column names, never a null';

--
-- Name: CONSTRAINT sql_route_source_table_format ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT sql_route_source_table_format ON public.iu_sql_event_route IS 'a SQL event route''s source table is a plain lowercase table name of at most 63 letters, digits or _: name the table without schema or quotes';

--
-- Name: iu_sql_event_route_dry_run_log; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_sql_event_route_dry_run_log (
    id bigint NOT NULL,
    route_id bigint NOT NULL,
    source_table text NOT NULL,
    operation text NOT NULL,
    subject_ref text,
    would_capture jsonb NOT NULL,
    logged_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

ALTER TABLE public.iu_sql_event_route_dry_run_log OWNER TO queuegov_owner;

--
-- Name: iu_sql_event_route_dry_run_log_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_sql_event_route_dry_run_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_sql_event_route_dry_run_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_sql_event_route_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_sql_event_route ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_sql_event_route_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_staging_notice; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_staging_notice (
    record_id bigint NOT NULL,
    notice text NOT NULL,
    state_key text NOT NULL,
    run_id bigint,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT iu_notice_allowed CHECK ((notice = ANY (ARRAY['verify_verdict'::text, 'approval_waiting'::text, 'cut_waiting'::text]))),
    CONSTRAINT iu_notice_state_key_not_blank CHECK ((length(btrim(state_key)) > 0))
);

ALTER TABLE public.iu_staging_notice OWNER TO queuegov_owner;

--
-- Name: TABLE iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.iu_staging_notice IS 'What the staging puller already told people, once per manifest, notice and state (digest or lifecycle status).';

--
-- Name: CONSTRAINT iu_notice_allowed ON iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_notice_allowed ON public.iu_staging_notice IS 'a puller notice is verify_verdict, approval_waiting or cut_waiting: use one of those three';

--
-- Name: CONSTRAINT iu_notice_state_key_not_blank ON iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_notice_state_key_not_blank ON public.iu_staging_notice IS 'a puller notice names the state it was given for (the digest or the lifecycle status): give a non-blank state key';

--
-- Name: iu_staging_payload_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_staging_payload ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_staging_payload_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_staging_record; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_staging_record (
    id bigint NOT NULL,
    idempotency_key text NOT NULL,
    content_hash text NOT NULL,
    source_kind text DEFAULT 'file'::text NOT NULL,
    source_ref text NOT NULL,
    source_hash text NOT NULL,
    source_bytes bigint NOT NULL,
    doc_code text NOT NULL,
    piece_count integer NOT NULL,
    digest text NOT NULL,
    lifecycle_status text DEFAULT 'pending_review'::text NOT NULL,
    vector_excluded boolean DEFAULT true NOT NULL,
    marked_by text NOT NULL,
    marked_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    approved_at timestamp with time zone,
    approved_by text,
    approval_doc_id text,
    approval_reason text,
    rejected_at timestamp with time zone,
    rejected_by text,
    rejection_reason text,
    consumed_at timestamp with time zone,
    consumed_by_run_id bigint,
    expired_at timestamp with time zone,
    cleaned_at timestamp with time zone,
    archived_at timestamp with time zone,
    last_run_id bigint,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT digest_is_32_hex CHECK ((digest ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT four_eyes_approver_differs CHECK ((approved_by IS DISTINCT FROM marked_by)),
    CONSTRAINT iu_approval_complete CHECK ((((approved_at IS NULL) = (approved_by IS NULL)) AND ((approved_at IS NULL) = (approval_doc_id IS NULL)))),
    CONSTRAINT iu_approval_doc_not_blank CHECK (((approval_doc_id IS NULL) OR (length(btrim(approval_doc_id)) > 0))),
    CONSTRAINT iu_approved_has_approval CHECK (((lifecycle_status <> 'approved'::text) OR (approved_at IS NOT NULL))),
    CONSTRAINT iu_consumed_has_run CHECK (((lifecycle_status <> 'consumed'::text) OR (consumed_by_run_id IS NOT NULL))),
    CONSTRAINT iu_content_hash_md5 CHECK ((content_hash ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT iu_doc_code_format CHECK ((doc_code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT iu_expires_after_marked CHECK ((expires_at > marked_at)),
    CONSTRAINT iu_idempotency_key_not_blank CHECK ((length(btrim(idempotency_key)) > 0)),
    CONSTRAINT iu_lifecycle_status_allowed CHECK ((lifecycle_status = ANY (ARRAY['pending_review'::text, 'approved'::text, 'rejected'::text, 'consumed'::text, 'expired'::text, 'cleaned'::text, 'archived'::text]))),
    CONSTRAINT iu_piece_count_positive CHECK ((piece_count > 0)),
    CONSTRAINT iu_rejection_complete CHECK ((((rejected_at IS NULL) = (rejected_by IS NULL)) AND ((lifecycle_status <> 'rejected'::text) OR (rejected_at IS NOT NULL)))),
    CONSTRAINT iu_source_bytes_non_negative CHECK ((source_bytes >= 0)),
    CONSTRAINT iu_source_hash_hex CHECK ((source_hash ~ '^[0-9a-f]{32,128}$'::text)),
    CONSTRAINT iu_source_kind_allowed CHECK ((source_kind = ANY (ARRAY['file'::text, 'inline'::text]))),
    CONSTRAINT iu_source_ref_not_blank CHECK ((length(btrim(source_ref)) > 0)),
    CONSTRAINT vector_excluded_forced CHECK (vector_excluded)
);

ALTER TABLE public.iu_staging_record OWNER TO queuegov_owner;

--
-- Name: TABLE iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.iu_staging_record IS 'One marked manifest; lifecycle_status is the work-queue selector (pgtrigger FSM).';

--
-- Name: CONSTRAINT digest_is_32_hex ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT digest_is_32_hex ON public.iu_staging_record IS 'a manifest''s digest is an md5 (32 lowercase hex characters): let the marking function compute it';

--
-- Name: CONSTRAINT four_eyes_approver_differs ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT four_eyes_approver_differs ON public.iu_staging_record IS 'a manifest is approved by someone other than the person who marked it (four eyes): ask a second person to approve it';

--
-- Name: CONSTRAINT iu_approval_complete ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_approval_complete ON public.iu_staging_record IS 'an approval has its time, its approver and its approval document together: approve with fn_iu_op_verify_mark in apply mode, naming the approval document';

--
-- Name: CONSTRAINT iu_approval_doc_not_blank ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_approval_doc_not_blank ON public.iu_staging_record IS 'an approval names its approval document: give the non-blank id of the document that records the approval';

--
-- Name: CONSTRAINT iu_approved_has_approval ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_approved_has_approval ON public.iu_staging_record IS 'an approved manifest carries its approval: approve it with fn_iu_op_verify_mark in apply mode instead of setting the status';

--
-- Name: CONSTRAINT iu_consumed_has_run ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_consumed_has_run ON public.iu_staging_record IS 'a consumed manifest names the cut run that consumed it: consume a manifest only by cutting it (fn_iu_op_cut)';

--
-- Name: CONSTRAINT iu_content_hash_md5 ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_content_hash_md5 ON public.iu_staging_record IS 'a manifest''s content hash is an md5 (32 lowercase hex characters): let the marking function compute it';

--
-- Name: CONSTRAINT iu_doc_code_format ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_doc_code_format ON public.iu_staging_record IS 'a document code is 1 to 64 letters, digits or _ . -, starting with a letter or digit: give a document code that fits';

--
-- Name: CONSTRAINT iu_expires_after_marked ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_expires_after_marked ON public.iu_staging_record IS 'a manifest expires after it was marked: keep the setting iu_core.staging_ttl_days at 1 or more';

--
-- Name: CONSTRAINT iu_idempotency_key_not_blank ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_idempotency_key_not_blank ON public.iu_staging_record IS 'a manifest''s idempotency key is not blank: give a non-empty key, or let fn_iu_op_mark_file derive one';

--
-- Name: CONSTRAINT iu_lifecycle_status_allowed ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_lifecycle_status_allowed ON public.iu_staging_record IS 'a manifest''s lifecycle status is pending_review, approved, rejected, consumed, expired, cleaned or archived: move it only through the staging commands';

--
-- Name: CONSTRAINT iu_piece_count_positive ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_piece_count_positive ON public.iu_staging_record IS 'a manifest has at least one piece: mark a source that is not empty';

--
-- Name: CONSTRAINT iu_rejection_complete ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_rejection_complete ON public.iu_staging_record IS 'a rejection records both when and by whom, and a rejected manifest has them: reject it with fn_iu_op_reject';

--
-- Name: CONSTRAINT iu_source_bytes_non_negative ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_source_bytes_non_negative ON public.iu_staging_record IS 'a source''s size in bytes is 0 or more: give the source''s real size';

--
-- Name: CONSTRAINT iu_source_hash_hex ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_source_hash_hex ON public.iu_staging_record IS 'a source hash is 32 to 128 lowercase hex characters (md5 up to sha512): give the source''s hash in lowercase hex';

--
-- Name: CONSTRAINT iu_source_kind_allowed ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_source_kind_allowed ON public.iu_staging_record IS 'a manifest''s source is a file or inline text: use file or inline';

--
-- Name: CONSTRAINT iu_source_ref_not_blank ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_source_ref_not_blank ON public.iu_staging_record IS 'a manifest names its source: give the file path, or a reference for inline text';

--
-- Name: CONSTRAINT vector_excluded_forced ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT vector_excluded_forced ON public.iu_staging_record IS 'staging never holds vectors or embeddings, so vector_excluded is always true: leave it true';

--
-- Name: iu_staging_record_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.iu_staging_record ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.iu_staging_record_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: iu_vector_sync_point; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.iu_vector_sync_point (
    doc_code text NOT NULL,
    section_code text NOT NULL,
    wanted_version integer DEFAULT 0 NOT NULL,
    wanted_unit_id bigint,
    wanted_body_hash text,
    wanted_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    job_id bigint,
    synced_version integer DEFAULT 0 NOT NULL,
    synced_unit_id bigint,
    vector_ref text,
    synced_at timestamp with time zone,
    CONSTRAINT iu_vector_ref_is_reference CHECK (((length(btrim(vector_ref)) >= 1) AND (length(btrim(vector_ref)) <= 500) AND (vector_ref !~ '^\s*[\[{(]'::text))),
    CONSTRAINT iu_vector_sync_body_hash_md5 CHECK ((wanted_body_hash ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT iu_vector_sync_synced_has_time CHECK (((synced_version = 0) = (synced_at IS NULL))),
    CONSTRAINT iu_vector_sync_synced_not_ahead CHECK (((synced_version >= 0) AND (synced_version <= wanted_version))),
    CONSTRAINT iu_vector_sync_wanted_unit_has_hash CHECK (((wanted_unit_id IS NULL) = (wanted_body_hash IS NULL))),
    CONSTRAINT iu_vector_sync_wanted_version_non_negative CHECK ((wanted_version >= 0))
);

ALTER TABLE public.iu_vector_sync_point OWNER TO queuegov_owner;

--
-- Name: TABLE iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.iu_vector_sync_point IS 'One row per information-unit identity (doc_code, section_code): the version the vector store should hold and the one it acknowledged. No vector column, ever.';

--
-- Name: CONSTRAINT iu_vector_ref_is_reference ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_ref_is_reference ON public.iu_vector_sync_point IS 'a vector reference is the vector store''s id of the unit, 1 to 500 characters and not a JSON value or a list: pass the id, never the vector';

--
-- Name: CONSTRAINT iu_vector_sync_body_hash_md5 ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_body_hash_md5 ON public.iu_vector_sync_point IS 'a sync point''s wanted body hash is the md5 of the unit''s body (32 lowercase hex characters): copy it from the unit';

--
-- Name: CONSTRAINT iu_vector_sync_synced_has_time ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_synced_has_time ON public.iu_vector_sync_point IS 'a synced version has the time of its acknowledgement, version 0 none: acknowledge through fn_iu_vector_sync_ack';

--
-- Name: CONSTRAINT iu_vector_sync_synced_not_ahead ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_synced_not_ahead ON public.iu_vector_sync_point IS 'a sync point''s synced version is between 0 and its wanted version: acknowledge only versions that were wanted (fn_iu_vector_sync_ack)';

--
-- Name: CONSTRAINT iu_vector_sync_wanted_unit_has_hash ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_wanted_unit_has_hash ON public.iu_vector_sync_point IS 'a sync point wants a unit together with its body hash, or neither when the section is gone: copy both from the current unit';

--
-- Name: CONSTRAINT iu_vector_sync_wanted_version_non_negative ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_wanted_version_non_negative ON public.iu_vector_sync_point IS 'a sync point''s wanted version counts the changes of its unit from 0: let the capture trigger bump it';

--
-- Name: job_archive; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.job_archive (
    id bigint NOT NULL,
    job_kind text NOT NULL,
    queue_name text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    archived_at timestamp with time zone DEFAULT now() NOT NULL,
    snapshot public.qg_safe_payload NOT NULL,
    result jsonb,
    attempt_history jsonb DEFAULT '[]'::jsonb NOT NULL
);

ALTER TABLE public.job_archive OWNER TO queuegov_owner;

--
-- Name: COLUMN job_archive.attempt_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_archive.attempt_history IS 'Every attempt of the job when it was archived (job_attempt_history rows).';

--
-- Name: job_attempt; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.job_attempt (
    job_id bigint NOT NULL,
    attempt integer NOT NULL,
    worker_id text,
    started_at timestamp with time zone,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    outcome text NOT NULL,
    error text,
    error_class text GENERATED ALWAYS AS ("substring"(error, '^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+):'::text)) STORED,
    CONSTRAINT job_attempt_outcome_allowed CHECK ((outcome = ANY (ARRAY['failed'::text, 'lease_expired'::text, 'released'::text, 'cancelled'::text])))
);

ALTER TABLE public.job_attempt OWNER TO queuegov_owner;

--
-- Name: TABLE job_attempt; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.job_attempt IS 'Attempts of live jobs that ended without succeeding; see job_attempt_history for all of them.';

--
-- Name: CONSTRAINT job_attempt_outcome_allowed ON job_attempt; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT job_attempt_outcome_allowed ON public.job_attempt IS 'a job attempt that did not succeed ended failed, lease_expired, released or cancelled: the job functions record one of those';

--
-- Name: job_attempt_history; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.job_attempt_history AS
 SELECT a.job_id,
    a.attempt,
    a.worker_id,
    a.started_at,
    a.finished_at,
    a.outcome,
    a.error_class,
    a.error
   FROM public.job_attempt a
UNION ALL
 SELECT j.id AS job_id,
    j.attempts AS attempt,
    COALESCE(j.lease_owner, j.last_worker_id) AS worker_id,
    j.started_at,
        CASE
            WHEN ((j.status)::text = 'succeeded'::text) THEN j.finished_at
            ELSE NULL::timestamp with time zone
        END AS finished_at,
    (j.status)::text AS outcome,
    NULL::text AS error_class,
    NULL::text AS error
   FROM public.job_queue j
  WHERE ((j.status)::text = ANY (ARRAY['running'::text, 'succeeded'::text]));

ALTER TABLE public.job_attempt_history OWNER TO queuegov_owner;

--
-- Name: VIEW job_attempt_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.job_attempt_history IS 'Every attempt of every live job: job_attempt plus the running or succeeded attempt held in job_queue.';

--
-- Name: job_dead_letter; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.job_dead_letter (
    id bigint NOT NULL,
    job_id bigint NOT NULL,
    job_kind text NOT NULL,
    queue_name text NOT NULL,
    attempts integer NOT NULL,
    max_attempts integer NOT NULL,
    last_error text,
    job_snapshot public.qg_safe_payload NOT NULL,
    dead_at timestamp with time zone DEFAULT now() NOT NULL,
    triage_status text DEFAULT 'open'::text NOT NULL,
    triaged_by text,
    triaged_at timestamp with time zone,
    note text,
    replayed_job_id bigint,
    replayed_by text,
    replayed_at timestamp with time zone,
    authorization_source text,
    attempt_history jsonb DEFAULT '[]'::jsonb NOT NULL,
    CONSTRAINT dead_letter_replay_complete CHECK (((triage_status = 'replayed'::text) = (replayed_job_id IS NOT NULL))),
    CONSTRAINT dead_letter_triage_status_allowed CHECK ((triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text, 'discarded'::text, 'replayed'::text])))
);

ALTER TABLE public.job_dead_letter OWNER TO queuegov_owner;

--
-- Name: COLUMN job_dead_letter.attempt_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.job_dead_letter.attempt_history IS 'Every attempt of the job when it died (job_attempt_history rows).';

--
-- Name: CONSTRAINT dead_letter_replay_complete ON job_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dead_letter_replay_complete ON public.job_dead_letter IS 'a dead letter is replayed exactly when it names the job it was replayed into: replay it with fn_job_dead_letter_replay instead of setting the status';

--
-- Name: CONSTRAINT dead_letter_triage_status_allowed ON job_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dead_letter_triage_status_allowed ON public.job_dead_letter IS 'a dead letter''s triage status is open, manual_replay, discarded or replayed: triage it with fn_job_dead_letter_triage';

--
-- Name: job_dead_letter_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.job_dead_letter ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.job_dead_letter_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: job_queue_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.job_queue ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.job_queue_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: job_schedule; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.job_schedule (
    name text NOT NULL,
    cron_expression text NOT NULL,
    job_kind text NOT NULL,
    payload public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    queue_name text,
    priority public.qg_job_priority DEFAULT 0 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    next_run_at timestamp with time zone,
    last_enqueued_slot timestamp with time zone,
    last_job_id bigint,
    skipped_slots bigint DEFAULT 0 NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text,
    CONSTRAINT cron_expression_valid CHECK (public.fn_cron_valid(cron_expression)),
    CONSTRAINT schedule_job_kind_format CHECK ((job_kind ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,199}$'::text)),
    CONSTRAINT schedule_name_format CHECK ((name ~ '^[a-z][a-z0-9_.-]{0,99}$'::text))
);

ALTER TABLE public.job_schedule OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT cron_expression_valid ON job_schedule; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT cron_expression_valid ON public.job_schedule IS 'a schedule''s cron expression has five fields (minute hour day-of-month month day-of-week) or is @hourly, @daily, @weekly, @monthly or @yearly, and fires within ten years: correct the expression';

--
-- Name: CONSTRAINT schedule_job_kind_format ON job_schedule; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT schedule_job_kind_format ON public.job_schedule IS 'a schedule''s job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): name a valid job kind';

--
-- Name: CONSTRAINT schedule_name_format ON job_schedule; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT schedule_name_format ON public.job_schedule IS 'a schedule name is 1 to 100 lowercase letters, digits or _ . -, starting with a letter: rename the schedule to fit';

--
-- Name: message_subject_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.message_subject_registry (
    subject_table text NOT NULL,
    key_column text NOT NULL,
    description text NOT NULL
);

ALTER TABLE public.message_subject_registry OWNER TO queuegov_owner;

--
-- Name: TABLE message_subject_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.message_subject_registry IS 'The tables whose rows messages may be posted on, and the column naming a row.';

--
-- Name: queue_heartbeat; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.queue_heartbeat (
    executor_name text NOT NULL,
    executor_kind public.qg_executor_kind NOT NULL,
    status text DEFAULT 'fresh'::text NOT NULL,
    last_beat_at timestamp with time zone DEFAULT now() NOT NULL,
    first_beat_at timestamp with time zone DEFAULT now() NOT NULL,
    status_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    beats bigint DEFAULT 1 NOT NULL,
    meta public.qg_safe_payload DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT heartbeat_executor_name_format CHECK (((length(executor_name) >= 1) AND (length(executor_name) <= 200))),
    CONSTRAINT heartbeat_status_allowed CHECK ((status = ANY (ARRAY['fresh'::text, 'stale'::text])))
);

ALTER TABLE public.queue_heartbeat OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT heartbeat_executor_name_format ON queue_heartbeat; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT heartbeat_executor_name_format ON public.queue_heartbeat IS 'an executor''s heartbeat names it in 1 to 200 characters: give the executor a non-empty name of at most 200 characters';

--
-- Name: CONSTRAINT heartbeat_status_allowed ON queue_heartbeat; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT heartbeat_status_allowed ON public.queue_heartbeat IS 'an executor''s heartbeat is fresh or stale: the heartbeat functions set it, never write another value';

--
-- Name: queue_metric_sample; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.queue_metric_sample (
    id bigint NOT NULL,
    sampled_at timestamp with time zone NOT NULL,
    queue_name text NOT NULL,
    window_seconds integer NOT NULL,
    ready bigint DEFAULT 0 NOT NULL,
    running bigint DEFAULT 0 NOT NULL,
    succeeded bigint DEFAULT 0 NOT NULL,
    dead bigint DEFAULT 0 NOT NULL,
    events_emitted bigint DEFAULT 0 NOT NULL,
    events_pending bigint DEFAULT 0 NOT NULL,
    route_failures bigint DEFAULT 0 NOT NULL
);

ALTER TABLE public.queue_metric_sample OWNER TO queuegov_owner;

--
-- Name: queue_metric_sample_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.queue_metric_sample ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.queue_metric_sample_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: queue_state; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.queue_state (
    queue_name text NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    paused_by text,
    paused_at timestamp with time zone,
    reason text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT queue_name_format CHECK ((queue_name ~ '^[a-z][a-z0-9_]{0,50}$'::text)),
    CONSTRAINT queue_pause_has_reason CHECK (((NOT paused) OR ((paused_by IS NOT NULL) AND (reason IS NOT NULL))))
);

ALTER TABLE public.queue_state OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT queue_name_format ON queue_state; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT queue_name_format ON public.queue_state IS 'a queue name is 1 to 51 lowercase letters, digits or _, starting with a letter: rename the queue to fit';

--
-- Name: CONSTRAINT queue_pause_has_reason ON queue_state; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT queue_pause_has_reason ON public.queue_state IS 'a paused queue records who paused it and why: pause it with fn_queue_pause and give a reason';

--
-- Name: retry_policy_registry; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.retry_policy_registry (
    code text NOT NULL,
    max_attempts public.qg_job_max_attempts NOT NULL,
    backoff text NOT NULL,
    base_delay_seconds numeric NOT NULL,
    max_delay_seconds numeric NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT retry_policy_backoff_allowed CHECK ((backoff = ANY (ARRAY['exponential'::text, 'linear'::text, 'fixed'::text]))),
    CONSTRAINT retry_policy_base_delay_positive CHECK ((base_delay_seconds > (0)::numeric)),
    CONSTRAINT retry_policy_code_format CHECK ((code ~ '^[a-z][a-z0-9_.-]{0,62}$'::text)),
    CONSTRAINT retry_policy_max_delay_at_least_base CHECK ((max_delay_seconds >= base_delay_seconds)),
    CONSTRAINT retry_policy_status_allowed CHECK ((status = ANY (ARRAY['active'::text, 'retired'::text])))
);

ALTER TABLE public.retry_policy_registry OWNER TO queuegov_owner;

--
-- Name: CONSTRAINT retry_policy_backoff_allowed ON retry_policy_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT retry_policy_backoff_allowed ON public.retry_policy_registry IS 'a retry policy''s backoff is exponential, linear or fixed: use one of those three';

--
-- Name: CONSTRAINT retry_policy_base_delay_positive ON retry_policy_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT retry_policy_base_delay_positive ON public.retry_policy_registry IS 'a retry policy waits more than 0 seconds before a retry: give a positive base_delay_seconds';

--
-- Name: CONSTRAINT retry_policy_code_format ON retry_policy_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT retry_policy_code_format ON public.retry_policy_registry IS 'a retry policy code is 1 to 63 lowercase letters, digits or _ . -, starting with a letter: rename the policy to fit';

--
-- Name: CONSTRAINT retry_policy_max_delay_at_least_base ON retry_policy_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT retry_policy_max_delay_at_least_base ON public.retry_policy_registry IS 'a retry policy''s longest delay is at least its base delay: raise max_delay_seconds or lower base_delay_seconds';

--
-- Name: CONSTRAINT retry_policy_status_allowed ON retry_policy_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT retry_policy_status_allowed ON public.retry_policy_registry IS 'a retry policy is active or retired: use one of those two';

--
-- Name: subject_message; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.subject_message (
    id bigint NOT NULL,
    subject_table text NOT NULL,
    subject_ref text NOT NULL,
    reply_to_id bigint,
    thread_id bigint NOT NULL,
    author text NOT NULL,
    body text NOT NULL,
    recipients jsonb NOT NULL,
    event_id bigint,
    posted_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT subject_message_body_length CHECK (((length(btrim(body)) >= 1) AND (length(body) <= 4000)))
);

ALTER TABLE public.subject_message OWNER TO queuegov_owner;

--
-- Name: TABLE subject_message; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.subject_message IS 'Messages on subjects, threaded (docs/workflows.md); written only by fn_message_post.';

--
-- Name: CONSTRAINT subject_message_body_length ON subject_message; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subject_message_body_length ON public.subject_message IS 'a message has 1 to 4000 characters';

--
-- Name: subject_message_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

CREATE SEQUENCE public.subject_message_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.subject_message_id_seq OWNER TO queuegov_owner;

--
-- Name: subject_message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: queuegov_owner
--

ALTER SEQUENCE public.subject_message_id_seq OWNED BY public.subject_message.id;

--
-- Name: v_dot_iu_command_run_health; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_dot_iu_command_run_health AS
 SELECT c.command,
    c.operator_alias,
    count(r.id) AS runs,
    count(r.id) FILTER (WHERE (r.run_status = 'running'::text)) AS running,
    count(r.id) FILTER (WHERE ((r.run_status = 'running'::text) AND (r.started_at < (now() - '01:00:00'::interval)))) AS running_over_an_hour,
    count(r.id) FILTER (WHERE (r.run_status = ANY (ARRAY['refused'::text, 'problems'::text]))) AS refused_or_problems,
    count(r.id) FILTER (WHERE (r.started_at > (now() - '1 day'::interval))) AS runs_last_day,
    max(r.started_at) AS last_started_at,
    (array_agg(r.run_status ORDER BY r.id DESC))[1] AS last_status,
    round(avg((EXTRACT(epoch FROM (r.finished_at - r.started_at)) * (1000)::numeric)) FILTER (WHERE (r.finished_at IS NOT NULL)), 1) AS avg_duration_ms
   FROM (public.dot_iu_command_catalog c
     LEFT JOIN public.dot_iu_command_run r ON ((r.command = c.command)))
  GROUP BY c.command, c.operator_alias;

ALTER TABLE public.v_dot_iu_command_run_health OWNER TO queuegov_owner;

--
-- Name: VIEW v_dot_iu_command_run_health; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_dot_iu_command_run_health IS 'DOT command runs per catalog command: running, stuck over an hour, refused or with problems (docs/operations.md, "Status views").';

--
-- Name: v_event_recipient; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_event_recipient AS
 SELECT e.id AS event_id,
    e.created_at AS event_created_at,
    s.recipient_kind,
    s.recipient_ref,
    'subscription'::text AS via,
    s.id AS subscription_id
   FROM (public.event_outbox e
     JOIN public.event_subscription s ON (public.fn_event_subscription_matches(s.*, e.event_type, e.event_domain, (e.event_stream)::text)))
UNION ALL
 SELECT e.id AS event_id,
    e.created_at AS event_created_at,
    'role'::text AS recipient_kind,
    d.default_audience AS recipient_ref,
    'default_broadcast'::text AS via,
    NULL::bigint AS subscription_id
   FROM (public.event_outbox e
     JOIN public.event_domain_registry d ON ((d.event_domain = e.event_domain)))
  WHERE (NOT (EXISTS ( SELECT 1
           FROM public.event_subscription s
          WHERE public.fn_event_subscription_matches(s.*, e.event_type, e.event_domain, (e.event_stream)::text))));

ALTER TABLE public.v_event_recipient OWNER TO queuegov_owner;

--
-- Name: VIEW v_event_recipient; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_event_recipient IS 'Recipients of each event: matching subscriptions, else the domain default audience.';

--
-- Name: v_iu_auto_instantiate_event_summary; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_iu_auto_instantiate_event_summary AS
SELECT
    NULL::bigint AS route_id,
    NULL::text AS route_name,
    NULL::text AS route_event_type,
    NULL::text AS action_kind,
    NULL::text AS target,
    NULL::boolean AS enabled,
    NULL::boolean AS dry_run,
    NULL::bigint AS deliveries,
    NULL::bigint AS succeeded,
    NULL::bigint AS parked,
    NULL::bigint AS dry_run_deliveries,
    NULL::bigint AS dead_lettered,
    NULL::timestamp with time zone AS last_delivery_at;

ALTER TABLE public.v_iu_auto_instantiate_event_summary OWNER TO queuegov_owner;

--
-- Name: VIEW v_iu_auto_instantiate_event_summary; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_iu_auto_instantiate_event_summary IS 'Per trigger-OUT route: deliveries succeeded, parked, dry-run and dead-lettered (docs/operations.md, "Status views").';

--
-- Name: v_iu_composer_event_backlog; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_iu_composer_event_backlog AS
 SELECT p.event_type,
    count(*) AS pending,
    count(*) FILTER (WHERE (p.error_count > 0)) AS failing,
    count(*) FILTER (WHERE (p.error_count >= public.fn_setting_int('event.retry.max_attempts'::text))) AS parked,
    min(p.captured_at) AS oldest_captured_at,
    max(p.captured_at) AS newest_captured_at,
    (array_agg(p.last_error ORDER BY p.id DESC) FILTER (WHERE (p.last_error IS NOT NULL)))[1] AS last_error
   FROM public.event_pending p
  WHERE (p.processed_at IS NULL)
  GROUP BY p.event_type;

ALTER TABLE public.v_iu_composer_event_backlog OWNER TO queuegov_owner;

--
-- Name: VIEW v_iu_composer_event_backlog; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_iu_composer_event_backlog IS 'Captures waiting to become events, per type; parked ones failed event.retry.max_attempts times (docs/operations.md, "Status views").';

--
-- Name: v_iu_event_backlog; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_iu_event_backlog AS
 SELECT c.worker_name,
    c.event_domain,
    c.enabled,
    c.last_event_id,
    c.last_run_at,
    c.processed_count,
    c.dead_lettered_count,
    b.unrouted,
    b.oldest_unrouted_at,
    p.parked,
    p.next_retry_at
   FROM ((public.iu_route_worker_cursor c
     CROSS JOIN LATERAL ( SELECT count(*) AS unrouted,
            min(e.created_at) AS oldest_unrouted_at
           FROM public.event_outbox e
          WHERE ((e.event_domain = c.event_domain) AND (ROW(e.tx_id, e.id) > ROW(c.last_tx_id, c.last_event_id)))) b)
     CROSS JOIN LATERAL ( SELECT count(*) AS parked,
            min(d.next_attempt_at) AS next_retry_at
           FROM public.iu_route_delivery d
          WHERE ((d.status = 'pending'::text) AND (d.event_domain = c.event_domain))) p);

ALTER TABLE public.v_iu_event_backlog OWNER TO queuegov_owner;

--
-- Name: VIEW v_iu_event_backlog; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_iu_event_backlog IS 'Per route worker and domain: unrouted events after the cursor and deliveries parked for retry (docs/operations.md, "Status views").';

--
-- Name: v_iu_route_dead_letter_open; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_iu_route_dead_letter_open AS
 SELECT dl.id,
    dl.event_id,
    dl.event_type,
    r.route_name,
    r.action_kind,
    r.target,
    dl.worker_name,
    dl.attempts,
    dl.last_error,
    dl.dead_at,
    dl.triage_status,
    dl.triaged_by,
    dl.note,
    (EXTRACT(epoch FROM (now() - dl.dead_at)))::bigint AS open_seconds
   FROM (public.iu_route_dead_letter dl
     JOIN public.iu_outbound_route r ON ((r.id = dl.route_id)))
  WHERE (dl.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]));

ALTER TABLE public.v_iu_route_dead_letter_open OWNER TO queuegov_owner;

--
-- Name: VIEW v_iu_route_dead_letter_open; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_iu_route_dead_letter_open IS 'Route dead letters still to triage or replay (docs/operations.md, "Status views").';

--
-- Name: v_iu_vector_sync_behind; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_iu_vector_sync_behind AS
 SELECT p.doc_code,
    p.section_code,
    p.wanted_version,
    p.synced_version,
    p.wanted_unit_id,
    p.synced_unit_id,
    p.wanted_at,
    (EXTRACT(epoch FROM (now() - p.wanted_at)))::numeric(12,1) AS behind_seconds,
    p.job_id,
    j.status AS job_status,
        CASE
            WHEN (p.wanted_unit_id IS NULL) THEN 'delete'::text
            ELSE 'upsert'::text
        END AS op
   FROM (public.iu_vector_sync_point p
     LEFT JOIN public.job_queue j ON ((j.id = p.job_id)))
  WHERE (p.synced_version < p.wanted_version);

ALTER TABLE public.v_iu_vector_sync_behind OWNER TO queuegov_owner;

--
-- Name: VIEW v_iu_vector_sync_behind; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_iu_vector_sync_behind IS 'Information units whose vector sync is behind: the wanted and synced versions, for how long, and the job of the wanted version.';

--
-- Name: v_orphaned_work; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_orphaned_work AS
 WITH served AS (
         SELECT ((h.meta)::jsonb ->> 'class'::text) AS executor_class,
                CASE
                    WHEN (jsonb_typeof(((h.meta)::jsonb -> 'kinds'::text)) = 'array'::text) THEN ARRAY( SELECT jsonb_array_elements_text(((h.meta)::jsonb -> 'kinds'::text)) AS jsonb_array_elements_text)
                    ELSE NULL::text[]
                END AS kinds,
                CASE
                    WHEN ((jsonb_typeof(((h.meta)::jsonb -> 'queues'::text)) = 'array'::text) AND (NOT (((h.meta)::jsonb -> 'queues'::text) ? '*'::text))) THEN ARRAY( SELECT jsonb_array_elements_text(((h.meta)::jsonb -> 'queues'::text)) AS jsonb_array_elements_text)
                    ELSE NULL::text[]
                END AS queues
           FROM public.queue_heartbeat h
          WHERE ((h.status = 'fresh'::text) AND ((h.meta)::jsonb ? 'class'::text) AND (h.last_beat_at >= (now() - make_interval(secs => (public.fn_setting_int('queue.heartbeat.stale_after_seconds'::text))::double precision))))
        ), paused AS (
         SELECT COALESCE(array_agg(q.queue_name), '{}'::text[]) AS queues
           FROM public.queue_state q
          WHERE q.paused
        ), waiting AS (
         SELECT e.code AS executor_class,
            e.executor_kind,
            w_1.job_kind,
            w_1.queue_name,
            w_1.run_at
           FROM ((public.executor_class_registry e
             CROSS JOIN paused p)
             CROSS JOIN LATERAL ( SELECT j.job_kind,
                    j.queue_name,
                    j.run_at
                   FROM public.job_queue j
                  WHERE ((j.executor_class = e.code) AND ((j.status)::text = 'queued'::text) AND (j.run_at <= (now() - make_interval(secs => (public.fn_setting_int('queue.health.orphan_after_seconds'::text))::double precision))) AND (j.queue_name <> ALL (p.queues)))
                  ORDER BY j.priority DESC, j.run_at, j.id
                 LIMIT 1000) w_1)
          WHERE (EXISTS ( SELECT 1
                   FROM public.consumer_registry c
                  WHERE ((c.executor_class = e.code) AND (NOT (EXISTS ( SELECT 1
                           FROM served s
                          WHERE ((s.executor_class = e.code) AND (s.queues IS NULL) AND ((s.kinds IS NULL) OR (c.job_kind = ANY (s.kinds))))))))))
        )
 SELECT w.executor_class,
    w.executor_kind,
    w.job_kind,
    count(*) AS ready,
    min(w.run_at) AS oldest_run_at,
    array_agg(DISTINCT w.queue_name ORDER BY w.queue_name) AS queues,
    (EXISTS ( SELECT 1
           FROM served s
          WHERE (s.executor_class = w.executor_class))) AS class_served
   FROM waiting w
  WHERE (NOT (EXISTS ( SELECT 1
           FROM served s
          WHERE ((s.executor_class = w.executor_class) AND ((s.kinds IS NULL) OR ((w.job_kind)::text = ANY (s.kinds))) AND ((s.queues IS NULL) OR (w.queue_name = ANY (s.queues)))))))
  GROUP BY w.executor_class, w.executor_kind, w.job_kind;

ALTER TABLE public.v_orphaned_work OWNER TO queuegov_owner;

--
-- Name: VIEW v_orphaned_work; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_orphaned_work IS 'Job kinds with ready jobs no fresh executor claims (by class, kinds and queues in its heartbeat; docs/executors.md); a health problem.';

--
-- Name: v_queue_health; Type: VIEW; Schema: public; Owner: queuegov_owner
--

CREATE VIEW public.v_queue_health AS
 WITH s AS (
         SELECT public.fn_setting_int('queue.health.max_open_dead_letters'::text) AS max_dlq,
            public.fn_setting_int('queue.health.max_backlog'::text) AS max_backlog,
            public.fn_setting_int('queue.health.max_oldest_queued_seconds'::text) AS max_age,
            public.fn_setting_int('queue.retention.hot_days'::text) AS hot_days
        )
 SELECT 'gate'::text AS section,
    c.key AS name,
    (
        CASE
            WHEN (c.value = 'true'::jsonb) THEN 1
            ELSE 0
        END)::numeric AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('open', (c.value = 'true'::jsonb), 'updated_at', c.updated_at, 'updated_by', c.updated_by) AS detail
   FROM public.dot_config c
  WHERE (c.kind = 'gate'::text)
UNION ALL
 SELECT 'executor'::text AS section,
    h.executor_name AS name,
    (EXTRACT(epoch FROM (now() - h.last_beat_at)))::numeric(12,1) AS value,
    NULL::numeric AS threshold,
    (h.status = 'fresh'::text) AS healthy,
    jsonb_build_object('status', h.status, 'kind', h.executor_kind, 'last_beat_at', h.last_beat_at, 'beats', h.beats) AS detail
   FROM public.queue_heartbeat h
UNION ALL
 SELECT 'job_backlog'::text AS section,
    q.queue_name AS name,
    b.ready AS value,
    s.max_backlog AS threshold,
    ((b.ready <= s.max_backlog) AND (q.paused OR (COALESCE(b.oldest_seconds, (0)::numeric) <= (s.max_age)::numeric))) AS healthy,
    jsonb_build_object('ready', b.ready, 'scheduled', b.scheduled, 'running', b.running, 'oldest_ready_seconds', b.oldest_seconds, 'max_oldest_seconds', s.max_age, 'paused', q.paused) AS detail
   FROM ((public.queue_state q
     CROSS JOIN s)
     CROSS JOIN LATERAL ( SELECT public.fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at <= now()'::text, 'queued', q.queue_name), 100000) AS ready,
            public.fn_capped_count(format('SELECT 1 FROM job_queue WHERE status = %L AND queue_name = %L AND run_at > now()'::text, 'queued', q.queue_name), 100000) AS scheduled,
            ( SELECT count(*) AS count
                   FROM public.job_queue j
                  WHERE (((j.status)::text = 'running'::text) AND (j.queue_name = q.queue_name))) AS running,
            ( SELECT (EXTRACT(epoch FROM (now() - min(j.run_at))))::numeric(12,1) AS "extract"
                   FROM public.job_queue j
                  WHERE (((j.status)::text = 'queued'::text) AND (j.queue_name = q.queue_name) AND (j.run_at <= now()))) AS oldest_seconds) b)
UNION ALL
 SELECT 'job_totals'::text AS section,
    'estimated_rows'::text AS name,
    public.fn_estimated_rows('public.job_queue'::regclass) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('note', 'planner estimate of job_queue rows') AS detail
UNION ALL
 SELECT 'dead_letters'::text AS section,
    'jobs_open'::text AS name,
    d.n AS value,
    s.max_dlq AS threshold,
    (d.n <= s.max_dlq) AS healthy,
    jsonb_build_object('manual_replay', d.manual) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT count(*) FILTER (WHERE (job_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) AS n,
            count(*) FILTER (WHERE (job_dead_letter.triage_status = 'manual_replay'::text)) AS manual
           FROM public.job_dead_letter
          WHERE (job_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) d)
UNION ALL
 SELECT 'dead_letters'::text AS section,
    'routes_open'::text AS name,
    d.n AS value,
    s.max_dlq AS threshold,
    (d.n <= s.max_dlq) AS healthy,
    jsonb_build_object('manual_replay', d.manual) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT count(*) AS n,
            count(*) FILTER (WHERE (iu_route_dead_letter.triage_status = 'manual_replay'::text)) AS manual
           FROM public.iu_route_dead_letter
          WHERE (iu_route_dead_letter.triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]))) d)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    'pending'::text AS name,
    p.n AS value,
    s.max_backlog AS threshold,
    (p.n <= s.max_backlog) AS healthy,
    jsonb_build_object('oldest_seconds', p.oldest, 'with_errors', p.errors) AS detail
   FROM (s
     CROSS JOIN LATERAL ( SELECT public.fn_capped_count('SELECT 1 FROM event_pending WHERE processed_at IS NULL'::text, 100000) AS n,
            ( SELECT (EXTRACT(epoch FROM (now() - min(event_pending.captured_at))))::numeric(12,1) AS "extract"
                   FROM public.event_pending
                  WHERE (event_pending.processed_at IS NULL)) AS oldest,
            ( SELECT count(*) AS count
                   FROM public.event_pending
                  WHERE ((event_pending.processed_at IS NULL) AND (event_pending.error_count > 0))) AS errors) p)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    ((('cursor:'::text || c.worker_name) || '/'::text) || c.event_domain) AS name,
    l.n AS value,
    s.max_backlog AS threshold,
    (l.n <= s.max_backlog) AS healthy,
    jsonb_build_object('worker', c.worker_name, 'domain', c.event_domain, 'last_event_id', c.last_event_id, 'last_run_at', c.last_run_at, 'enabled', c.enabled) AS detail
   FROM ((public.iu_route_worker_cursor c
     CROSS JOIN s)
     CROSS JOIN LATERAL ( SELECT public.fn_capped_count(format('SELECT 1 FROM event_outbox WHERE event_domain = %L AND (tx_id, id) > (%L::xid8, %s)'::text, c.event_domain, c.last_tx_id, c.last_event_id), 100000) AS n) l)
UNION ALL
 SELECT 'event_backlog'::text AS section,
    'undelivered'::text AS name,
    public.fn_capped_count('SELECT 1 FROM event_outbox WHERE delivered_at IS NULL'::text, 100000) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    '{}'::jsonb AS detail
UNION ALL
 SELECT 'retention'::text AS section,
    'jobs_past_hot_days'::text AS name,
    public.fn_capped_count(format('SELECT 1 FROM job_queue WHERE finished_at < now() - make_interval(days => %s)'::text, s.hot_days), 100000) AS value,
    NULL::numeric AS threshold,
    true AS healthy,
    jsonb_build_object('hot_days', s.hot_days, 'capped_at', 100000) AS detail
   FROM s
UNION ALL
 SELECT 'vector_sync'::text AS section,
    'units_behind'::text AS name,
    (v.behind)::numeric AS value,
    (v.max_behind)::numeric AS threshold,
    ((v.too_long = 0) OR (NOT v.gate_open)) AS healthy,
    jsonb_build_object('behind_longer_than_threshold', v.too_long, 'without_job', v.without_job, 'oldest_behind_seconds', v.oldest, 'max_behind_seconds', v.max_behind, 'gate_open', v.gate_open) AS detail
   FROM ( SELECT count(b.doc_code) AS behind,
            count(b.doc_code) FILTER (WHERE (b.wanted_at < (now() - make_interval(secs => (m.max_behind)::double precision)))) AS too_long,
            count(b.doc_code) FILTER (WHERE (b.job_id IS NULL)) AS without_job,
            (EXTRACT(epoch FROM (now() - min(b.wanted_at))))::numeric(12,1) AS oldest,
            m.max_behind,
            public.fn_gate_open('vector.sync.enabled'::text) AS gate_open
           FROM (( SELECT public.fn_setting_int('vector.sync.max_behind_seconds'::text) AS max_behind) m
             LEFT JOIN public.iu_vector_sync_point b ON ((b.synced_version < b.wanted_version)))
          GROUP BY m.max_behind) v;

ALTER TABLE public.v_queue_health OWNER TO queuegov_owner;

--
-- Name: VIEW v_queue_health; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON VIEW public.v_queue_health IS 'One pane of health: gates, executors, job backlog per queue, dead letters, event backlog, retention.';

--
-- Name: workflow; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.workflow (
    id bigint NOT NULL,
    name text NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    parent_step_id bigint,
    started_by text,
    correlation_id text,
    steps_total integer NOT NULL,
    steps_open integer NOT NULL,
    result public.qg_safe_payload,
    cancel_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    added_by_job_id bigint,
    subject_table text,
    subject_ref text,
    CONSTRAINT workflow_added_under_its_step CHECK (((added_by_job_id IS NULL) OR (parent_step_id IS NOT NULL))),
    CONSTRAINT workflow_correlation_id_length CHECK ((length(correlation_id) <= 200)),
    CONSTRAINT workflow_finished_when_final CHECK (((status = 'running'::text) = (finished_at IS NULL))),
    CONSTRAINT workflow_name_format CHECK (((name ~ '^[A-Za-z0-9][A-Za-z0-9_.:/ -]*$'::text) AND (length(name) <= 200))),
    CONSTRAINT workflow_status_allowed CHECK ((status = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT workflow_steps_open_in_range CHECK (((steps_open >= 0) AND (steps_open <= steps_total))),
    CONSTRAINT workflow_subject_whole CHECK (((subject_table IS NULL) = (subject_ref IS NULL)))
);

ALTER TABLE public.workflow OWNER TO queuegov_owner;

--
-- Name: TABLE workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.workflow IS 'A DAG of steps (docs/workflows.md); written only by the workflow functions.';

--
-- Name: COLUMN workflow.added_by_job_id; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.workflow.added_by_job_id IS 'The job that added this workflow while running its step (parent_step_id); NULL for declared sub-workflows and top-level workflows.';

--
-- Name: COLUMN workflow.subject_table; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON COLUMN public.workflow.subject_table IS 'What the workflow is about, set by the function that starts it (a manifest''s review), never by a spec.';

--
-- Name: CONSTRAINT workflow_added_under_its_step ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_added_under_its_step ON public.workflow IS 'a workflow a job added hangs under the step that job runs';

--
-- Name: CONSTRAINT workflow_correlation_id_length ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_correlation_id_length ON public.workflow IS 'a correlation id has at most 200 characters';

--
-- Name: CONSTRAINT workflow_finished_when_final ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_finished_when_final ON public.workflow IS 'a workflow has a finish time exactly when it is no longer running: change it only through the workflow functions';

--
-- Name: CONSTRAINT workflow_name_format ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_name_format ON public.workflow IS 'a workflow name starts with a letter or digit, then letters, digits, _ . : / - or spaces, at most 200 characters';

--
-- Name: CONSTRAINT workflow_status_allowed ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_status_allowed ON public.workflow IS 'a workflow is running, succeeded, failed or cancelled: change it only through the workflow functions';

--
-- Name: CONSTRAINT workflow_steps_open_in_range ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_steps_open_in_range ON public.workflow IS 'a workflow''s open steps number from 0 to its steps: change it only through the workflow functions';

--
-- Name: CONSTRAINT workflow_subject_whole ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_subject_whole ON public.workflow IS 'a workflow''s subject is a table and a row together';

--
-- Name: workflow_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

CREATE SEQUENCE public.workflow_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.workflow_id_seq OWNER TO queuegov_owner;

--
-- Name: workflow_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: queuegov_owner
--

ALTER SEQUENCE public.workflow_id_seq OWNED BY public.workflow.id;

--
-- Name: workflow_step_dependency; Type: TABLE; Schema: public; Owner: queuegov_owner
--

CREATE TABLE public.workflow_step_dependency (
    step_id bigint NOT NULL,
    depends_on_id bigint NOT NULL,
    CONSTRAINT workflow_step_dependency_not_self CHECK ((step_id <> depends_on_id))
);

ALTER TABLE public.workflow_step_dependency OWNER TO queuegov_owner;

--
-- Name: TABLE workflow_step_dependency; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TABLE public.workflow_step_dependency IS 'step_id starts only when depends_on_id has finished.';

--
-- Name: CONSTRAINT workflow_step_dependency_not_self ON workflow_step_dependency; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_dependency_not_self ON public.workflow_step_dependency IS 'a step does not depend on itself';

--
-- Name: workflow_step_id_seq; Type: SEQUENCE; Schema: public; Owner: queuegov_owner
--

CREATE SEQUENCE public.workflow_step_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.workflow_step_id_seq OWNER TO queuegov_owner;

--
-- Name: workflow_step_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: queuegov_owner
--

ALTER SEQUENCE public.workflow_step_id_seq OWNED BY public.workflow_step.id;

--
-- Name: event_outbox_default; Type: TABLE ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_outbox ATTACH PARTITION public.event_outbox_default DEFAULT;

--
-- Name: event_outbox id; Type: DEFAULT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_outbox ALTER COLUMN id SET DEFAULT nextval('public.event_outbox_id_seq'::regclass);

--
-- Name: human_task id; Type: DEFAULT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task ALTER COLUMN id SET DEFAULT nextval('public.human_task_id_seq'::regclass);

--
-- Name: subject_message id; Type: DEFAULT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.subject_message ALTER COLUMN id SET DEFAULT nextval('public.subject_message_id_seq'::regclass);

--
-- Name: workflow id; Type: DEFAULT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow ALTER COLUMN id SET DEFAULT nextval('public.workflow_id_seq'::regclass);

--
-- Name: workflow_step id; Type: DEFAULT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step ALTER COLUMN id SET DEFAULT nextval('public.workflow_step_id_seq'::regclass);

--
-- Name: actor_seal actor_seal_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.actor_seal
    ADD CONSTRAINT actor_seal_pkey PRIMARY KEY (pid);

--
-- Name: admin_action_audit_chain_head admin_action_audit_chain_head_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.admin_action_audit_chain_head
    ADD CONSTRAINT admin_action_audit_chain_head_pkey PRIMARY KEY (only_row);

--
-- Name: admin_action_audit admin_action_audit_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.admin_action_audit
    ADD CONSTRAINT admin_action_audit_pkey PRIMARY KEY (id);

--
-- Name: auth_group auth_group_name_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group
    ADD CONSTRAINT auth_group_name_key UNIQUE (name);

--
-- Name: auth_group_permissions auth_group_permissions_group_id_permission_id_0cd325b0_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_permission_id_0cd325b0_uniq UNIQUE (group_id, permission_id);

--
-- Name: auth_group_permissions auth_group_permissions_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_pkey PRIMARY KEY (id);

--
-- Name: auth_group auth_group_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group
    ADD CONSTRAINT auth_group_pkey PRIMARY KEY (id);

--
-- Name: auth_permission auth_permission_content_type_id_codename_01ab375a_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_codename_01ab375a_uniq UNIQUE (content_type_id, codename);

--
-- Name: auth_permission auth_permission_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_pkey PRIMARY KEY (id);

--
-- Name: auth_user_groups auth_user_groups_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_pkey PRIMARY KEY (id);

--
-- Name: auth_user_groups auth_user_groups_user_id_group_id_94350c0c_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_user_id_group_id_94350c0c_uniq UNIQUE (user_id, group_id);

--
-- Name: auth_user auth_user_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_pkey PRIMARY KEY (id);

--
-- Name: auth_user_user_permissions auth_user_user_permissions_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_pkey PRIMARY KEY (id);

--
-- Name: auth_user_user_permissions auth_user_user_permissions_user_id_permission_id_14a6b632_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_user_id_permission_id_14a6b632_uniq UNIQUE (user_id, permission_id);

--
-- Name: auth_user auth_user_username_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_username_key UNIQUE (username);

--
-- Name: axes_accessattempt axes_accessattempt_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accessattempt
    ADD CONSTRAINT axes_accessattempt_pkey PRIMARY KEY (id);

--
-- Name: axes_accessattempt axes_accessattempt_username_ip_address_user_agent_8ea22282_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accessattempt
    ADD CONSTRAINT axes_accessattempt_username_ip_address_user_agent_8ea22282_uniq UNIQUE (username, ip_address, user_agent);

--
-- Name: axes_accessattemptexpiration axes_accessattemptexpiration_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accessattemptexpiration
    ADD CONSTRAINT axes_accessattemptexpiration_pkey PRIMARY KEY (access_attempt_id);

--
-- Name: axes_accessfailurelog axes_accessfailurelog_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accessfailurelog
    ADD CONSTRAINT axes_accessfailurelog_pkey PRIMARY KEY (id);

--
-- Name: axes_accesslog axes_accesslog_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accesslog
    ADD CONSTRAINT axes_accesslog_pkey PRIMARY KEY (id);

--
-- Name: consumer_registry consumer_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.consumer_registry
    ADD CONSTRAINT consumer_registry_pkey PRIMARY KEY (job_kind);

--
-- Name: django_admin_log django_admin_log_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_pkey PRIMARY KEY (id);

--
-- Name: django_content_type django_content_type_app_label_model_76bd3d3b_uniq; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_content_type
    ADD CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model);

--
-- Name: django_content_type django_content_type_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_content_type
    ADD CONSTRAINT django_content_type_pkey PRIMARY KEY (id);

--
-- Name: django_migrations django_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_migrations
    ADD CONSTRAINT django_migrations_pkey PRIMARY KEY (id);

--
-- Name: django_session django_session_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_session
    ADD CONSTRAINT django_session_pkey PRIMARY KEY (session_key);

--
-- Name: dot_config_history dot_config_history_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_config_history
    ADD CONSTRAINT dot_config_history_pkey PRIMARY KEY (id);

--
-- Name: dot_config dot_config_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_config
    ADD CONSTRAINT dot_config_pkey PRIMARY KEY (key);

--
-- Name: dot_iu_command_catalog dot_iu_command_catalog_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_command_catalog
    ADD CONSTRAINT dot_iu_command_catalog_pkey PRIMARY KEY (command);

--
-- Name: dot_iu_command_run dot_iu_command_run_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_command_run
    ADD CONSTRAINT dot_iu_command_run_pkey PRIMARY KEY (id);

--
-- Name: dot_iu_runtime_lease dot_iu_runtime_lease_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_runtime_lease
    ADD CONSTRAINT dot_iu_runtime_lease_pkey PRIMARY KEY (lease_name);

--
-- Name: event_domain_registry event_domain_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_domain_registry
    ADD CONSTRAINT event_domain_registry_pkey PRIMARY KEY (event_domain);

--
-- Name: event_outbox event_outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_outbox
    ADD CONSTRAINT event_outbox_pkey PRIMARY KEY (id, created_at);

--
-- Name: event_outbox_default event_outbox_default_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_outbox_default
    ADD CONSTRAINT event_outbox_default_pkey PRIMARY KEY (id, created_at);

--
-- Name: event_pending event_pending_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_pending
    ADD CONSTRAINT event_pending_pkey PRIMARY KEY (id);

--
-- Name: event_producer_registry event_producer_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_producer_registry
    ADD CONSTRAINT event_producer_registry_pkey PRIMARY KEY (producer_ref);

--
-- Name: CONSTRAINT event_producer_registry_pkey ON event_producer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_producer_registry_pkey ON public.event_producer_registry IS 'a code producer is registered once: retire or re-register the existing row';

--
-- Name: event_read event_read_once_per_recipient; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_read
    ADD CONSTRAINT event_read_once_per_recipient UNIQUE (event_id, recipient_kind, recipient_ref);

--
-- Name: CONSTRAINT event_read_once_per_recipient ON event_read; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_read_once_per_recipient ON public.event_read IS 'an event reaches each recipient''s inbox once: it is already delivered to this recipient, so there is nothing to add';

--
-- Name: event_read event_read_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_read
    ADD CONSTRAINT event_read_pkey PRIMARY KEY (id);

--
-- Name: event_subject_key event_subject_key_id_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_subject_key
    ADD CONSTRAINT event_subject_key_id_key UNIQUE (id);

--
-- Name: CONSTRAINT event_subject_key_id_key ON event_subject_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_subject_key_id_key ON public.event_subject_key IS 'each subject key row has its own generated id: never set or copy an id by hand';

--
-- Name: event_subject_key event_subject_key_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_subject_key
    ADD CONSTRAINT event_subject_key_pkey PRIMARY KEY (event_domain, event_type, event_subject_table, event_subject_ref, fact_key);

--
-- Name: event_subscription event_subscription_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_subscription
    ADD CONSTRAINT event_subscription_pkey PRIMARY KEY (id);

--
-- Name: event_type_registry event_type_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_type_registry
    ADD CONSTRAINT event_type_registry_pkey PRIMARY KEY (event_type);

--
-- Name: executor_class_registry executor_class_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.executor_class_registry
    ADD CONSTRAINT executor_class_registry_pkey PRIMARY KEY (code);

--
-- Name: executor_login executor_login_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.executor_login
    ADD CONSTRAINT executor_login_pkey PRIMARY KEY (role_name);

--
-- Name: gate_change_request gate_change_request_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.gate_change_request
    ADD CONSTRAINT gate_change_request_pkey PRIMARY KEY (id);

--
-- Name: human_task_decision human_task_decision_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task_decision
    ADD CONSTRAINT human_task_decision_pkey PRIMARY KEY (task_id, actor);

--
-- Name: human_task human_task_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task
    ADD CONSTRAINT human_task_pkey PRIMARY KEY (id);

--
-- Name: human_task human_task_workflow_step_id_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task
    ADD CONSTRAINT human_task_workflow_step_id_key UNIQUE (workflow_step_id);

--
-- Name: CONSTRAINT human_task_workflow_step_id_key ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_workflow_step_id_key ON public.human_task IS 'a workflow step has at most one task';

--
-- Name: idempotency_key idempotency_key_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_pkey PRIMARY KEY (id);

--
-- Name: idempotency_key idempotency_key_unique; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_unique UNIQUE (scope, key);

--
-- Name: CONSTRAINT idempotency_key_unique ON idempotency_key; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT idempotency_key_unique ON public.idempotency_key IS 'an action keyed for idempotency is done once per scope and key: it was already done, so look up its earlier result instead of repeating it';

--
-- Name: information_unit information_unit_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT information_unit_pkey PRIMARY KEY (id);

--
-- Name: iu_lifecycle_log iu_lifecycle_log_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_lifecycle_log
    ADD CONSTRAINT iu_lifecycle_log_pkey PRIMARY KEY (id);

--
-- Name: iu_outbound_route iu_outbound_route_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_outbound_route
    ADD CONSTRAINT iu_outbound_route_pkey PRIMARY KEY (id);

--
-- Name: iu_outbound_route iu_outbound_route_route_name_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_outbound_route
    ADD CONSTRAINT iu_outbound_route_route_name_key UNIQUE (route_name);

--
-- Name: CONSTRAINT iu_outbound_route_route_name_key ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_outbound_route_route_name_key ON public.iu_outbound_route IS 'an outbound route name is used once: choose another name, or change the existing route with fn_iu_outbound_route_set';

--
-- Name: iu_route_attempt iu_route_attempt_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_attempt
    ADD CONSTRAINT iu_route_attempt_pkey PRIMARY KEY (id);

--
-- Name: iu_route_dead_letter iu_route_dead_letter_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_dead_letter
    ADD CONSTRAINT iu_route_dead_letter_pkey PRIMARY KEY (id);

--
-- Name: iu_route_delivery iu_route_delivery_id_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_delivery
    ADD CONSTRAINT iu_route_delivery_id_key UNIQUE (id);

--
-- Name: CONSTRAINT iu_route_delivery_id_key ON iu_route_delivery; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_route_delivery_id_key ON public.iu_route_delivery IS 'each route delivery has its own generated id: never set or copy an id by hand';

--
-- Name: iu_route_delivery iu_route_delivery_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_delivery
    ADD CONSTRAINT iu_route_delivery_pkey PRIMARY KEY (event_id, route_id);

--
-- Name: iu_route_target iu_route_target_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_target
    ADD CONSTRAINT iu_route_target_pkey PRIMARY KEY (function_name);

--
-- Name: CONSTRAINT iu_route_target_pkey ON iu_route_target; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_route_target_pkey ON public.iu_route_target IS 'a function is registered as a route target once: retire or re-register the existing row';

--
-- Name: iu_route_worker_cursor iu_route_worker_cursor_id_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_worker_cursor
    ADD CONSTRAINT iu_route_worker_cursor_id_key UNIQUE (id);

--
-- Name: CONSTRAINT iu_route_worker_cursor_id_key ON iu_route_worker_cursor; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_route_worker_cursor_id_key ON public.iu_route_worker_cursor IS 'each route worker cursor has its own generated id: never set or copy an id by hand';

--
-- Name: iu_route_worker_cursor iu_route_worker_cursor_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_worker_cursor
    ADD CONSTRAINT iu_route_worker_cursor_pkey PRIMARY KEY (worker_name, event_domain);

--
-- Name: iu_sql_event_route_dry_run_log iu_sql_event_route_dry_run_log_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route_dry_run_log
    ADD CONSTRAINT iu_sql_event_route_dry_run_log_pkey PRIMARY KEY (id);

--
-- Name: iu_sql_event_route iu_sql_event_route_gate_key_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route
    ADD CONSTRAINT iu_sql_event_route_gate_key_key UNIQUE (gate_key);

--
-- Name: CONSTRAINT iu_sql_event_route_gate_key_key ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_sql_event_route_gate_key_key ON public.iu_sql_event_route IS 'each SQL event route has a gate of its own (event.sql_route.<name>.live): another route already uses this gate key, so register the route under another name';

--
-- Name: iu_sql_event_route iu_sql_event_route_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route
    ADD CONSTRAINT iu_sql_event_route_pkey PRIMARY KEY (id);

--
-- Name: iu_sql_event_route iu_sql_event_route_route_name_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route
    ADD CONSTRAINT iu_sql_event_route_route_name_key UNIQUE (route_name);

--
-- Name: CONSTRAINT iu_sql_event_route_route_name_key ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_sql_event_route_route_name_key ON public.iu_sql_event_route IS 'a SQL event route name is used once: register the route under another name';

--
-- Name: iu_staging_notice iu_staging_notice_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_notice
    ADD CONSTRAINT iu_staging_notice_pkey PRIMARY KEY (record_id, notice, state_key);

--
-- Name: CONSTRAINT iu_staging_notice_pkey ON iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_notice_pkey ON public.iu_staging_notice IS 'the puller says each notice once per manifest and state: this one was already given';

--
-- Name: iu_staging_payload iu_staging_payload_id_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_payload
    ADD CONSTRAINT iu_staging_payload_id_key UNIQUE (id);

--
-- Name: CONSTRAINT iu_staging_payload_id_key ON iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_payload_id_key ON public.iu_staging_payload IS 'each piece has its own generated id: never set or copy an id by hand';

--
-- Name: iu_staging_payload iu_staging_payload_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_payload
    ADD CONSTRAINT iu_staging_payload_pkey PRIMARY KEY (record_id, piece_no);

--
-- Name: iu_staging_record iu_staging_record_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_record
    ADD CONSTRAINT iu_staging_record_idempotency_key_key UNIQUE (idempotency_key);

--
-- Name: CONSTRAINT iu_staging_record_idempotency_key_key ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_record_idempotency_key_key ON public.iu_staging_record IS 'a manifest''s idempotency key is used once: this manifest is already marked, so work with the existing staging record';

--
-- Name: iu_staging_record iu_staging_record_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_record
    ADD CONSTRAINT iu_staging_record_pkey PRIMARY KEY (id);

--
-- Name: information_unit iu_unit_one_per_piece; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT iu_unit_one_per_piece UNIQUE (consumed_from_record_id, piece_no);

--
-- Name: CONSTRAINT iu_unit_one_per_piece ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_unit_one_per_piece ON public.information_unit IS 'each piece of a manifest becomes one information unit: this piece is already cut, so use its existing unit';

--
-- Name: iu_vector_sync_point iu_vector_sync_point_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_vector_sync_point
    ADD CONSTRAINT iu_vector_sync_point_pkey PRIMARY KEY (doc_code, section_code);

--
-- Name: CONSTRAINT iu_vector_sync_point_pkey ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_point_pkey ON public.iu_vector_sync_point IS 'a unit identity (doc_code, section_code) has one sync point: the capture trigger keeps it, update that one';

--
-- Name: job_archive job_archive_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_archive
    ADD CONSTRAINT job_archive_pkey PRIMARY KEY (id);

--
-- Name: job_attempt job_attempt_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_attempt
    ADD CONSTRAINT job_attempt_pkey PRIMARY KEY (job_id, attempt);

--
-- Name: job_dead_letter job_dead_letter_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_dead_letter
    ADD CONSTRAINT job_dead_letter_pkey PRIMARY KEY (id);

--
-- Name: job_queue job_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_queue
    ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);

--
-- Name: job_schedule job_schedule_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_schedule
    ADD CONSTRAINT job_schedule_pkey PRIMARY KEY (name);

--
-- Name: qg_job_max_attempts max_attempts_in_range; Type: CHECK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER DOMAIN public.qg_job_max_attempts
    ADD CONSTRAINT max_attempts_in_range CHECK (public.fn_range_check('max_attempts'::text, (VALUE)::bigint, '[1,1001)'::int4range)) NOT VALID;

--
-- Name: CONSTRAINT max_attempts_in_range ON DOMAIN qg_job_max_attempts; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT max_attempts_in_range ON DOMAIN public.qg_job_max_attempts IS 'a job or retry policy allows from 1 to 1000 attempts: give max_attempts in that range';

--
-- Name: message_subject_registry message_subject_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.message_subject_registry
    ADD CONSTRAINT message_subject_registry_pkey PRIMARY KEY (subject_table);

--
-- Name: iu_outbound_route outbound_route_gate_key_once; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_outbound_route
    ADD CONSTRAINT outbound_route_gate_key_once UNIQUE (gate_key);

--
-- Name: CONSTRAINT outbound_route_gate_key_once ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT outbound_route_gate_key_once ON public.iu_outbound_route IS 'two route names that differ only in - . _ would share one gate: choose a name that differs in a letter or digit';

--
-- Name: qg_job_priority priority_in_range; Type: CHECK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER DOMAIN public.qg_job_priority
    ADD CONSTRAINT priority_in_range CHECK (public.fn_range_check('priority'::text, (VALUE)::bigint, '[-100,101)'::int4range)) NOT VALID;

--
-- Name: CONSTRAINT priority_in_range ON DOMAIN qg_job_priority; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT priority_in_range ON DOMAIN public.qg_job_priority IS 'a job''s priority is a whole number from -100 to 100 (higher is claimed first): give a priority in that range';

--
-- Name: queue_heartbeat queue_heartbeat_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.queue_heartbeat
    ADD CONSTRAINT queue_heartbeat_pkey PRIMARY KEY (executor_name);

--
-- Name: queue_metric_sample queue_metric_sample_once; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.queue_metric_sample
    ADD CONSTRAINT queue_metric_sample_once UNIQUE (sampled_at, queue_name);

--
-- Name: CONSTRAINT queue_metric_sample_once ON queue_metric_sample; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT queue_metric_sample_once ON public.queue_metric_sample IS 'a queue has one metrics sample per sampling minute: that minute is already sampled, so wait for the next one (fn_queue_metrics_sample does)';

--
-- Name: queue_metric_sample queue_metric_sample_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.queue_metric_sample
    ADD CONSTRAINT queue_metric_sample_pkey PRIMARY KEY (id);

--
-- Name: queue_state queue_state_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.queue_state
    ADD CONSTRAINT queue_state_pkey PRIMARY KEY (queue_name);

--
-- Name: job_queue released_attempts_in_range; Type: CHECK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE public.job_queue
    ADD CONSTRAINT released_attempts_in_range CHECK (((released_attempts >= 0) AND (released_attempts <= (attempts)::integer))) NOT VALID;

--
-- Name: CONSTRAINT released_attempts_in_range ON job_queue; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT released_attempts_in_range ON public.job_queue IS 'a job''s released claims number from 0 to its attempts: give claims back only with fn_job_release_many';

--
-- Name: retry_policy_registry retry_policy_registry_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.retry_policy_registry
    ADD CONSTRAINT retry_policy_registry_pkey PRIMARY KEY (code);

--
-- Name: iu_route_dead_letter route_dead_letter_once; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_dead_letter
    ADD CONSTRAINT route_dead_letter_once UNIQUE (event_id, route_id);

--
-- Name: CONSTRAINT route_dead_letter_once ON iu_route_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT route_dead_letter_once ON public.iu_route_dead_letter IS 'an event is dead-lettered once per route: triage or replay the existing dead letter instead';

--
-- Name: subject_message subject_message_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.subject_message
    ADD CONSTRAINT subject_message_pkey PRIMARY KEY (id);

--
-- Name: event_subscription subscription_unique; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_subscription
    ADD CONSTRAINT subscription_unique UNIQUE NULLS NOT DISTINCT (event_type, event_domain, event_stream, recipient_kind, recipient_ref);

--
-- Name: CONSTRAINT subscription_unique ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subscription_unique ON public.event_subscription IS 'this recipient already has this subscription: enable the existing one (fn_event_subscription_set_enabled) instead of adding another';

--
-- Name: workflow workflow_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow
    ADD CONSTRAINT workflow_pkey PRIMARY KEY (id);

--
-- Name: workflow_step_dependency workflow_step_dependency_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step_dependency
    ADD CONSTRAINT workflow_step_dependency_pkey PRIMARY KEY (step_id, depends_on_id);

--
-- Name: workflow_step workflow_step_name_unique; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step
    ADD CONSTRAINT workflow_step_name_unique UNIQUE (workflow_id, name);

--
-- Name: CONSTRAINT workflow_step_name_unique ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_name_unique ON public.workflow_step IS 'a step''s name is unique in its workflow';

--
-- Name: workflow_step workflow_step_pkey; Type: CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step
    ADD CONSTRAINT workflow_step_pkey PRIMARY KEY (id);

--
-- Name: admin_action_audit_action; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX admin_action_audit_action ON public.admin_action_audit USING btree (action, occurred_at DESC);

--
-- Name: admin_action_audit_actor; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX admin_action_audit_actor ON public.admin_action_audit USING btree (actor, occurred_at DESC);

--
-- Name: admin_action_audit_chain_no; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX admin_action_audit_chain_no ON public.admin_action_audit USING btree (chain_no);

--
-- Name: admin_action_audit_occurred_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX admin_action_audit_occurred_at ON public.admin_action_audit USING btree (occurred_at DESC);

--
-- Name: admin_action_audit_outcome; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX admin_action_audit_outcome ON public.admin_action_audit USING btree (outcome, occurred_at DESC);

--
-- Name: admin_action_audit_targets; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX admin_action_audit_targets ON public.admin_action_audit USING gin (target_ids);

--
-- Name: auth_group_name_a6ea08ec_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_group_name_a6ea08ec_like ON public.auth_group USING btree (name varchar_pattern_ops);

--
-- Name: auth_group_permissions_group_id_b120cbf9; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_group_permissions_group_id_b120cbf9 ON public.auth_group_permissions USING btree (group_id);

--
-- Name: auth_group_permissions_permission_id_84c5c92e; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_group_permissions_permission_id_84c5c92e ON public.auth_group_permissions USING btree (permission_id);

--
-- Name: auth_permission_content_type_id_2f476e4b; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_permission_content_type_id_2f476e4b ON public.auth_permission USING btree (content_type_id);

--
-- Name: auth_user_groups_group_id_97559544; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_user_groups_group_id_97559544 ON public.auth_user_groups USING btree (group_id);

--
-- Name: auth_user_groups_user_id_6a12ed8b; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_user_groups_user_id_6a12ed8b ON public.auth_user_groups USING btree (user_id);

--
-- Name: auth_user_user_permissions_permission_id_1fbb5f2c; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_user_user_permissions_permission_id_1fbb5f2c ON public.auth_user_user_permissions USING btree (permission_id);

--
-- Name: auth_user_user_permissions_user_id_a95ead1b; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_user_user_permissions_user_id_a95ead1b ON public.auth_user_user_permissions USING btree (user_id);

--
-- Name: auth_user_username_6821ab7c_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX auth_user_username_6821ab7c_like ON public.auth_user USING btree (username varchar_pattern_ops);

--
-- Name: axes_accessattempt_ip_address_10922d9c; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessattempt_ip_address_10922d9c ON public.axes_accessattempt USING btree (ip_address);

--
-- Name: axes_accessattempt_user_agent_ad89678b; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessattempt_user_agent_ad89678b ON public.axes_accessattempt USING btree (user_agent);

--
-- Name: axes_accessattempt_user_agent_ad89678b_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessattempt_user_agent_ad89678b_like ON public.axes_accessattempt USING btree (user_agent varchar_pattern_ops);

--
-- Name: axes_accessattempt_username_3f2d4ca0; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessattempt_username_3f2d4ca0 ON public.axes_accessattempt USING btree (username);

--
-- Name: axes_accessattempt_username_3f2d4ca0_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessattempt_username_3f2d4ca0_like ON public.axes_accessattempt USING btree (username varchar_pattern_ops);

--
-- Name: axes_accessfailurelog_ip_address_2e9f5a7f; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessfailurelog_ip_address_2e9f5a7f ON public.axes_accessfailurelog USING btree (ip_address);

--
-- Name: axes_accessfailurelog_user_agent_ea145dda; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessfailurelog_user_agent_ea145dda ON public.axes_accessfailurelog USING btree (user_agent);

--
-- Name: axes_accessfailurelog_user_agent_ea145dda_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessfailurelog_user_agent_ea145dda_like ON public.axes_accessfailurelog USING btree (user_agent varchar_pattern_ops);

--
-- Name: axes_accessfailurelog_username_a8b7e8a4; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessfailurelog_username_a8b7e8a4 ON public.axes_accessfailurelog USING btree (username);

--
-- Name: axes_accessfailurelog_username_a8b7e8a4_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accessfailurelog_username_a8b7e8a4_like ON public.axes_accessfailurelog USING btree (username varchar_pattern_ops);

--
-- Name: axes_accesslog_ip_address_86b417e5; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accesslog_ip_address_86b417e5 ON public.axes_accesslog USING btree (ip_address);

--
-- Name: axes_accesslog_user_agent_0e659004; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accesslog_user_agent_0e659004 ON public.axes_accesslog USING btree (user_agent);

--
-- Name: axes_accesslog_user_agent_0e659004_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accesslog_user_agent_0e659004_like ON public.axes_accesslog USING btree (user_agent varchar_pattern_ops);

--
-- Name: axes_accesslog_username_df93064b; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accesslog_username_df93064b ON public.axes_accesslog USING btree (username);

--
-- Name: axes_accesslog_username_df93064b_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX axes_accesslog_username_df93064b_like ON public.axes_accesslog USING btree (username varchar_pattern_ops);

--
-- Name: django_admin_log_content_type_id_c4bce8eb; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX django_admin_log_content_type_id_c4bce8eb ON public.django_admin_log USING btree (content_type_id);

--
-- Name: django_admin_log_user_id_c564eba6; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX django_admin_log_user_id_c564eba6 ON public.django_admin_log USING btree (user_id);

--
-- Name: django_session_expire_date_a5c62663; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX django_session_expire_date_a5c62663 ON public.django_session USING btree (expire_date);

--
-- Name: django_session_session_key_c0390e0f_like; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX django_session_session_key_c0390e0f_like ON public.django_session USING btree (session_key varchar_pattern_ops);

--
-- Name: dot_config_history_key_changed_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX dot_config_history_key_changed_at ON public.dot_config_history USING btree (key, changed_at DESC, id DESC);

--
-- Name: dot_iu_command_run_command; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX dot_iu_command_run_command ON public.dot_iu_command_run USING btree (command, started_at DESC);

--
-- Name: dot_iu_command_run_job; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX dot_iu_command_run_job ON public.dot_iu_command_run USING btree (job_id) WHERE (job_id IS NOT NULL);

--
-- Name: dot_iu_command_run_linked; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX dot_iu_command_run_linked ON public.dot_iu_command_run USING btree (linked_run_id) WHERE (linked_run_id IS NOT NULL);

--
-- Name: dot_iu_command_run_record; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX dot_iu_command_run_record ON public.dot_iu_command_run USING btree (record_id, id DESC);

--
-- Name: event_outbox_causation; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_causation ON ONLY public.event_outbox USING btree (causation_id) WHERE (causation_id IS NOT NULL);

--
-- Name: event_outbox_correlation; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_correlation ON ONLY public.event_outbox USING btree (correlation_id) WHERE (correlation_id IS NOT NULL);

--
-- Name: event_outbox_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_created ON ONLY public.event_outbox USING btree (created_at DESC);

--
-- Name: event_outbox_default_causation_id_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_causation_id_idx ON public.event_outbox_default USING btree (causation_id) WHERE (causation_id IS NOT NULL);

--
-- Name: event_outbox_default_correlation_id_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_correlation_id_idx ON public.event_outbox_default USING btree (correlation_id) WHERE (correlation_id IS NOT NULL);

--
-- Name: event_outbox_default_created_at_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_created_at_idx ON public.event_outbox_default USING btree (created_at DESC);

--
-- Name: event_outbox_domain_tx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_domain_tx ON ONLY public.event_outbox USING btree (event_domain, tx_id, id);

--
-- Name: event_outbox_default_event_domain_tx_id_id_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_event_domain_tx_id_id_idx ON public.event_outbox_default USING btree (event_domain, tx_id, id);

--
-- Name: event_outbox_subject_ref; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_subject_ref ON ONLY public.event_outbox USING btree (event_subject_ref) WHERE (event_subject_ref IS NOT NULL);

--
-- Name: event_outbox_default_event_subject_ref_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_event_subject_ref_idx ON public.event_outbox_default USING btree (event_subject_ref) WHERE (event_subject_ref IS NOT NULL);

--
-- Name: event_outbox_subject; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_subject ON ONLY public.event_outbox USING btree (event_subject_table, event_subject_ref) WHERE (event_subject_ref IS NOT NULL);

--
-- Name: event_outbox_default_event_subject_table_event_subject_ref_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_event_subject_table_event_subject_ref_idx ON public.event_outbox_default USING btree (event_subject_table, event_subject_ref) WHERE (event_subject_ref IS NOT NULL);

--
-- Name: event_outbox_type_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_type_created ON ONLY public.event_outbox USING btree (event_type, created_at DESC);

--
-- Name: event_outbox_default_event_type_created_at_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_event_type_created_at_idx ON public.event_outbox_default USING btree (event_type, created_at DESC);

--
-- Name: event_outbox_undelivered; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_undelivered ON ONLY public.event_outbox USING btree (id) WHERE (delivered_at IS NULL);

--
-- Name: event_outbox_default_id_idx; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_outbox_default_id_idx ON public.event_outbox_default USING btree (id) WHERE (delivered_at IS NULL);

--
-- Name: event_pending_processed; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_pending_processed ON public.event_pending USING btree (processed_at) WHERE (processed_at IS NOT NULL);

--
-- Name: event_pending_ready; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_pending_ready ON public.event_pending USING btree (id) WHERE ((processed_at IS NULL) AND (error_count = 0));

--
-- Name: event_pending_retrying; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_pending_retrying ON public.event_pending USING btree (id) WHERE ((processed_at IS NULL) AND (error_count > 0));

--
-- Name: event_pending_unprocessed; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_pending_unprocessed ON public.event_pending USING btree (event_type, stable_key, captured_at) WHERE (processed_at IS NULL);

--
-- Name: event_pending_unprocessed_id; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_pending_unprocessed_id ON public.event_pending USING btree (id) WHERE (processed_at IS NULL);

--
-- Name: event_read_event_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_read_event_created ON public.event_read USING btree (event_created_at);

--
-- Name: event_read_inbox; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_read_inbox ON public.event_read USING btree (recipient_kind, recipient_ref, read_at, event_id DESC);

--
-- Name: event_subject_key_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX event_subject_key_created ON public.event_subject_key USING btree (created_at);

--
-- Name: gate_change_request_one_pending_per_key; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX gate_change_request_one_pending_per_key ON public.gate_change_request USING btree (config_key) WHERE (status = 'pending'::text);

--
-- Name: gate_change_request_status; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX gate_change_request_status ON public.gate_change_request USING btree (status, requested_at DESC);

--
-- Name: human_task_assignee; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX human_task_assignee ON public.human_task USING btree (assignee_kind, assignee, status, id DESC);

--
-- Name: human_task_open_due; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX human_task_open_due ON public.human_task USING btree (due_at) WHERE ((status = ANY (ARRAY['open'::text, 'claimed'::text, 'started'::text])) AND (due_at IS NOT NULL) AND (overdue_raised_at IS NULL));

--
-- Name: human_task_open_subject; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX human_task_open_subject ON public.human_task USING btree (subject_table, subject_ref) WHERE (approves AND (status = ANY (ARRAY['open'::text, 'claimed'::text, 'started'::text])));

--
-- Name: INDEX human_task_open_subject; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON INDEX public.human_task_open_subject IS 'The open approvals of a subject, closed when it is decided on its own screen.';

--
-- Name: human_task_status; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX human_task_status ON public.human_task USING btree (status, id DESC);

--
-- Name: information_unit_current_section; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX information_unit_current_section ON public.information_unit USING btree (doc_code, section_code) WHERE (superseded_at IS NULL);

--
-- Name: information_unit_doc; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX information_unit_doc ON public.information_unit USING btree (doc_code, sort_order) WHERE (superseded_at IS NULL);

--
-- Name: information_unit_parent; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX information_unit_parent ON public.information_unit USING btree (parent_id) WHERE (parent_id IS NOT NULL);

--
-- Name: information_unit_run; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX information_unit_run ON public.information_unit USING btree (created_by_run_id, sort_order);

--
-- Name: iu_lifecycle_log_record; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_lifecycle_log_record ON public.iu_lifecycle_log USING btree (record_id, id);

--
-- Name: iu_route_attempt_event; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_route_attempt_event ON public.iu_route_attempt USING btree (event_id, route_id);

--
-- Name: iu_route_attempt_started; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_route_attempt_started ON public.iu_route_attempt USING btree (started_at DESC);

--
-- Name: iu_route_dead_letter_open; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_route_dead_letter_open ON public.iu_route_dead_letter USING btree (dead_at DESC) WHERE (triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]));

--
-- Name: iu_route_delivery_parked; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_route_delivery_parked ON public.iu_route_delivery USING btree (event_domain, next_attempt_at, event_id) WHERE (status = 'pending'::text);

--
-- Name: iu_route_delivery_subject_parked; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_route_delivery_subject_parked ON public.iu_route_delivery USING btree (route_id, subject_key, event_id) WHERE (status = 'pending'::text);

--
-- Name: iu_route_worker_cursor_one_per_domain; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX iu_route_worker_cursor_one_per_domain ON public.iu_route_worker_cursor USING btree (event_domain) WHERE enabled;

--
-- Name: INDEX iu_route_worker_cursor_one_per_domain; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON INDEX public.iu_route_worker_cursor_one_per_domain IS 'one enabled route worker cursor per domain: two workers would deliver each event twice; disable the other cursor first';

--
-- Name: iu_sql_event_route_dry_run_log_route; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_sql_event_route_dry_run_log_route ON public.iu_sql_event_route_dry_run_log USING btree (route_id, logged_at DESC);

--
-- Name: iu_sql_event_route_source; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_sql_event_route_source ON public.iu_sql_event_route USING btree (source_table, operation);

--
-- Name: iu_staging_record_doc; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_staging_record_doc ON public.iu_staging_record USING btree (doc_code, id DESC);

--
-- Name: iu_staging_record_lifecycle; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_staging_record_lifecycle ON public.iu_staging_record USING btree (lifecycle_status, expires_at);

--
-- Name: iu_staging_record_marked_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_staging_record_marked_at ON public.iu_staging_record USING btree (marked_at DESC);

--
-- Name: iu_staging_record_source; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_staging_record_source ON public.iu_staging_record USING btree (source_ref, id DESC);

--
-- Name: iu_vector_sync_point_behind; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_vector_sync_point_behind ON public.iu_vector_sync_point USING btree (wanted_at) WHERE (synced_version < wanted_version);

--
-- Name: iu_vector_sync_point_job; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX iu_vector_sync_point_job ON public.iu_vector_sync_point USING btree (job_id) WHERE (job_id IS NOT NULL);

--
-- Name: job_archive_archived_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_archive_archived_at ON public.job_archive USING btree (archived_at);

--
-- Name: job_archive_finished_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_archive_finished_at ON public.job_archive USING btree (finished_at);

--
-- Name: job_dead_letter_dead_at; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_dead_letter_dead_at ON public.job_dead_letter USING btree (dead_at);

--
-- Name: job_dead_letter_job; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_dead_letter_job ON public.job_dead_letter USING btree (job_id);

--
-- Name: job_dead_letter_open; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_dead_letter_open ON public.job_dead_letter USING btree (dead_at DESC) WHERE (triage_status = ANY (ARRAY['open'::text, 'manual_replay'::text]));

--
-- Name: job_queue_claim; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_claim ON public.job_queue USING btree (queue_name, priority DESC, run_at, id) WHERE ((status)::text = 'queued'::text);

--
-- Name: job_queue_correlation; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_correlation ON public.job_queue USING btree (correlation_id) WHERE (correlation_id IS NOT NULL);

--
-- Name: job_queue_finished; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_finished ON public.job_queue USING btree (finished_at) WHERE (finished_at IS NOT NULL);

--
-- Name: job_queue_idempotency_key; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX job_queue_idempotency_key ON public.job_queue USING btree (idempotency_key) WHERE (idempotency_key IS NOT NULL);

--
-- Name: job_queue_kind; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_kind ON public.job_queue USING btree (job_kind, id);

--
-- Name: job_queue_lease; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_lease ON public.job_queue USING btree (lease_until) WHERE ((status)::text = 'running'::text);

--
-- Name: job_queue_ready; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_ready ON public.job_queue USING btree (executor_class, priority DESC, run_at, id) WHERE ((status)::text = 'queued'::text);

--
-- Name: job_queue_status_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_queue_status_created ON public.job_queue USING btree (status, created_at DESC) WHERE ((status)::text = ANY (ARRAY['succeeded'::text, 'cancelled'::text, 'dead'::text]));

--
-- Name: job_schedule_due; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX job_schedule_due ON public.job_schedule USING btree (next_run_at) WHERE enabled;

--
-- Name: subject_message_subject; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX subject_message_subject ON public.subject_message USING btree (subject_table, subject_ref, id);

--
-- Name: subject_message_thread; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX subject_message_thread ON public.subject_message USING btree (thread_id, id);

--
-- Name: workflow_added_name; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX workflow_added_name ON public.workflow USING btree (added_by_job_id, name) WHERE (added_by_job_id IS NOT NULL);

--
-- Name: INDEX workflow_added_name; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON INDEX public.workflow_added_name IS 'One workflow per name per job: a re-run attempt adding the same name finds the one already added.';

--
-- Name: workflow_name; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX workflow_name ON public.workflow USING btree (name, id DESC);

--
-- Name: workflow_one_running_per_subject; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX workflow_one_running_per_subject ON public.workflow USING btree (subject_table, subject_ref) WHERE ((status = 'running'::text) AND (subject_table IS NOT NULL));

--
-- Name: INDEX workflow_one_running_per_subject; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON INDEX public.workflow_one_running_per_subject IS 'One running workflow per subject (a manifest has one review at a time).';

--
-- Name: workflow_parent_step; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX workflow_parent_step ON public.workflow USING btree (parent_step_id) WHERE (parent_step_id IS NOT NULL);

--
-- Name: workflow_status_created; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX workflow_status_created ON public.workflow USING btree (status, created_at DESC);

--
-- Name: workflow_step_child; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX workflow_step_child ON public.workflow_step USING btree (child_workflow_id) WHERE (child_workflow_id IS NOT NULL);

--
-- Name: workflow_step_dependency_depends_on; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE INDEX workflow_step_dependency_depends_on ON public.workflow_step_dependency USING btree (depends_on_id, step_id);

--
-- Name: workflow_step_job; Type: INDEX; Schema: public; Owner: queuegov_owner
--

CREATE UNIQUE INDEX workflow_step_job ON public.workflow_step USING btree (job_id) WHERE (job_id IS NOT NULL);

--
-- Name: event_outbox_default_causation_id_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_causation ATTACH PARTITION public.event_outbox_default_causation_id_idx;

--
-- Name: event_outbox_default_correlation_id_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_correlation ATTACH PARTITION public.event_outbox_default_correlation_id_idx;

--
-- Name: event_outbox_default_created_at_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_created ATTACH PARTITION public.event_outbox_default_created_at_idx;

--
-- Name: event_outbox_default_event_domain_tx_id_id_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_domain_tx ATTACH PARTITION public.event_outbox_default_event_domain_tx_id_id_idx;

--
-- Name: event_outbox_default_event_subject_ref_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_subject_ref ATTACH PARTITION public.event_outbox_default_event_subject_ref_idx;

--
-- Name: event_outbox_default_event_subject_table_event_subject_ref_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_subject ATTACH PARTITION public.event_outbox_default_event_subject_table_event_subject_ref_idx;

--
-- Name: event_outbox_default_event_type_created_at_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_type_created ATTACH PARTITION public.event_outbox_default_event_type_created_at_idx;

--
-- Name: event_outbox_default_id_idx; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_undelivered ATTACH PARTITION public.event_outbox_default_id_idx;

--
-- Name: event_outbox_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: queuegov_owner
--

ALTER INDEX public.event_outbox_pkey ATTACH PARTITION public.event_outbox_default_pkey;

--
-- Name: v_iu_auto_instantiate_event_summary _RETURN; Type: RULE; Schema: public; Owner: queuegov_owner
--

CREATE OR REPLACE VIEW public.v_iu_auto_instantiate_event_summary AS
 SELECT r.id AS route_id,
    r.route_name,
    r.event_type AS route_event_type,
    r.action_kind,
    r.target,
    r.enabled,
    r.dry_run,
    count(d.event_id) AS deliveries,
    count(d.event_id) FILTER (WHERE (d.status = 'succeeded'::text)) AS succeeded,
    count(d.event_id) FILTER (WHERE (d.status = 'pending'::text)) AS parked,
    count(d.event_id) FILTER (WHERE (d.status = 'dry_run'::text)) AS dry_run_deliveries,
    count(d.event_id) FILTER (WHERE (d.status = 'dead_lettered'::text)) AS dead_lettered,
    max(d.updated_at) AS last_delivery_at
   FROM (public.iu_outbound_route r
     LEFT JOIN public.iu_route_delivery d ON ((d.route_id = r.id)))
  GROUP BY r.id;

--
-- Name: admin_action_audit admin_action_audit_chain_link; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER admin_action_audit_chain_link BEFORE INSERT ON public.admin_action_audit FOR EACH ROW EXECUTE FUNCTION public.fn_audit_chain_link();

--
-- Name: consumer_registry consumer_registry_class_follow; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER consumer_registry_class_follow AFTER UPDATE OF executor_class ON public.consumer_registry FOR EACH ROW WHEN ((old.executor_class IS DISTINCT FROM new.executor_class)) EXECUTE FUNCTION public.fn_consumer_class_follow();

--
-- Name: dot_config dot_config_event_type_follow; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER dot_config_event_type_follow AFTER UPDATE OF value ON public.dot_config FOR EACH ROW WHEN ((new.key ~~ 'event.type.%'::text)) EXECUTE FUNCTION public.fn_event_type_follow_gate();

--
-- Name: dot_config dot_config_history_capture; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER dot_config_history_capture AFTER INSERT OR DELETE OR UPDATE OF value ON public.dot_config FOR EACH ROW EXECUTE FUNCTION public.fn_config_history_capture();

--
-- Name: dot_config dot_config_outbound_route_follow; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER dot_config_outbound_route_follow AFTER UPDATE OF value ON public.dot_config FOR EACH ROW WHEN ((new.key ~~ 'event.outbound\_route.%'::text)) EXECUTE FUNCTION public.fn_iu_outbound_route_follow_gate();

--
-- Name: dot_config dot_config_sql_route_follow; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER dot_config_sql_route_follow AFTER UPDATE OF value ON public.dot_config FOR EACH ROW WHEN ((new.key ~~ 'event.sql\_route.%'::text)) EXECUTE FUNCTION public.fn_sql_event_route_follow_gate();

--
-- Name: event_type_registry event_type_registry_kept; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER event_type_registry_kept BEFORE DELETE OR UPDATE OF event_type ON public.event_type_registry FOR EACH ROW EXECUTE FUNCTION public.fn_registry_row_kept('event_type', 'retire the type instead (status retired)', 'captures and events');

--
-- Name: gate_change_request gate_change_request_closes_approvals; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER gate_change_request_closes_approvals AFTER UPDATE OF status ON public.gate_change_request FOR EACH ROW WHEN (((old.status = 'pending'::text) AND (new.status IS DISTINCT FROM 'pending'::text))) EXECUTE FUNCTION public.fn_task_subject_decided();

--
-- Name: information_unit information_unit_vector_sync; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE CONSTRAINT TRIGGER information_unit_vector_sync AFTER INSERT OR UPDATE OF superseded_at ON public.information_unit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.fn_iu_vector_sync_capture();

--
-- Name: job_dead_letter iu_event_capture_delete; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_event_capture_delete AFTER DELETE ON public.job_dead_letter REFERENCING OLD TABLE AS qg_rows FOR EACH STATEMENT EXECUTE FUNCTION public.fn_event_capture_trigger();

--
-- Name: job_dead_letter iu_event_capture_insert; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_event_capture_insert AFTER INSERT ON public.job_dead_letter REFERENCING NEW TABLE AS qg_rows FOR EACH STATEMENT EXECUTE FUNCTION public.fn_event_capture_trigger();

--
-- Name: job_dead_letter iu_event_capture_update; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_event_capture_update AFTER UPDATE ON public.job_dead_letter REFERENCING NEW TABLE AS qg_rows FOR EACH STATEMENT EXECUTE FUNCTION public.fn_event_capture_trigger();

--
-- Name: iu_outbound_route iu_outbound_route_kept; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_outbound_route_kept BEFORE DELETE OR UPDATE OF id ON public.iu_outbound_route FOR EACH ROW EXECUTE FUNCTION public.fn_registry_row_kept('id', 'disable the route instead (fn_iu_outbound_route_set)', 'its attempts and deliveries');

--
-- Name: iu_outbound_route iu_outbound_route_kind_check; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_outbound_route_kind_check BEFORE INSERT OR UPDATE ON public.iu_outbound_route FOR EACH ROW WHEN ((new.action_kind = 'enqueue_job'::text)) EXECUTE FUNCTION public.fn_iu_outbound_route_kind_check();

--
-- Name: iu_outbound_route iu_outbound_route_live_check; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_outbound_route_live_check BEFORE INSERT OR UPDATE ON public.iu_outbound_route FOR EACH ROW EXECUTE FUNCTION public.fn_iu_outbound_route_live_check();

--
-- Name: iu_staging_payload iu_staging_payload_delete_guard; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_staging_payload_delete_guard BEFORE DELETE ON public.iu_staging_payload FOR EACH ROW EXECUTE FUNCTION public.fn_iu_staging_payload_delete_guard();

--
-- Name: iu_staging_record iu_staging_record_closes_approvals; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_staging_record_closes_approvals AFTER UPDATE OF lifecycle_status ON public.iu_staging_record FOR EACH ROW WHEN (((old.lifecycle_status = 'pending_review'::text) AND (new.lifecycle_status IS DISTINCT FROM 'pending_review'::text))) EXECUTE FUNCTION public.fn_task_subject_decided();

--
-- Name: iu_staging_record iu_staging_record_lifecycle_log_insert; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_staging_record_lifecycle_log_insert AFTER INSERT ON public.iu_staging_record FOR EACH ROW EXECUTE FUNCTION public.fn_iu_lifecycle_log_capture();

--
-- Name: iu_staging_record iu_staging_record_lifecycle_log_update; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_staging_record_lifecycle_log_update AFTER UPDATE OF lifecycle_status ON public.iu_staging_record FOR EACH ROW WHEN ((old.lifecycle_status IS DISTINCT FROM new.lifecycle_status)) EXECUTE FUNCTION public.fn_iu_lifecycle_log_capture();

--
-- Name: iu_staging_record iu_staging_record_touch; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER iu_staging_record_touch BEFORE UPDATE ON public.iu_staging_record FOR EACH ROW EXECUTE FUNCTION public.fn_iu_staging_record_touch();

--
-- Name: job_queue job_queue_stamp_class; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER job_queue_stamp_class BEFORE INSERT ON public.job_queue FOR EACH ROW WHEN ((new.executor_class IS NULL)) EXECUTE FUNCTION public.fn_job_queue_stamp_class();

--
-- Name: job_queue job_queue_workflow_step_finished; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER job_queue_workflow_step_finished AFTER UPDATE OF status ON public.job_queue FOR EACH ROW WHEN (((new.workflow_step_id IS NOT NULL) AND ((new.status)::text = ANY (ARRAY['succeeded'::text, 'dead'::text, 'cancelled'::text])) AND ((old.status)::text IS DISTINCT FROM (new.status)::text))) EXECUTE FUNCTION public.fn_workflow_job_finished();

--
-- Name: job_schedule job_schedule_next_slot; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER job_schedule_next_slot BEFORE INSERT OR UPDATE ON public.job_schedule FOR EACH ROW EXECUTE FUNCTION public.fn_job_schedule_next_slot();

--
-- Name: admin_action_audit pgtrigger_audit_append_only_ca27b; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_audit_append_only_ca27b BEFORE DELETE OR UPDATE ON public.admin_action_audit FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_audit_append_only_ca27b();

--
-- Name: TRIGGER pgtrigger_audit_append_only_ca27b ON admin_action_audit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_audit_append_only_ca27b ON public.admin_action_audit IS 'b08c1c0359ff05eb38b494a56cf2bea6d74e8a77';

--
-- Name: admin_action_audit pgtrigger_audit_no_truncate_a2402; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_audit_no_truncate_a2402 BEFORE TRUNCATE ON public.admin_action_audit FOR EACH STATEMENT EXECUTE FUNCTION public.pgtrigger_audit_no_truncate_a2402();

--
-- Name: TRIGGER pgtrigger_audit_no_truncate_a2402 ON admin_action_audit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_audit_no_truncate_a2402 ON public.admin_action_audit IS 'ce5c100c4f8e4fda903858471ffa46516660699c';

--
-- Name: dot_config_history pgtrigger_config_history_append_only_3bbb3; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_config_history_append_only_3bbb3 BEFORE DELETE OR UPDATE ON public.dot_config_history FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_config_history_append_only_3bbb3();

--
-- Name: TRIGGER pgtrigger_config_history_append_only_3bbb3 ON dot_config_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_config_history_append_only_3bbb3 ON public.dot_config_history IS 'f1a977e28e7b230da92cc49cee2ece4b2f72e2d1';

--
-- Name: dot_config_history pgtrigger_config_history_no_truncate_8ae14; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_config_history_no_truncate_8ae14 BEFORE TRUNCATE ON public.dot_config_history FOR EACH STATEMENT EXECUTE FUNCTION public.pgtrigger_config_history_no_truncate_8ae14();

--
-- Name: TRIGGER pgtrigger_config_history_no_truncate_8ae14 ON dot_config_history; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_config_history_no_truncate_8ae14 ON public.dot_config_history IS 'de73a518604c3bb40b7d4147198fd82ec5ad8121';

--
-- Name: dot_config pgtrigger_dot_config_four_eyes_only_b6044; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_dot_config_four_eyes_only_b6044 BEFORE INSERT OR DELETE OR UPDATE ON public.dot_config FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_dot_config_four_eyes_only_b6044();

--
-- Name: TRIGGER pgtrigger_dot_config_four_eyes_only_b6044 ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_dot_config_four_eyes_only_b6044 ON public.dot_config IS '4f41e60cb219075e2568ce34e71db98437e55a17';

--
-- Name: dot_config pgtrigger_dot_config_no_truncate_cbd54; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_dot_config_no_truncate_cbd54 BEFORE TRUNCATE ON public.dot_config FOR EACH STATEMENT EXECUTE FUNCTION public.pgtrigger_dot_config_no_truncate_cbd54();

--
-- Name: TRIGGER pgtrigger_dot_config_no_truncate_cbd54 ON dot_config; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_dot_config_no_truncate_cbd54 ON public.dot_config IS '7344e6f1f43666d65e1e9ceed4e2ae255682c785';

--
-- Name: gate_change_request pgtrigger_gate_change_request_born_pending_7a81b; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_gate_change_request_born_pending_7a81b BEFORE INSERT ON public.gate_change_request FOR EACH ROW WHEN ((new.status IS DISTINCT FROM 'pending'::text)) EXECUTE FUNCTION public.pgtrigger_gate_change_request_born_pending_7a81b();

--
-- Name: TRIGGER pgtrigger_gate_change_request_born_pending_7a81b ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_gate_change_request_born_pending_7a81b ON public.gate_change_request IS 'd8481729be3a7c9a46969f85d56c3a92e3a300ed';

--
-- Name: gate_change_request pgtrigger_gate_change_request_immutable_1f9ec; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_gate_change_request_immutable_1f9ec BEFORE UPDATE ON public.gate_change_request FOR EACH ROW WHEN (((old.id IS DISTINCT FROM new.id) OR (old.config_key IS DISTINCT FROM new.config_key) OR (old.old_value IS DISTINCT FROM new.old_value) OR (old.new_value IS DISTINCT FROM new.new_value) OR (old.reason IS DISTINCT FROM new.reason) OR (old.requested_by IS DISTINCT FROM new.requested_by) OR (old.requested_at IS DISTINCT FROM new.requested_at))) EXECUTE FUNCTION public.pgtrigger_gate_change_request_immutable_1f9ec();

--
-- Name: TRIGGER pgtrigger_gate_change_request_immutable_1f9ec ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_gate_change_request_immutable_1f9ec ON public.gate_change_request IS '461ae88e97510c3c5c55b65401322a4bf8410508';

--
-- Name: gate_change_request pgtrigger_gate_change_request_no_delete_e9b9f; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_gate_change_request_no_delete_e9b9f BEFORE DELETE ON public.gate_change_request FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_gate_change_request_no_delete_e9b9f();

--
-- Name: TRIGGER pgtrigger_gate_change_request_no_delete_e9b9f ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_gate_change_request_no_delete_e9b9f ON public.gate_change_request IS 'b184d45c1d31d6852db7fcd74f559c2cccef6c31';

--
-- Name: gate_change_request pgtrigger_gate_change_request_no_truncate_587e3; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_gate_change_request_no_truncate_587e3 BEFORE TRUNCATE ON public.gate_change_request FOR EACH STATEMENT EXECUTE FUNCTION public.pgtrigger_gate_change_request_no_truncate_587e3();

--
-- Name: TRIGGER pgtrigger_gate_change_request_no_truncate_587e3 ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_gate_change_request_no_truncate_587e3 ON public.gate_change_request IS 'c0475b45411a8f19ea99c5429b1394fea9c12a79';

--
-- Name: gate_change_request pgtrigger_gate_change_status_fsm_5af16; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_gate_change_status_fsm_5af16 BEFORE UPDATE ON public.gate_change_request FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_gate_change_status_fsm_5af16();

--
-- Name: TRIGGER pgtrigger_gate_change_status_fsm_5af16 ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_gate_change_status_fsm_5af16 ON public.gate_change_request IS 'd02617671751d1a313b3054224730e82723cdc42';

--
-- Name: dot_iu_command_run pgtrigger_iu_command_run_finished_immutable_8aaaa; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_command_run_finished_immutable_8aaaa BEFORE UPDATE ON public.dot_iu_command_run FOR EACH ROW WHEN ((old.finished_at IS NOT NULL)) EXECUTE FUNCTION public.pgtrigger_iu_command_run_finished_immutable_8aaaa();

--
-- Name: TRIGGER pgtrigger_iu_command_run_finished_immutable_8aaaa ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_command_run_finished_immutable_8aaaa ON public.dot_iu_command_run IS 'c1bc8552726be3a741e95dcae3d1c27307c9c6b2';

--
-- Name: dot_iu_command_run pgtrigger_iu_command_run_no_delete_05fdf; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_command_run_no_delete_05fdf BEFORE DELETE ON public.dot_iu_command_run FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_iu_command_run_no_delete_05fdf();

--
-- Name: TRIGGER pgtrigger_iu_command_run_no_delete_05fdf ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_command_run_no_delete_05fdf ON public.dot_iu_command_run IS 'a99cf44a8543862d9d9cddb535653e17c33736d2';

--
-- Name: iu_lifecycle_log pgtrigger_iu_lifecycle_log_append_only_e7ddf; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_lifecycle_log_append_only_e7ddf BEFORE DELETE OR UPDATE ON public.iu_lifecycle_log FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_iu_lifecycle_log_append_only_e7ddf();

--
-- Name: TRIGGER pgtrigger_iu_lifecycle_log_append_only_e7ddf ON iu_lifecycle_log; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_lifecycle_log_append_only_e7ddf ON public.iu_lifecycle_log IS '846c063ee9c257c1f3d4cfaff77adfc3b07bcc68';

--
-- Name: iu_staging_record pgtrigger_iu_staging_lifecycle_fsm_e7547; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_staging_lifecycle_fsm_e7547 BEFORE UPDATE ON public.iu_staging_record FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_iu_staging_lifecycle_fsm_e7547();

--
-- Name: TRIGGER pgtrigger_iu_staging_lifecycle_fsm_e7547 ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_staging_lifecycle_fsm_e7547 ON public.iu_staging_record IS 'e39f6c56a823dfa1f0079faeefbbe5c4a11307f8';

--
-- Name: iu_staging_payload pgtrigger_iu_staging_payload_immutable_b1577; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_staging_payload_immutable_b1577 BEFORE UPDATE ON public.iu_staging_payload FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_iu_staging_payload_immutable_b1577();

--
-- Name: TRIGGER pgtrigger_iu_staging_payload_immutable_b1577 ON iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_staging_payload_immutable_b1577 ON public.iu_staging_payload IS '47213063c6a31971c0fc3df818b2aa2d631ed7ba';

--
-- Name: iu_staging_record pgtrigger_iu_staging_record_born_pending_3c6ca; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_staging_record_born_pending_3c6ca BEFORE INSERT ON public.iu_staging_record FOR EACH ROW WHEN ((new.lifecycle_status IS DISTINCT FROM 'pending_review'::text)) EXECUTE FUNCTION public.pgtrigger_iu_staging_record_born_pending_3c6ca();

--
-- Name: TRIGGER pgtrigger_iu_staging_record_born_pending_3c6ca ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_staging_record_born_pending_3c6ca ON public.iu_staging_record IS '3b1734e9ac426e3e6896a9be65ed32e07374a655';

--
-- Name: iu_staging_record pgtrigger_iu_staging_record_marked_immutable_7b17d; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_staging_record_marked_immutable_7b17d BEFORE UPDATE ON public.iu_staging_record FOR EACH ROW WHEN (((old.id IS DISTINCT FROM new.id) OR (old.idempotency_key IS DISTINCT FROM new.idempotency_key) OR (old.content_hash IS DISTINCT FROM new.content_hash) OR (old.source_kind IS DISTINCT FROM new.source_kind) OR (old.source_ref IS DISTINCT FROM new.source_ref) OR (old.source_hash IS DISTINCT FROM new.source_hash) OR (old.source_bytes IS DISTINCT FROM new.source_bytes) OR (old.doc_code IS DISTINCT FROM new.doc_code) OR (old.piece_count IS DISTINCT FROM new.piece_count) OR (old.digest IS DISTINCT FROM new.digest) OR (old.vector_excluded IS DISTINCT FROM new.vector_excluded) OR (old.marked_by IS DISTINCT FROM new.marked_by) OR (old.marked_at IS DISTINCT FROM new.marked_at) OR (old.expires_at IS DISTINCT FROM new.expires_at))) EXECUTE FUNCTION public.pgtrigger_iu_staging_record_marked_immutable_7b17d();

--
-- Name: TRIGGER pgtrigger_iu_staging_record_marked_immutable_7b17d ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_staging_record_marked_immutable_7b17d ON public.iu_staging_record IS 'fe9cdb4cc08fdb554e025172f3e23460d1e47a4c';

--
-- Name: iu_staging_record pgtrigger_iu_staging_record_no_delete_6faa7; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_iu_staging_record_no_delete_6faa7 BEFORE DELETE ON public.iu_staging_record FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_iu_staging_record_no_delete_6faa7();

--
-- Name: TRIGGER pgtrigger_iu_staging_record_no_delete_6faa7 ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_iu_staging_record_no_delete_6faa7 ON public.iu_staging_record IS '3c1c06a02ee8c41b57e34ecbf9771354233d8652';

--
-- Name: job_dead_letter pgtrigger_job_dead_letter_triage_fsm_c8bac; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_job_dead_letter_triage_fsm_c8bac BEFORE UPDATE ON public.job_dead_letter FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_job_dead_letter_triage_fsm_c8bac();

--
-- Name: TRIGGER pgtrigger_job_dead_letter_triage_fsm_c8bac ON job_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_job_dead_letter_triage_fsm_c8bac ON public.job_dead_letter IS '4a28027638e7ea42254c5d81a9cfb0baed745a78';

--
-- Name: iu_route_dead_letter pgtrigger_route_dead_letter_triage_fsm_39413; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER pgtrigger_route_dead_letter_triage_fsm_39413 BEFORE UPDATE ON public.iu_route_dead_letter FOR EACH ROW EXECUTE FUNCTION public.pgtrigger_route_dead_letter_triage_fsm_39413();

--
-- Name: TRIGGER pgtrigger_route_dead_letter_triage_fsm_39413 ON iu_route_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON TRIGGER pgtrigger_route_dead_letter_triage_fsm_39413 ON public.iu_route_dead_letter IS '0bf5420101d23344037b619fd043107dcfcd9057';

--
-- Name: queue_state queue_state_kept; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER queue_state_kept BEFORE DELETE OR UPDATE OF queue_name ON public.queue_state FOR EACH ROW EXECUTE FUNCTION public.fn_registry_row_kept('queue_name', 'pause the queue instead');

--
-- Name: retry_policy_registry retry_policy_registry_kept; Type: TRIGGER; Schema: public; Owner: queuegov_owner
--

CREATE TRIGGER retry_policy_registry_kept BEFORE DELETE OR UPDATE OF code ON public.retry_policy_registry FOR EACH ROW EXECUTE FUNCTION public.fn_registry_row_kept('code', 'retire the policy instead (status retired)');

--
-- Name: auth_group_permissions auth_group_permissio_permission_id_84c5c92e_fk_auth_perm; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissio_permission_id_84c5c92e_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES public.auth_permission(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_group_permissions auth_group_permissions_group_id_b120cbf9_fk_auth_group_id; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_b120cbf9_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES public.auth_group(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_permission auth_permission_content_type_id_2f476e4b_fk_django_co; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_2f476e4b_fk_django_co FOREIGN KEY (content_type_id) REFERENCES public.django_content_type(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_user_groups auth_user_groups_group_id_97559544_fk_auth_group_id; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_group_id_97559544_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES public.auth_group(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_user_groups auth_user_groups_user_id_6a12ed8b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_user_id_6a12ed8b_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_user_user_permissions auth_user_user_permi_permission_id_1fbb5f2c_fk_auth_perm; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permi_permission_id_1fbb5f2c_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES public.auth_permission(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: auth_user_user_permissions auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: axes_accessattemptexpiration axes_accessattemptex_access_attempt_id_6b73a47a_fk_axes_acce; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.axes_accessattemptexpiration
    ADD CONSTRAINT axes_accessattemptex_access_attempt_id_6b73a47a_fk_axes_acce FOREIGN KEY (access_attempt_id) REFERENCES public.axes_accessattempt(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: consumer_registry consumer_registry_executor_class_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.consumer_registry
    ADD CONSTRAINT consumer_registry_executor_class_fkey FOREIGN KEY (executor_class) REFERENCES public.executor_class_registry(code);

--
-- Name: CONSTRAINT consumer_registry_executor_class_fkey ON consumer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT consumer_registry_executor_class_fkey ON public.consumer_registry IS 'a job kind runs on an executor class listed in executor_class_registry: name one of the registered classes (fn_consumer_register)';

--
-- Name: consumer_registry consumer_registry_retry_policy_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.consumer_registry
    ADD CONSTRAINT consumer_registry_retry_policy_fkey FOREIGN KEY (retry_policy) REFERENCES public.retry_policy_registry(code);

--
-- Name: CONSTRAINT consumer_registry_retry_policy_fkey ON consumer_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT consumer_registry_retry_policy_fkey ON public.consumer_registry IS 'a job kind''s retry policy is one listed in retry_policy_registry: name one of the registered policies, such as default, linear, fixed or no_retry';

--
-- Name: django_admin_log django_admin_log_content_type_id_c4bce8eb_fk_django_co; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_content_type_id_c4bce8eb_fk_django_co FOREIGN KEY (content_type_id) REFERENCES public.django_content_type(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: django_admin_log django_admin_log_user_id_c564eba6_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_user_id_c564eba6_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: dot_iu_command_run dot_iu_command_run_command_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_command_run
    ADD CONSTRAINT dot_iu_command_run_command_fkey FOREIGN KEY (command) REFERENCES public.dot_iu_command_catalog(command);

--
-- Name: CONSTRAINT dot_iu_command_run_command_fkey ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dot_iu_command_run_command_fkey ON public.dot_iu_command_run IS 'a run names a command listed in dot_iu_command_catalog: use a catalogued command such as mark_file, verify_mark, reject, cut, verify_cut or cleanup';

--
-- Name: dot_iu_command_run dot_iu_command_run_linked_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_command_run
    ADD CONSTRAINT dot_iu_command_run_linked_run_id_fkey FOREIGN KEY (linked_run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT dot_iu_command_run_linked_run_id_fkey ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dot_iu_command_run_linked_run_id_fkey ON public.dot_iu_command_run IS 'a run links only to an existing run: check the linked run id';

--
-- Name: dot_iu_command_run dot_iu_command_run_record_fk; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_command_run
    ADD CONSTRAINT dot_iu_command_run_record_fk FOREIGN KEY (record_id) REFERENCES public.iu_staging_record(id);

--
-- Name: CONSTRAINT dot_iu_command_run_record_fk ON dot_iu_command_run; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dot_iu_command_run_record_fk ON public.dot_iu_command_run IS 'a run names an existing staging record: check the record id';

--
-- Name: dot_iu_runtime_lease dot_iu_runtime_lease_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.dot_iu_runtime_lease
    ADD CONSTRAINT dot_iu_runtime_lease_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT dot_iu_runtime_lease_run_id_fkey ON dot_iu_runtime_lease; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT dot_iu_runtime_lease_run_id_fkey ON public.dot_iu_runtime_lease IS 'a runtime lease is held by an existing run: check the run id';

--
-- Name: event_subscription event_subscription_event_domain_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_subscription
    ADD CONSTRAINT event_subscription_event_domain_fkey FOREIGN KEY (event_domain) REFERENCES public.event_domain_registry(event_domain);

--
-- Name: CONSTRAINT event_subscription_event_domain_fkey ON event_subscription; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_subscription_event_domain_fkey ON public.event_subscription IS 'a subscription''s event domain must be registered in event_domain_registry: pick a registered domain or check its spelling';

--
-- Name: event_type_registry event_type_registry_event_domain_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.event_type_registry
    ADD CONSTRAINT event_type_registry_event_domain_fkey FOREIGN KEY (event_domain) REFERENCES public.event_domain_registry(event_domain);

--
-- Name: CONSTRAINT event_type_registry_event_domain_fkey ON event_type_registry; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT event_type_registry_event_domain_fkey ON public.event_type_registry IS 'an event type''s domain must be registered in event_domain_registry first: pick a registered domain or check its spelling';

--
-- Name: gate_change_request gate_change_request_config_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.gate_change_request
    ADD CONSTRAINT gate_change_request_config_key_fkey FOREIGN KEY (config_key) REFERENCES public.dot_config(key);

--
-- Name: CONSTRAINT gate_change_request_config_key_fkey ON gate_change_request; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT gate_change_request_config_key_fkey ON public.gate_change_request IS 'a gate change names a gate or setting that exists in dot_config: check the key''s spelling (new keys come with migrations)';

--
-- Name: human_task_decision human_task_decision_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task_decision
    ADD CONSTRAINT human_task_decision_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.human_task(id);

--
-- Name: CONSTRAINT human_task_decision_task_id_fkey ON human_task_decision; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_decision_task_id_fkey ON public.human_task_decision IS 'a decision is on a task';

--
-- Name: human_task human_task_workflow_step_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.human_task
    ADD CONSTRAINT human_task_workflow_step_id_fkey FOREIGN KEY (workflow_step_id) REFERENCES public.workflow_step(id);

--
-- Name: CONSTRAINT human_task_workflow_step_id_fkey ON human_task; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT human_task_workflow_step_id_fkey ON public.human_task IS 'a task of a workflow names its step';

--
-- Name: information_unit information_unit_consumed_from_record_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT information_unit_consumed_from_record_id_fkey FOREIGN KEY (consumed_from_record_id) REFERENCES public.iu_staging_record(id);

--
-- Name: CONSTRAINT information_unit_consumed_from_record_id_fkey ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT information_unit_consumed_from_record_id_fkey ON public.information_unit IS 'an information unit comes from an existing staging record: units are made by cutting an approved manifest (fn_iu_op_cut)';

--
-- Name: information_unit information_unit_created_by_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT information_unit_created_by_run_id_fkey FOREIGN KEY (created_by_run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT information_unit_created_by_run_id_fkey ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT information_unit_created_by_run_id_fkey ON public.information_unit IS 'an information unit names the existing run that created it: units are made by cutting an approved manifest (fn_iu_op_cut)';

--
-- Name: information_unit information_unit_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT information_unit_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.information_unit(id);

--
-- Name: CONSTRAINT information_unit_parent_id_fkey ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT information_unit_parent_id_fkey ON public.information_unit IS 'an information unit''s parent is an existing unit: check the parent id';

--
-- Name: information_unit information_unit_superseded_by_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.information_unit
    ADD CONSTRAINT information_unit_superseded_by_run_id_fkey FOREIGN KEY (superseded_by_run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT information_unit_superseded_by_run_id_fkey ON information_unit; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT information_unit_superseded_by_run_id_fkey ON public.information_unit IS 'an information unit is superseded by an existing run: check the run id';

--
-- Name: iu_lifecycle_log iu_lifecycle_log_record_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_lifecycle_log
    ADD CONSTRAINT iu_lifecycle_log_record_id_fkey FOREIGN KEY (record_id) REFERENCES public.iu_staging_record(id);

--
-- Name: CONSTRAINT iu_lifecycle_log_record_id_fkey ON iu_lifecycle_log; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_lifecycle_log_record_id_fkey ON public.iu_lifecycle_log IS 'a lifecycle log row names an existing staging record: the lifecycle trigger writes these rows, check the record id';

--
-- Name: iu_lifecycle_log iu_lifecycle_log_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_lifecycle_log
    ADD CONSTRAINT iu_lifecycle_log_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT iu_lifecycle_log_run_id_fkey ON iu_lifecycle_log; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_lifecycle_log_run_id_fkey ON public.iu_lifecycle_log IS 'a lifecycle log row names an existing run, or none: check the run id';

--
-- Name: iu_outbound_route iu_outbound_route_retry_policy_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_outbound_route
    ADD CONSTRAINT iu_outbound_route_retry_policy_fkey FOREIGN KEY (retry_policy) REFERENCES public.retry_policy_registry(code);

--
-- Name: CONSTRAINT iu_outbound_route_retry_policy_fkey ON iu_outbound_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_outbound_route_retry_policy_fkey ON public.iu_outbound_route IS 'a route''s retry policy is one of retry_policy_registry: name an existing policy, or none for the event.retry.* defaults';

--
-- Name: iu_route_dead_letter iu_route_dead_letter_route_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_dead_letter
    ADD CONSTRAINT iu_route_dead_letter_route_id_fkey FOREIGN KEY (route_id) REFERENCES public.iu_outbound_route(id);

--
-- Name: CONSTRAINT iu_route_dead_letter_route_id_fkey ON iu_route_dead_letter; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_route_dead_letter_route_id_fkey ON public.iu_route_dead_letter IS 'a route dead letter belongs to an existing outbound route: the route worker writes dead letters, check the route id';

--
-- Name: iu_route_worker_cursor iu_route_worker_cursor_event_domain_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_route_worker_cursor
    ADD CONSTRAINT iu_route_worker_cursor_event_domain_fkey FOREIGN KEY (event_domain) REFERENCES public.event_domain_registry(event_domain);

--
-- Name: CONSTRAINT iu_route_worker_cursor_event_domain_fkey ON iu_route_worker_cursor; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_route_worker_cursor_event_domain_fkey ON public.iu_route_worker_cursor IS 'a route worker drains an event domain registered in event_domain_registry: register the domain first, or check its spelling';

--
-- Name: iu_sql_event_route_dry_run_log iu_sql_event_route_dry_run_log_route_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route_dry_run_log
    ADD CONSTRAINT iu_sql_event_route_dry_run_log_route_id_fkey FOREIGN KEY (route_id) REFERENCES public.iu_sql_event_route(id);

--
-- Name: CONSTRAINT iu_sql_event_route_dry_run_log_route_id_fkey ON iu_sql_event_route_dry_run_log; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_sql_event_route_dry_run_log_route_id_fkey ON public.iu_sql_event_route_dry_run_log IS 'a dry-run log row belongs to an existing SQL event route: the capture trigger writes these rows, check the route id';

--
-- Name: iu_sql_event_route iu_sql_event_route_target_event_type_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_sql_event_route
    ADD CONSTRAINT iu_sql_event_route_target_event_type_fkey FOREIGN KEY (target_event_type) REFERENCES public.event_type_registry(event_type);

--
-- Name: CONSTRAINT iu_sql_event_route_target_event_type_fkey ON iu_sql_event_route; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_sql_event_route_target_event_type_fkey ON public.iu_sql_event_route IS 'a SQL event route captures an event type registered in event_type_registry: register the target type first, or check its spelling';

--
-- Name: iu_staging_notice iu_staging_notice_record_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_notice
    ADD CONSTRAINT iu_staging_notice_record_id_fkey FOREIGN KEY (record_id) REFERENCES public.iu_staging_record(id);

--
-- Name: CONSTRAINT iu_staging_notice_record_id_fkey ON iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_notice_record_id_fkey ON public.iu_staging_notice IS 'a puller notice is about an existing staging record: check the record id';

--
-- Name: iu_staging_notice iu_staging_notice_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_notice
    ADD CONSTRAINT iu_staging_notice_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT iu_staging_notice_run_id_fkey ON iu_staging_notice; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_notice_run_id_fkey ON public.iu_staging_notice IS 'a puller notice names an existing run, or none: check the run id';

--
-- Name: iu_staging_payload iu_staging_payload_record_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_payload
    ADD CONSTRAINT iu_staging_payload_record_id_fkey FOREIGN KEY (record_id) REFERENCES public.iu_staging_record(id);

--
-- Name: CONSTRAINT iu_staging_payload_record_id_fkey ON iu_staging_payload; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_payload_record_id_fkey ON public.iu_staging_payload IS 'a piece belongs to an existing staging record: mark the manifest first (fn_iu_op_mark_file)';

--
-- Name: iu_staging_record iu_staging_record_consumed_by_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_record
    ADD CONSTRAINT iu_staging_record_consumed_by_run_id_fkey FOREIGN KEY (consumed_by_run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT iu_staging_record_consumed_by_run_id_fkey ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_record_consumed_by_run_id_fkey ON public.iu_staging_record IS 'a manifest is consumed by an existing run: check the run id';

--
-- Name: iu_staging_record iu_staging_record_last_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_staging_record
    ADD CONSTRAINT iu_staging_record_last_run_id_fkey FOREIGN KEY (last_run_id) REFERENCES public.dot_iu_command_run(id);

--
-- Name: CONSTRAINT iu_staging_record_last_run_id_fkey ON iu_staging_record; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_staging_record_last_run_id_fkey ON public.iu_staging_record IS 'a manifest''s last run is an existing run: check the run id';

--
-- Name: iu_vector_sync_point iu_vector_sync_point_synced_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_vector_sync_point
    ADD CONSTRAINT iu_vector_sync_point_synced_unit_id_fkey FOREIGN KEY (synced_unit_id) REFERENCES public.information_unit(id);

--
-- Name: CONSTRAINT iu_vector_sync_point_synced_unit_id_fkey ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_point_synced_unit_id_fkey ON public.iu_vector_sync_point IS 'a sync point''s synced unit is an existing information unit, or none: check the unit id';

--
-- Name: iu_vector_sync_point iu_vector_sync_point_wanted_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.iu_vector_sync_point
    ADD CONSTRAINT iu_vector_sync_point_wanted_unit_id_fkey FOREIGN KEY (wanted_unit_id) REFERENCES public.information_unit(id);

--
-- Name: CONSTRAINT iu_vector_sync_point_wanted_unit_id_fkey ON iu_vector_sync_point; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT iu_vector_sync_point_wanted_unit_id_fkey ON public.iu_vector_sync_point IS 'a sync point wants an existing information unit, or none: check the unit id';

--
-- Name: job_schedule job_schedule_queue_name_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.job_schedule
    ADD CONSTRAINT job_schedule_queue_name_fkey FOREIGN KEY (queue_name) REFERENCES public.queue_state(queue_name);

--
-- Name: CONSTRAINT job_schedule_queue_name_fkey ON job_schedule; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT job_schedule_queue_name_fkey ON public.job_schedule IS 'a schedule''s queue must be registered first (fn_queue_register)';

--
-- Name: subject_message subject_message_reply_to_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.subject_message
    ADD CONSTRAINT subject_message_reply_to_id_fkey FOREIGN KEY (reply_to_id) REFERENCES public.subject_message(id);

--
-- Name: CONSTRAINT subject_message_reply_to_id_fkey ON subject_message; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subject_message_reply_to_id_fkey ON public.subject_message IS 'a reply answers a message';

--
-- Name: subject_message subject_message_subject_table_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.subject_message
    ADD CONSTRAINT subject_message_subject_table_fkey FOREIGN KEY (subject_table) REFERENCES public.message_subject_registry(subject_table);

--
-- Name: CONSTRAINT subject_message_subject_table_fkey ON subject_message; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT subject_message_subject_table_fkey ON public.subject_message IS 'messages are posted only on registered subjects (message_subject_registry)';

--
-- Name: workflow workflow_parent_step_fk; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow
    ADD CONSTRAINT workflow_parent_step_fk FOREIGN KEY (parent_step_id) REFERENCES public.workflow_step(id);

--
-- Name: CONSTRAINT workflow_parent_step_fk ON workflow; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_parent_step_fk ON public.workflow IS 'a sub-workflow names the step of its parent that made it';

--
-- Name: workflow_step workflow_step_child_workflow_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step
    ADD CONSTRAINT workflow_step_child_workflow_id_fkey FOREIGN KEY (child_workflow_id) REFERENCES public.workflow(id);

--
-- Name: CONSTRAINT workflow_step_child_workflow_id_fkey ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_child_workflow_id_fkey ON public.workflow_step IS 'a sub-workflow step names the workflow it made';

--
-- Name: workflow_step_dependency workflow_step_dependency_depends_on_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step_dependency
    ADD CONSTRAINT workflow_step_dependency_depends_on_id_fkey FOREIGN KEY (depends_on_id) REFERENCES public.workflow_step(id);

--
-- Name: CONSTRAINT workflow_step_dependency_depends_on_id_fkey ON workflow_step_dependency; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_dependency_depends_on_id_fkey ON public.workflow_step_dependency IS 'a step depends on a step';

--
-- Name: workflow_step_dependency workflow_step_dependency_step_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step_dependency
    ADD CONSTRAINT workflow_step_dependency_step_id_fkey FOREIGN KEY (step_id) REFERENCES public.workflow_step(id);

--
-- Name: CONSTRAINT workflow_step_dependency_step_id_fkey ON workflow_step_dependency; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_dependency_step_id_fkey ON public.workflow_step_dependency IS 'a dependency belongs to a step';

--
-- Name: workflow_step workflow_step_workflow_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: queuegov_owner
--

ALTER TABLE ONLY public.workflow_step
    ADD CONSTRAINT workflow_step_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES public.workflow(id);

--
-- Name: CONSTRAINT workflow_step_workflow_id_fkey ON workflow_step; Type: COMMENT; Schema: public; Owner: queuegov_owner
--

COMMENT ON CONSTRAINT workflow_step_workflow_id_fkey ON public.workflow_step IS 'a step belongs to a workflow';

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

GRANT ALL ON SCHEMA public TO queuegov_owner;
GRANT USAGE ON SCHEMA public TO queuegov_app;
GRANT USAGE ON SCHEMA public TO queuegov_executor;
GRANT USAGE ON SCHEMA public TO queuegov_auditor;

--
-- Name: FUNCTION fn_vocabulary_check(p_column text, p_value text, p_allowed text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_vocabulary_check(p_column text, p_value text, p_allowed text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_vocabulary_check(p_column text, p_value text, p_allowed text[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_vocabulary_check(p_column text, p_value text, p_allowed text[]) TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_keys_safe(p jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_keys_safe(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_keys_safe(p jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_keys_safe(p jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_section_types(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_section_types() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_section_types() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_section_types() TO queuegov_auditor;

--
-- Name: FUNCTION _pgtrigger_should_ignore(trigger_name name); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public._pgtrigger_should_ignore(trigger_name name) FROM PUBLIC;

--
-- Name: FUNCTION fn_act_audit(p_answer jsonb, p_action text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_detail text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_act_audit(p_answer jsonb, p_action text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_detail text) FROM PUBLIC;

--
-- Name: FUNCTION fn_actor(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_actor() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_actor() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_actor() TO queuegov_executor;
GRANT ALL ON FUNCTION public.fn_actor() TO queuegov_auditor;

--
-- Name: FUNCTION fn_actor_context(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_actor_context() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_actor_context() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_actor_context() TO queuegov_auditor;

--
-- Name: FUNCTION fn_actor_governed(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_actor_governed() FROM PUBLIC;

--
-- Name: FUNCTION fn_actor_required(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_actor_required() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_actor_required() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_actor_required() TO queuegov_executor;
GRANT ALL ON FUNCTION public.fn_actor_required() TO queuegov_auditor;

--
-- Name: FUNCTION fn_actor_unseal(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_actor_unseal() FROM PUBLIC;

--
-- Name: FUNCTION fn_assignee_unknown(p_kind text, p_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_assignee_unknown(p_kind text, p_name text) FROM PUBLIC;

--
-- Name: FUNCTION fn_audit_chain_link(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_audit_chain_link() FROM PUBLIC;

--
-- Name: FUNCTION fn_audit_record(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_audit_record(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_audit_record(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) TO queuegov_app;

--
-- Name: TABLE admin_action_audit; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.admin_action_audit TO queuegov_app;
GRANT SELECT ON TABLE public.admin_action_audit TO queuegov_auditor;

--
-- Name: FUNCTION fn_audit_row_hash(a public.admin_action_audit); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_audit_row_hash(a public.admin_action_audit) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_audit_row_hash(a public.admin_action_audit) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_audit_row_hash(a public.admin_action_audit) TO queuegov_auditor;

--
-- Name: FUNCTION fn_audit_verify(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_audit_verify() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_audit_verify() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_audit_verify() TO queuegov_auditor;

--
-- Name: FUNCTION fn_audit_write(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_audit_write(p_action text, p_outcome text, p_target_table text, p_target_ids text[], p_reason text, p_before jsonb, p_after jsonb, p_detail text) FROM PUBLIC;

--
-- Name: FUNCTION fn_caller_names_actor(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_caller_names_actor() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_caller_names_actor() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_caller_names_actor() TO queuegov_executor;
GRANT ALL ON FUNCTION public.fn_caller_names_actor() TO queuegov_auditor;

--
-- Name: FUNCTION fn_caller_role(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_caller_role() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_caller_role() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_caller_role() TO queuegov_executor;
GRANT ALL ON FUNCTION public.fn_caller_role() TO queuegov_auditor;

--
-- Name: FUNCTION fn_capped_count(p_sql text, p_cap integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_capped_count(p_sql text, p_cap integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_capped_count(p_sql text, p_cap integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_capped_count(p_sql text, p_cap integer) TO queuegov_auditor;

--
-- Name: FUNCTION fn_clock(p_now timestamp with time zone, p_what text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_clock(p_now timestamp with time zone, p_what text) FROM PUBLIC;

--
-- Name: FUNCTION fn_config_guard_set(p_enabled boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_config_guard_set(p_enabled boolean) FROM PUBLIC;

--
-- Name: FUNCTION fn_config_history_capture(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_config_history_capture() FROM PUBLIC;

--
-- Name: FUNCTION fn_config_validate(p_key text, p_value jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_config_validate(p_key text, p_value jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_config_validate(p_key text, p_value jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_config_validate(p_key text, p_value jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_config_value_at(p_key text, p_at timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_config_value_at(p_key text, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_config_value_at(p_key text, p_at timestamp with time zone) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_config_value_at(p_key text, p_at timestamp with time zone) TO queuegov_auditor;

--
-- Name: FUNCTION fn_consumer_class_follow(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_consumer_class_follow() FROM PUBLIC;

--
-- Name: FUNCTION fn_consumer_register(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_consumer_register(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_consumer_register(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text) TO queuegov_app;

--
-- Name: FUNCTION fn_consumer_register_unaudited(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_consumer_register_unaudited(p_job_kind text, p_executor_class text, p_queue_name text, p_retry_policy text, p_handler_ref text, p_description text) FROM PUBLIC;

--
-- Name: FUNCTION fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_cron_field(p_expr text, p_field text, p_text text, p_min integer, p_max integer, p_names text[]) TO queuegov_auditor;

--
-- Name: FUNCTION fn_cron_next(p_expr text, p_after timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_cron_next(p_expr text, p_after timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_cron_next(p_expr text, p_after timestamp with time zone) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_cron_next(p_expr text, p_after timestamp with time zone) TO queuegov_auditor;

--
-- Name: FUNCTION fn_cron_parse(p_expr text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_cron_parse(p_expr text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_cron_parse(p_expr text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_cron_parse(p_expr text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_cron_valid(p_expr text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_cron_valid(p_expr text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_cron_valid(p_expr text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_cron_valid(p_expr text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_db_role(p_purpose text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_db_role(p_purpose text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_db_role(p_purpose text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_db_role(p_purpose text) TO queuegov_executor;
GRANT ALL ON FUNCTION public.fn_db_role(p_purpose text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_domain_range(p_domain regtype); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_domain_range(p_domain regtype) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_domain_range(p_domain regtype) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_domain_range(p_domain regtype) TO queuegov_auditor;

--
-- Name: FUNCTION fn_estimated_rows(p_table regclass); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_estimated_rows(p_table regclass) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_estimated_rows(p_table regclass) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_estimated_rows(p_table regclass) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_actor(p_actor text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_actor(p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_addressed(p_emitted jsonb, p_recipients jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_addressed(p_emitted jsonb, p_recipients jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_capture(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_capture(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_capture(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_capture(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) TO queuegov_executor;

--
-- Name: FUNCTION fn_event_capture_attach(p_source_table text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_capture_attach(p_source_table text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_capture_trigger(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_capture_trigger() FROM PUBLIC;

--
-- Name: FUNCTION fn_event_deliver(p_batch_size integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_deliver(p_batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_deliver(p_batch_size integer) TO queuegov_app;

--
-- Name: FUNCTION fn_event_emit(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_emit(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_emit(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_emit(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) TO queuegov_executor;

--
-- Name: TABLE event_type_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_type_registry TO queuegov_app;
GRANT SELECT ON TABLE public.event_type_registry TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_emit_check(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_emit_check(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_emit_check_exact(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_emit_check_exact(t public.event_type_registry, p_event_type text, p_subject_table text, p_subject_ref text, p_correlation_id text, p_causation_id text, p_fact_key text, p_payload jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_emit_keyed(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_emit_keyed(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_severity text, p_correlation_id text, p_causation_id text, p_occurred_at timestamp with time zone, p_classification text, p_fact_key text, p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_horizon(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_horizon() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_horizon() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_horizon() TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_mark_read(p_event_read_ids bigint[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_mark_read(p_event_read_ids bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_mark_read(p_event_read_ids bigint[]) TO queuegov_app;

--
-- Name: FUNCTION fn_event_mark_read_unaudited(p_event_read_ids bigint[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_mark_read_unaudited(p_event_read_ids bigint[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_outbox_ensure_partitions(p_months_ahead integer, p_from timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_outbox_ensure_partitions(p_months_ahead integer, p_from timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_outbox_ensure_partitions(p_months_ahead integer, p_from timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_event_pending_emit_batch(p_batch_size integer, p_now timestamp with time zone, OUT emitted integer, OUT duplicates integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_pending_emit_batch(p_batch_size integer, p_now timestamp with time zone, OUT emitted integer, OUT duplicates integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_pending_insert(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_pending_insert(p_event_type text, p_subject_table text, p_subject_ref text, p_payload jsonb, p_correlation_id text, p_source_document_ref text, p_import_batch_ref text, p_causation_id text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_pending_process(p_batch_size integer, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_pending_process(p_batch_size integer, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_pending_process(p_batch_size integer, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_event_producer_problem(p_producer_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_producer_problem(p_producer_ref text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_producer_problem(p_producer_ref text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_producer_problem(p_producer_ref text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_producer_register(p_producer_ref text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_producer_register(p_producer_ref text, p_description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_producer_register(p_producer_ref text, p_description text) TO queuegov_app;

--
-- Name: FUNCTION fn_event_producer_register_unaudited(p_producer_ref text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_producer_register_unaudited(p_producer_ref text, p_description text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text, p_import_batch_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text, p_import_batch_ref text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text, p_import_batch_ref text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_refs_checked(p_subject_ref text, p_correlation_id text, p_causation_id text, p_source_document_ref text, p_import_batch_ref text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_refs_pass(p_subject_ref text, p_correlation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_refs_pass(p_subject_ref text, p_correlation_id text) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_subscribe(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text) TO queuegov_app;

--
-- Name: FUNCTION fn_event_subscribe_unaudited(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_subscribe_unaudited(p_event_type text, p_event_domain text, p_event_stream text, p_recipient_kind text, p_recipient_ref text, p_note text) FROM PUBLIC;

--
-- Name: TABLE event_subscription; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_subscription TO queuegov_app;
GRANT SELECT ON TABLE public.event_subscription TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_subscription_matches(s public.event_subscription, p_event_type text, p_domain text, p_stream text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_subscription_set_enabled(p_subscription_id bigint, p_enabled boolean) TO queuegov_app;

--
-- Name: FUNCTION fn_event_subscription_set_enabled_unaudited(p_subscription_id bigint, p_enabled boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_subscription_set_enabled_unaudited(p_subscription_id bigint, p_enabled boolean) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_type_activation_problems(p_event_type text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_activation_problems(p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_activation_problems(p_event_type text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_type_activation_problems(p_event_type text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_type_follow_gate(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_follow_gate() FROM PUBLIC;

--
-- Name: FUNCTION fn_event_type_ready(p_event_type text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_ready(p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_ready(p_event_type text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_type_ready(p_event_type text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_register(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) TO queuegov_app;

--
-- Name: FUNCTION fn_event_type_register_unaudited(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_register_unaudited(p_event_type text, p_event_stream text, p_delivery_lane text, p_default_severity text, p_description text, p_producer_ref text, p_rubric jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_event_type_rubric(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_rubric() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_rubric() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_type_rubric() TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_type_rubric_checked(p_rubric jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_rubric_checked(p_rubric jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_rubric_checked(p_rubric jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_event_type_rubric_checked(p_rubric jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_event_type_set_status(p_event_type text, p_status text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_set_status(p_event_type text, p_status text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_event_type_set_status(p_event_type text, p_status text, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_event_type_set_status_unaudited(p_event_type text, p_status text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_event_type_set_status_unaudited(p_event_type text, p_status text, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_executor_claim_class(p_executor_class text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_executor_claim_class(p_executor_class text) FROM PUBLIC;

--
-- Name: FUNCTION fn_executor_claim_queues(p_queues text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_executor_claim_queues(p_queues text[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_executor_login_register(p_role_name name, p_executor_kind text, p_queues text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_executor_login_register(p_role_name name, p_executor_kind text, p_queues text[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_change_approve(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_approve(p_request_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_change_approve(p_request_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_gate_change_approve_unaudited(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_approve_unaudited(p_request_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_change_decision_before(p_request_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_decision_before(p_request_id bigint) FROM PUBLIC;

--
-- Name: TABLE gate_change_request; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.gate_change_request TO queuegov_app;
GRANT SELECT ON TABLE public.gate_change_request TO queuegov_auditor;

--
-- Name: FUNCTION fn_gate_change_lock_pending(p_request_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_lock_pending(p_request_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_change_reject(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_reject(p_request_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_change_reject(p_request_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_gate_change_reject_unaudited(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_reject_unaudited(p_request_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_gate_change_request_unaudited(p_key text, p_new_value jsonb, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_request_unaudited(p_key text, p_new_value jsonb, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_change_withdraw(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_withdraw(p_request_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_change_withdraw(p_request_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_gate_change_withdraw_unaudited(p_request_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_change_withdraw_unaudited(p_request_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_closed_result(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_closed_result(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_closed_result(p_key text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_gate_closed_result(p_key text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_gate_create(p_key text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_create(p_key text, p_description text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_open(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_open(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_open(p_key text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_gate_open(p_key text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_gate_open_locked(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_open_locked(p_key text) FROM PUBLIC;

--
-- Name: FUNCTION fn_gate_subject_ready(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_gate_subject_ready(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_gate_subject_ready(p_key text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_gate_subject_ready(p_key text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_governance_problem_raise(p_problem text, p_subject_table text, p_subject_ref text, p_detail jsonb, p_correlation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_governance_problem_raise(p_problem text, p_subject_table text, p_subject_ref text, p_detail jsonb, p_correlation_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_governance_problem_raise(p_problem text, p_subject_table text, p_subject_ref text, p_detail jsonb, p_correlation_id text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_axis_result(p_check text, p_problems jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_axis_result(p_check text, p_problems jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_axis_result(p_check text, p_problems jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_axis_result(p_check text, p_problems jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_cut_from_manifest(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_dot_command_enqueue(p_command text, p_reason text, p_idempotency_key text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_dot_command_enqueue_unaudited(p_command text, p_reason text, p_idempotency_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_dot_command_enqueue_unaudited(p_command text, p_reason text, p_idempotency_key text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_dot_command_on_queue(p_command text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_dot_command_on_queue(p_command text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_dot_command_run(p_job_id bigint, p_worker_id text, p_attempt integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_iu_json_is_int(p jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_json_is_int(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_json_is_int(p jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_json_is_int(p jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_lifecycle_log_capture(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_lifecycle_log_capture() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_manifest_digest(p_source_hash text, p_source_bytes bigint, p_pieces jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_manifest_pieces(p_record_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_manifest_pieces(p_record_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_manifest_pieces(p_record_id bigint) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_manifest_pieces(p_record_id bigint) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_mark_create_manifest(p_idempotency_key text, p_source_ref text, p_source_hash text, p_source_bytes bigint, p_doc_code text, p_pieces jsonb, p_source_kind text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_mark_create_manifest(p_idempotency_key text, p_source_ref text, p_source_hash text, p_source_bytes bigint, p_doc_code text, p_pieces jsonb, p_source_kind text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_mark_verdict(p_record_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_mark_verdict(p_record_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_mark_verdict(p_record_id bigint) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_mark_verdict(p_record_id bigint) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_op_cleanup(p_apply boolean, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_cleanup(p_apply boolean, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_cleanup(p_apply boolean, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_cleanup_dry_run(p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_cleanup_dry_run(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_cleanup_dry_run(p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_cut(p_record_id bigint, p_current_source_hash text, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_mark_file(p_source_ref text, p_source_hash text, p_source_bytes bigint, p_pieces jsonb, p_doc_code text, p_idempotency_key text, p_source_kind text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_mark_file(p_source_ref text, p_source_hash text, p_source_bytes bigint, p_pieces jsonb, p_doc_code text, p_idempotency_key text, p_source_kind text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_mark_file(p_source_ref text, p_source_hash text, p_source_bytes bigint, p_pieces jsonb, p_doc_code text, p_idempotency_key text, p_source_kind text, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_reject(p_record_id bigint, p_reason text, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_verify_cut(p_record_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_verify_cut(p_record_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_verify_cut(p_record_id bigint) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_op_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_op_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_op_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_outbound_route_create(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_outbound_route_create_unaudited(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_create_unaudited(p_route_name text, p_event_type text, p_action_kind text, p_target text, p_target_queue text, p_description text, p_retry_policy text, p_ordered_per_subject boolean) FROM PUBLIC;

--
-- Name: TABLE iu_outbound_route; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_outbound_route TO queuegov_app;
GRANT SELECT ON TABLE public.iu_outbound_route TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_outbound_route_escalates(o public.iu_outbound_route, n public.iu_outbound_route); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_escalates(o public.iu_outbound_route, n public.iu_outbound_route) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_outbound_route_follow_gate(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_follow_gate() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_outbound_route_gate_key(p_route_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_gate_key(p_route_name text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_outbound_route_kind_check(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_kind_check() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_outbound_route_live_check(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_live_check() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_outbound_route_set(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_outbound_route_set_unaudited(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_outbound_route_set_unaudited(p_route_id bigint, p_enabled boolean, p_dry_run boolean, p_reason text) FROM PUBLIC;

--
-- Name: TABLE iu_staging_payload; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_staging_payload TO queuegov_app;
GRANT SELECT ON TABLE public.iu_staging_payload TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_pieces_canonical(p_pieces public.iu_staging_payload[]) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_puller_cleanup(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_puller_cleanup() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_puller_cleanup() TO queuegov_app;

--
-- Name: FUNCTION fn_iu_puller_remind(p_limit integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_puller_remind(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_puller_remind(p_limit integer) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_puller_verify_new(p_limit integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_puller_verify_new(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_puller_verify_new(p_limit integer) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_record_state(p_record_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_record_state(p_record_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_reject_manifest(p_record_id bigint, p_reason text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_reject_manifest(p_record_id bigint, p_reason text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: TABLE event_outbox; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_outbox TO queuegov_app;
GRANT SELECT ON TABLE public.event_outbox TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8, p_batch_size integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_batch(p_domain text, p_last_tx_id xid8, p_last_event_id bigint, p_horizon xid8, p_batch_size integer) FROM PUBLIC;

--
-- Name: TABLE iu_route_worker_cursor; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_route_worker_cursor TO queuegov_app;
GRANT SELECT ON TABLE public.iu_route_worker_cursor TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_cursor_run(c public.iu_route_worker_cursor, p_batch_size integer, p_horizon xid8); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_cursor_run(c public.iu_route_worker_cursor, p_batch_size integer, p_horizon xid8) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_dead_letter_replay(p_dead_letter_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_deliver(p_event public.event_outbox, p_route public.iu_outbound_route, p_worker_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_deliver(p_event public.event_outbox, p_route public.iu_outbound_route, p_worker_name text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_deliver_set(p_events public.event_outbox[], p_route public.iu_outbound_route, p_worker_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_deliver_set(p_events public.event_outbox[], p_route public.iu_outbound_route, p_worker_name text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_delivery_set(p_event public.event_outbox, p_route_id bigint, p_status text, p_attempts integer, p_next_attempt_at timestamp with time zone, p_error text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_delivery_set(p_event public.event_outbox, p_route_id bigint, p_status text, p_attempts integer, p_next_attempt_at timestamp with time zone, p_error text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_dispatch(p_event public.event_outbox, p_route public.iu_outbound_route); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_dispatch(p_event public.event_outbox, p_route public.iu_outbound_route) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_route_job_spec(p_event public.event_outbox, p_route public.iu_outbound_route) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_matches(p_route_event_type text, p_event_type text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_matches(p_route_event_type text, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_matches(p_route_event_type text, p_event_type text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_route_matches(p_route_event_type text, p_event_type text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_record_attempt(p_event_id bigint, p_route_id bigint, p_worker text, p_attempt integer, p_status text, p_error text, p_result jsonb, p_started timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_record_attempt(p_event_id bigint, p_route_id bigint, p_worker text, p_attempt integer, p_status text, p_error text, p_result jsonb, p_started timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_retry(p_route public.iu_outbound_route, p_attempts integer, OUT max_attempts integer, OUT delay interval); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_retry(p_route public.iu_outbound_route, p_attempts integer, OUT max_attempts integer, OUT delay interval) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_subject_key(p_subject_table text, p_subject_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_route_subject_key(p_subject_table text, p_subject_ref text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_target_callable(p_function text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_target_callable(p_function text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_target_callable(p_function text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_route_target_callable(p_function text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_route_target_register(p_function text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_target_register(p_function text, p_description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_target_register(p_function text, p_description text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_route_target_register_unaudited(p_function text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_target_register_unaudited(p_function text, p_description text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_target_retire(p_function text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_target_retire(p_function text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_target_retire(p_function text, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_route_target_retire_unaudited(p_function text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_target_retire_unaudited(p_function text, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text, p_from_start boolean); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text, p_from_start boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_worker_cursor_add(p_worker_name text, p_event_domain text, p_reason text, p_from_start boolean) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_worker_cursor_add_unaudited(p_worker_name text, p_event_domain text, p_from_start boolean, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_route_worker_run(p_worker_name text, p_batch_size integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_route_worker_run(p_worker_name text, p_batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_route_worker_run(p_worker_name text, p_batch_size integer) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_run_close(p_run_id bigint, p_status text, p_evidence jsonb, p_record_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_run_close(p_run_id bigint, p_status text, p_evidence jsonb, p_record_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_run_open(p_command text, p_run_mode text, p_record_id bigint, p_params jsonb, p_linked_run_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_run_open(p_command text, p_run_mode text, p_record_id bigint, p_params jsonb, p_linked_run_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer, p_run_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer, p_run_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_runtime_lease_acquire(p_lease_name text, p_holder text, p_seconds integer, p_run_id bigint) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_runtime_lease_release(p_lease_name text, p_holder text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_runtime_lease_release(p_lease_name text, p_holder text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_runtime_lease_release(p_lease_name text, p_holder text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_section_rank(p_section_type text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_section_rank(p_section_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_section_rank(p_section_type text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_section_rank(p_section_type text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_staging_capture(p_event_type text, p_record_id bigint, p_run_id bigint, p_payload jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_staging_capture(p_event_type text, p_record_id bigint, p_run_id bigint, p_payload jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_staging_cleanup(p_apply boolean, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_staging_cleanup(p_apply boolean, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_staging_payload_delete_guard(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_staging_payload_delete_guard() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_staging_record_touch(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_staging_record_touch() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_staging_review_start(p_record_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_staging_review_start(p_record_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_staging_review_start(p_record_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_vector_columns(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_vector_columns() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_vector_columns() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_vector_columns() TO queuegov_auditor;

--
-- Name: FUNCTION fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_iu_vector_sync_ack(p_job_id bigint, p_worker_id text, p_vector_ref text, p_attempt integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_iu_vector_sync_capture(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_vector_sync_capture() FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_vector_sync_catch_up(p_limit integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_vector_sync_catch_up(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_iu_vector_sync_catch_up(p_limit integer) TO queuegov_app;

--
-- Name: FUNCTION fn_iu_vector_sync_enqueue(p_doc_code text, p_section_code text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_vector_sync_enqueue(p_doc_code text, p_section_code text) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_verify_cut_result(p_cut_run_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_verify_cut_result(p_cut_run_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_iu_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_iu_verify_mark(p_record_id bigint, p_apply boolean, p_approval_doc_id text, p_reason text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_ack(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_ack_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[], p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[], p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[], p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_ack_many_and_claim(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[], p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_ack_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_results jsonb[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_ack_unbound(p_job_id bigint, p_worker_id text, p_result jsonb, p_attempt integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_act_statuses(p_act text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_act_statuses(p_act text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_act_statuses(p_act text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_act_statuses(p_act text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_attempt_history(p_job_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_attempt_history(p_job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_attempt_history(p_job_id bigint) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_attempt_history(p_job_id bigint) TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_attempt_required(p_attempt integer, p_call text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_attempt_required(p_attempt integer, p_call text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_cancel(p_job_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_cancel(p_job_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_cancel(p_job_id bigint, p_reason text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_cancel(p_job_id bigint, p_reason text) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_cancel_many(p_job_ids bigint[], p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_cancel_many(p_job_ids bigint[], p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_cancel_many(p_job_ids bigint[], p_reason text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_cancel_many(p_job_ids bigint[], p_reason text) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_cancel_many_unaudited(p_job_ids bigint[], p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_claim(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_claim(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_claim(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_claim(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_claim_pick(p_worker_id text, p_queues text[], p_paused text[], p_executor_class text, p_job_kinds text[], p_limit integer, p_lease interval) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_claim_unbound(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_claim_unbound(p_worker_id text, p_queues text[], p_batch_size integer, p_lease_seconds integer, p_executor_class text, p_job_kinds text[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_dead_letter_replay(p_dead_letter_id bigint, p_authorization_source text) TO queuegov_app;

--
-- Name: FUNCTION fn_job_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_authorization_source text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_dead_letter_replay_unaudited(p_dead_letter_id bigint, p_authorization_source text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_dead_letter_triage(p_dead_letter_id bigint, p_triage_status text, p_note text) TO queuegov_app;

--
-- Name: FUNCTION fn_job_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_dead_letter_triage_unaudited(p_dead_letter_id bigint, p_triage_status text, p_note text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_enqueue(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_enqueue(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_enqueue(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_enqueue(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_enqueue_checked(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_enqueue_checked(p_job_kind text, p_payload jsonb, p_queue_name text, p_priority integer, p_run_at timestamp with time zone, p_idempotency_key text, p_max_attempts integer, p_correlation_id text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_enqueue_many(p_jobs jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_enqueue_many(p_jobs jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_enqueue_many(p_jobs jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_enqueue_many(p_jobs jsonb) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_enqueue_many_checked(p_jobs jsonb, p_max_bytes bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_enqueue_many_checked(p_jobs jsonb, p_max_bytes bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_fail_or_retry(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_fail_or_retry_unbound(p_job_id bigint, p_worker_id text, p_error text, p_attempt integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_fence_refusal(p_job_id bigint, p_worker_id text, p_attempt integer) TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_heartbeat(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_heartbeat_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_heartbeat_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_heartbeat_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[], p_lease_seconds integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_heartbeat_unbound(p_job_id bigint, p_worker_id text, p_lease_seconds integer, p_attempt integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_kind_class(p_job_kind text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_kind_class(p_job_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_kind_class(p_job_kind text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_kind_class(p_job_kind text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_kind_open_to_caller(p_job_kind text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_kind_open_to_caller(p_job_kind text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_lease_reaper(p_limit integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_lease_reaper(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_lease_reaper(p_limit integer) TO queuegov_app;

--
-- Name: FUNCTION fn_job_lease_valid(p_lease_seconds integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_lease_valid(p_lease_seconds integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_leases(p_worker_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_leases(p_worker_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_leases(p_worker_id text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_leases(p_worker_id text) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_leases_unbound(p_worker_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_leases_unbound(p_worker_id text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_queue_stamp_class(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_queue_stamp_class() FROM PUBLIC;

--
-- Name: FUNCTION fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_release_many(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) TO queuegov_executor;

--
-- Name: FUNCTION fn_job_release_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_release_many_unbound(p_worker_id text, p_job_ids bigint[], p_attempts integer[]) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_retry_now_many(p_job_ids bigint[], p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_retry_now_many(p_job_ids bigint[], p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_retry_now_many(p_job_ids bigint[], p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_retry_now_many_unaudited(p_job_ids bigint[], p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_job_run_at_checked(p_run_at timestamp with time zone, p_where text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_schedule_next_slot(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_schedule_next_slot() FROM PUBLIC;

--
-- Name: FUNCTION fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_schedule_set_enabled(p_name text, p_enabled boolean, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_job_schedule_set_enabled_unaudited(p_name text, p_enabled boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_schedule_set_enabled_unaudited(p_name text, p_enabled boolean, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_task_kind_ensure(p_job_kind text, p_queue_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_task_kind_ensure(p_job_kind text, p_queue_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_job_task_kind_ensure(p_job_kind text, p_queue_name text) TO queuegov_app;

--
-- Name: TABLE job_queue; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_queue TO queuegov_app;
GRANT SELECT ON TABLE public.job_queue TO queuegov_auditor;

--
-- Name: FUNCTION fn_job_to_dead_letter(p_job public.job_queue, p_error text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_to_dead_letter(p_job public.job_queue, p_error text) FROM PUBLIC;

--
-- Name: FUNCTION fn_job_wake(p_queue_name text, p_notify_gate jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_job_wake(p_queue_name text, p_notify_gate jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb, p_reply_to bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb, p_reply_to bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb, p_reply_to bigint) TO queuegov_app;

--
-- Name: FUNCTION fn_message_recipients_checked(p_recipients jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_message_recipients_checked(p_recipients jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_payload_assert_size(p jsonb, p_column text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_assert_size(p jsonb, p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_assert_size(p jsonb, p_column text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_assert_size(p jsonb, p_column text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_key_normalized(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_key_normalized(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_key_normalized(p_key text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_key_normalized(p_key text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_keys_pretest(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_keys_pretest() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_keys_pretest() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_keys_pretest() TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_keys_refuse(p jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_keys_refuse(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_keys_refuse(p jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_keys_refuse(p jsonb) TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_prohibited_keys(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_prohibited_keys() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_prohibited_keys() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_prohibited_keys() TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_prohibited_path(p jsonb, p_path text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_prohibited_path(p jsonb, p_path text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_payload_prohibited_path(p jsonb, p_path text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_payload_prohibited_path(p jsonb, p_path text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_payload_size_trigger(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_payload_size_trigger() FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_health(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_health() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_health() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_queue_health() TO queuegov_auditor;

--
-- Name: FUNCTION fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_queue_heartbeat_tick(p_executor_name text, p_executor_kind text, p_meta jsonb) TO queuegov_executor;

--
-- Name: FUNCTION fn_queue_heartbeat_tick_unbound(p_executor_name text, p_executor_kind text, p_meta jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_heartbeat_tick_unbound(p_executor_name text, p_executor_kind text, p_meta jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_metrics_sample(p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_metrics_sample(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_metrics_sample(p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_queue_pause(p_queue_name text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_pause(p_queue_name text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_pause(p_queue_name text, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_queue_pause_unaudited(p_queue_name text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_pause_unaudited(p_queue_name text, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_register(p_queue_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_register(p_queue_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_register(p_queue_name text) TO queuegov_app;

--
-- Name: FUNCTION fn_queue_register_unaudited(p_queue_name text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_register_unaudited(p_queue_name text) FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_resume(p_queue_name text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_resume(p_queue_name text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_resume(p_queue_name text, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_queue_resume_unaudited(p_queue_name text, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_resume_unaudited(p_queue_name text, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_retention(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_retention(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_retention(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_queue_retention_unaudited(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_retention_unaudited(p_apply boolean, p_batch_size integer, p_max_batches integer, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION fn_queue_stale_check(p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_queue_stale_check(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_queue_stale_check(p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_range_check(p_column text, p_value bigint, p_range int4range); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_range_check(p_column text, p_value bigint, p_range int4range) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_range_check(p_column text, p_value bigint, p_range int4range) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_range_check(p_column text, p_value bigint, p_range int4range) TO queuegov_auditor;

--
-- Name: FUNCTION fn_range_refuse(p_column text, p_value bigint, p_range int4range); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_range_refuse(p_column text, p_value bigint, p_range int4range) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_range_refuse(p_column text, p_value bigint, p_range int4range) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_range_refuse(p_column text, p_value bigint, p_range int4range) TO queuegov_auditor;

--
-- Name: FUNCTION fn_reason_checked(p_text text, p_what text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_reason_checked(p_text text, p_what text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_reason_checked(p_text text, p_what text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_reason_checked(p_text text, p_what text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_registry_row_kept(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_registry_row_kept() FROM PUBLIC;

--
-- Name: FUNCTION fn_retry_delay(p_policy text, p_attempts integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_retry_delay(p_policy text, p_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_retry_delay(p_policy text, p_attempts integer) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_retry_delay(p_policy text, p_attempts integer) TO queuegov_auditor;

--
-- Name: FUNCTION fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_schedule_tick(p_now timestamp with time zone); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_schedule_tick(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_schedule_tick(p_now timestamp with time zone) TO queuegov_app;

--
-- Name: FUNCTION fn_setting_int(p_key text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_setting_int(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_setting_int(p_key text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_setting_int(p_key text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_sql_event_route_follow_gate(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_sql_event_route_follow_gate() FROM PUBLIC;

--
-- Name: FUNCTION fn_sql_event_route_register(p_route_name text, p_source_table text, p_operation text, p_target_event_type text, p_condition jsonb, p_subject_column text, p_payload_columns text[], p_correlation_column text, p_description text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_sql_event_route_register(p_route_name text, p_source_table text, p_operation text, p_target_event_type text, p_condition jsonb, p_subject_column text, p_payload_columns text[], p_correlation_column text, p_description text) FROM PUBLIC;

--
-- Name: FUNCTION fn_subject_exists(p_table text, p_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_subject_exists(p_table text, p_ref text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_task_act(p_task_id bigint, p_act text, p_reason text, p_result jsonb) TO queuegov_app;

--
-- Name: FUNCTION fn_task_act_statuses(p_act text, p_kind text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_act_statuses(p_act text, p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_task_act_statuses(p_act text, p_kind text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_task_act_statuses(p_act text, p_kind text) TO queuegov_auditor;

--
-- Name: TABLE human_task; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.human_task TO queuegov_app;
GRANT SELECT ON TABLE public.human_task TO queuegov_auditor;

--
-- Name: FUNCTION fn_task_approval_apply(t public.human_task, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_approval_apply(t public.human_task, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_create(p_spec jsonb, p_subject_table text, p_subject_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_create(p_spec jsonb, p_subject_table text, p_subject_ref text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_task_create(p_spec jsonb, p_subject_table text, p_subject_ref text) TO queuegov_app;

--
-- Name: FUNCTION fn_task_decidable(p_spec jsonb, p_kind text, p_starter text, p_what text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_decidable(p_spec jsonb, p_kind text, p_starter text, p_what text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_doers(t public.human_task); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_doers(t public.human_task) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_finished(t public.human_task); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_finished(t public.human_task) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_insert(p_kind text, p_spec jsonb, p_step_id bigint, p_subject_table text, p_subject_ref text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_is_assignee(t public.human_task); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_is_assignee(t public.human_task) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_locked(p_task_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_locked(p_task_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_overdue_tick(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_overdue_tick() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_task_overdue_tick() TO queuegov_app;

--
-- Name: FUNCTION fn_task_spec_check(p_spec jsonb, p_kind text, p_what text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_spec_check(p_spec jsonb, p_kind text, p_what text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_subject_close(p_table text, p_ref text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_subject_close(p_table text, p_ref text) FROM PUBLIC;

--
-- Name: FUNCTION fn_task_subject_decided(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_task_subject_decided() FROM PUBLIC;

--
-- Name: FUNCTION fn_vocabulary(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_vocabulary() FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_vocabulary() TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_vocabulary() TO queuegov_auditor;

--
-- Name: FUNCTION fn_worker_ref(p_worker_id text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_worker_ref(p_worker_id text) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_act_statuses(p_act text, p_step_kind text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_act_statuses(p_act text, p_step_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_act_statuses(p_act text, p_step_kind text) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_workflow_act_statuses(p_act text, p_step_kind text) TO queuegov_auditor;

--
-- Name: FUNCTION fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_workflow_add(p_job_id bigint, p_worker_id text, p_attempt integer, p_spec jsonb) TO queuegov_executor;

--
-- Name: FUNCTION fn_workflow_cancel(p_workflow_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_cancel(p_workflow_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_cancel(p_workflow_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_cancel_unaudited(p_workflow_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_create(p_spec jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_create(p_spec jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_create(p_spec jsonb) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_workflow_create(p_spec jsonb) TO queuegov_executor;

--
-- Name: FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint, p_added_by_job_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_insert(p_spec jsonb, p_parent_step_id bigint, p_added_by_job_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_job_finished(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_job_finished() FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_job_kind_check(p_job_kind text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_job_kind_check(p_job_kind text) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_spec_check(p_spec jsonb, p_path text, p_depth integer) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_spec_cycle(p_steps jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_spec_cycle(p_steps jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_step_added_outcome(p_step_id bigint, p_job_id bigint, p_job_result jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_added_outcome(p_step_id bigint, p_job_id bigint, p_job_result jsonb) FROM PUBLIC;

--
-- Name: TABLE workflow_step; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.workflow_step TO queuegov_app;
GRANT SELECT ON TABLE public.workflow_step TO queuegov_auditor;

--
-- Name: FUNCTION fn_workflow_step_added_settle(s public.workflow_step, p_item jsonb); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_added_settle(s public.workflow_step, p_item jsonb) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_finish(p_step_id bigint, p_outcome text, p_result jsonb, p_error text) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_step_inputs(p_job_id bigint); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_inputs(p_job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_step_inputs(p_job_id bigint) TO queuegov_app;
GRANT ALL ON FUNCTION public.fn_workflow_step_inputs(p_job_id bigint) TO queuegov_executor;

--
-- Name: FUNCTION fn_workflow_step_retry(p_step_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_retry(p_step_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fn_workflow_step_retry(p_step_id bigint, p_reason text) TO queuegov_app;

--
-- Name: FUNCTION fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_step_retry_unaudited(p_step_id bigint, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION fn_workflow_steps_start(p_step_ids bigint[]); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.fn_workflow_steps_start(p_step_ids bigint[]) FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_audit_append_only_ca27b(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_audit_append_only_ca27b() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_audit_no_truncate_a2402(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_audit_no_truncate_a2402() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_config_history_append_only_3bbb3(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_config_history_append_only_3bbb3() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_config_history_no_truncate_8ae14(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_config_history_no_truncate_8ae14() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_dot_config_four_eyes_only_b6044(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_dot_config_four_eyes_only_b6044() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_dot_config_no_truncate_cbd54(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_dot_config_no_truncate_cbd54() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_gate_change_request_born_pending_7a81b(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_gate_change_request_born_pending_7a81b() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_gate_change_request_immutable_1f9ec(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_gate_change_request_immutable_1f9ec() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_gate_change_request_no_delete_e9b9f(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_gate_change_request_no_delete_e9b9f() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_gate_change_request_no_truncate_587e3(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_gate_change_request_no_truncate_587e3() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_gate_change_status_fsm_5af16(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_gate_change_status_fsm_5af16() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_command_run_finished_immutable_8aaaa(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_command_run_finished_immutable_8aaaa() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_command_run_no_delete_05fdf(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_command_run_no_delete_05fdf() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_lifecycle_log_append_only_e7ddf(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_lifecycle_log_append_only_e7ddf() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_staging_lifecycle_fsm_e7547(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_staging_lifecycle_fsm_e7547() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_staging_payload_immutable_b1577(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_staging_payload_immutable_b1577() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_staging_record_born_pending_3c6ca(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_staging_record_born_pending_3c6ca() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_staging_record_marked_immutable_7b17d(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_staging_record_marked_immutable_7b17d() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_iu_staging_record_no_delete_6faa7(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_iu_staging_record_no_delete_6faa7() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_job_dead_letter_triage_fsm_c8bac(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_job_dead_letter_triage_fsm_c8bac() FROM PUBLIC;

--
-- Name: FUNCTION pgtrigger_route_dead_letter_triage_fsm_39413(); Type: ACL; Schema: public; Owner: queuegov_owner
--

REVOKE ALL ON FUNCTION public.pgtrigger_route_dead_letter_triage_fsm_39413() FROM PUBLIC;

--
-- Name: TABLE admin_action_audit_chain_head; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.admin_action_audit_chain_head TO queuegov_app;
GRANT SELECT ON TABLE public.admin_action_audit_chain_head TO queuegov_auditor;

--
-- Name: TABLE auth_group; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_group TO queuegov_app;
GRANT SELECT ON TABLE public.auth_group TO queuegov_auditor;

--
-- Name: SEQUENCE auth_group_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_group_id_seq TO queuegov_app;

--
-- Name: TABLE auth_group_permissions; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_group_permissions TO queuegov_app;
GRANT SELECT ON TABLE public.auth_group_permissions TO queuegov_auditor;

--
-- Name: SEQUENCE auth_group_permissions_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_group_permissions_id_seq TO queuegov_app;

--
-- Name: TABLE auth_permission; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_permission TO queuegov_app;
GRANT SELECT ON TABLE public.auth_permission TO queuegov_auditor;

--
-- Name: SEQUENCE auth_permission_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_permission_id_seq TO queuegov_app;

--
-- Name: TABLE auth_user; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_user TO queuegov_app;

--
-- Name: COLUMN auth_user.id; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(id) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.last_login; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(last_login) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.is_superuser; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(is_superuser) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.username; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(username) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.first_name; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(first_name) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.last_name; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(last_name) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.email; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(email) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.is_staff; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(is_staff) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.is_active; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(is_active) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: COLUMN auth_user.date_joined; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT(date_joined) ON TABLE public.auth_user TO queuegov_auditor;

--
-- Name: TABLE auth_user_groups; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_user_groups TO queuegov_app;
GRANT SELECT ON TABLE public.auth_user_groups TO queuegov_auditor;

--
-- Name: SEQUENCE auth_user_groups_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_user_groups_id_seq TO queuegov_app;

--
-- Name: SEQUENCE auth_user_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_user_id_seq TO queuegov_app;

--
-- Name: TABLE auth_user_user_permissions; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.auth_user_user_permissions TO queuegov_app;
GRANT SELECT ON TABLE public.auth_user_user_permissions TO queuegov_auditor;

--
-- Name: SEQUENCE auth_user_user_permissions_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.auth_user_user_permissions_id_seq TO queuegov_app;

--
-- Name: TABLE axes_accessattempt; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.axes_accessattempt TO queuegov_app;
GRANT SELECT ON TABLE public.axes_accessattempt TO queuegov_auditor;

--
-- Name: SEQUENCE axes_accessattempt_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.axes_accessattempt_id_seq TO queuegov_app;

--
-- Name: TABLE axes_accessattemptexpiration; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.axes_accessattemptexpiration TO queuegov_app;
GRANT SELECT ON TABLE public.axes_accessattemptexpiration TO queuegov_auditor;

--
-- Name: TABLE axes_accessfailurelog; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.axes_accessfailurelog TO queuegov_app;
GRANT SELECT ON TABLE public.axes_accessfailurelog TO queuegov_auditor;

--
-- Name: SEQUENCE axes_accessfailurelog_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.axes_accessfailurelog_id_seq TO queuegov_app;

--
-- Name: TABLE axes_accesslog; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.axes_accesslog TO queuegov_app;
GRANT SELECT ON TABLE public.axes_accesslog TO queuegov_auditor;

--
-- Name: SEQUENCE axes_accesslog_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.axes_accesslog_id_seq TO queuegov_app;

--
-- Name: TABLE consumer_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.consumer_registry TO queuegov_app;
GRANT SELECT ON TABLE public.consumer_registry TO queuegov_auditor;

--
-- Name: TABLE django_admin_log; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.django_admin_log TO queuegov_app;
GRANT SELECT ON TABLE public.django_admin_log TO queuegov_auditor;

--
-- Name: SEQUENCE django_admin_log_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.django_admin_log_id_seq TO queuegov_app;

--
-- Name: TABLE django_content_type; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.django_content_type TO queuegov_app;
GRANT SELECT ON TABLE public.django_content_type TO queuegov_auditor;

--
-- Name: SEQUENCE django_content_type_id_seq; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT ALL ON SEQUENCE public.django_content_type_id_seq TO queuegov_app;

--
-- Name: TABLE django_migrations; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.django_migrations TO queuegov_app;
GRANT SELECT ON TABLE public.django_migrations TO queuegov_auditor;

--
-- Name: TABLE django_session; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT,INSERT,DELETE,TRUNCATE,UPDATE ON TABLE public.django_session TO queuegov_app;

--
-- Name: TABLE dot_config; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.dot_config TO queuegov_app;
GRANT SELECT ON TABLE public.dot_config TO queuegov_auditor;

--
-- Name: TABLE dot_config_history; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.dot_config_history TO queuegov_app;
GRANT SELECT ON TABLE public.dot_config_history TO queuegov_auditor;

--
-- Name: TABLE dot_iu_command_catalog; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.dot_iu_command_catalog TO queuegov_app;
GRANT SELECT ON TABLE public.dot_iu_command_catalog TO queuegov_auditor;

--
-- Name: TABLE dot_iu_command_run; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.dot_iu_command_run TO queuegov_app;
GRANT SELECT ON TABLE public.dot_iu_command_run TO queuegov_auditor;

--
-- Name: TABLE dot_iu_runtime_lease; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.dot_iu_runtime_lease TO queuegov_app;
GRANT SELECT ON TABLE public.dot_iu_runtime_lease TO queuegov_auditor;

--
-- Name: TABLE event_domain_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_domain_registry TO queuegov_app;
GRANT SELECT ON TABLE public.event_domain_registry TO queuegov_auditor;

--
-- Name: TABLE event_pending; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_pending TO queuegov_app;
GRANT SELECT ON TABLE public.event_pending TO queuegov_auditor;

--
-- Name: TABLE event_producer_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_producer_registry TO queuegov_app;
GRANT SELECT ON TABLE public.event_producer_registry TO queuegov_auditor;

--
-- Name: TABLE event_read; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_read TO queuegov_app;
GRANT SELECT ON TABLE public.event_read TO queuegov_auditor;

--
-- Name: TABLE event_subject_key; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.event_subject_key TO queuegov_app;
GRANT SELECT ON TABLE public.event_subject_key TO queuegov_auditor;

--
-- Name: TABLE executor_class_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.executor_class_registry TO queuegov_app;
GRANT SELECT ON TABLE public.executor_class_registry TO queuegov_auditor;

--
-- Name: TABLE executor_login; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.executor_login TO queuegov_app;
GRANT SELECT ON TABLE public.executor_login TO queuegov_auditor;

--
-- Name: TABLE human_task_decision; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.human_task_decision TO queuegov_app;
GRANT SELECT ON TABLE public.human_task_decision TO queuegov_auditor;

--
-- Name: TABLE idempotency_key; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.idempotency_key TO queuegov_app;
GRANT SELECT ON TABLE public.idempotency_key TO queuegov_auditor;

--
-- Name: TABLE information_unit; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.information_unit TO queuegov_app;
GRANT SELECT ON TABLE public.information_unit TO queuegov_auditor;

--
-- Name: TABLE iu_lifecycle_log; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_lifecycle_log TO queuegov_app;
GRANT SELECT ON TABLE public.iu_lifecycle_log TO queuegov_auditor;

--
-- Name: TABLE iu_route_attempt; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_route_attempt TO queuegov_app;
GRANT SELECT ON TABLE public.iu_route_attempt TO queuegov_auditor;

--
-- Name: TABLE iu_route_dead_letter; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_route_dead_letter TO queuegov_app;
GRANT SELECT ON TABLE public.iu_route_dead_letter TO queuegov_auditor;

--
-- Name: TABLE iu_route_delivery; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_route_delivery TO queuegov_app;
GRANT SELECT ON TABLE public.iu_route_delivery TO queuegov_auditor;

--
-- Name: TABLE iu_route_target; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_route_target TO queuegov_app;
GRANT SELECT ON TABLE public.iu_route_target TO queuegov_auditor;

--
-- Name: TABLE iu_sql_event_route; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_sql_event_route TO queuegov_app;
GRANT SELECT ON TABLE public.iu_sql_event_route TO queuegov_auditor;

--
-- Name: TABLE iu_sql_event_route_dry_run_log; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_sql_event_route_dry_run_log TO queuegov_app;
GRANT SELECT ON TABLE public.iu_sql_event_route_dry_run_log TO queuegov_auditor;

--
-- Name: TABLE iu_staging_notice; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_staging_notice TO queuegov_app;
GRANT SELECT ON TABLE public.iu_staging_notice TO queuegov_auditor;

--
-- Name: TABLE iu_staging_record; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_staging_record TO queuegov_app;
GRANT SELECT ON TABLE public.iu_staging_record TO queuegov_auditor;

--
-- Name: TABLE iu_vector_sync_point; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.iu_vector_sync_point TO queuegov_app;
GRANT SELECT ON TABLE public.iu_vector_sync_point TO queuegov_auditor;

--
-- Name: TABLE job_archive; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_archive TO queuegov_app;
GRANT SELECT ON TABLE public.job_archive TO queuegov_auditor;

--
-- Name: TABLE job_attempt; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_attempt TO queuegov_app;
GRANT SELECT ON TABLE public.job_attempt TO queuegov_auditor;

--
-- Name: TABLE job_attempt_history; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_attempt_history TO queuegov_app;
GRANT SELECT ON TABLE public.job_attempt_history TO queuegov_auditor;

--
-- Name: TABLE job_dead_letter; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_dead_letter TO queuegov_app;
GRANT SELECT ON TABLE public.job_dead_letter TO queuegov_auditor;

--
-- Name: TABLE job_schedule; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.job_schedule TO queuegov_app;
GRANT SELECT ON TABLE public.job_schedule TO queuegov_auditor;

--
-- Name: TABLE message_subject_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.message_subject_registry TO queuegov_app;
GRANT SELECT ON TABLE public.message_subject_registry TO queuegov_auditor;

--
-- Name: TABLE queue_heartbeat; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.queue_heartbeat TO queuegov_app;
GRANT SELECT ON TABLE public.queue_heartbeat TO queuegov_auditor;

--
-- Name: TABLE queue_metric_sample; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.queue_metric_sample TO queuegov_app;
GRANT SELECT ON TABLE public.queue_metric_sample TO queuegov_auditor;

--
-- Name: TABLE queue_state; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.queue_state TO queuegov_app;
GRANT SELECT ON TABLE public.queue_state TO queuegov_auditor;

--
-- Name: TABLE retry_policy_registry; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.retry_policy_registry TO queuegov_app;
GRANT SELECT ON TABLE public.retry_policy_registry TO queuegov_auditor;

--
-- Name: TABLE subject_message; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.subject_message TO queuegov_app;
GRANT SELECT ON TABLE public.subject_message TO queuegov_auditor;

--
-- Name: TABLE v_dot_iu_command_run_health; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_dot_iu_command_run_health TO queuegov_app;
GRANT SELECT ON TABLE public.v_dot_iu_command_run_health TO queuegov_auditor;

--
-- Name: TABLE v_event_recipient; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_event_recipient TO queuegov_app;
GRANT SELECT ON TABLE public.v_event_recipient TO queuegov_auditor;

--
-- Name: TABLE v_iu_auto_instantiate_event_summary; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_iu_auto_instantiate_event_summary TO queuegov_app;
GRANT SELECT ON TABLE public.v_iu_auto_instantiate_event_summary TO queuegov_auditor;

--
-- Name: TABLE v_iu_composer_event_backlog; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_iu_composer_event_backlog TO queuegov_app;
GRANT SELECT ON TABLE public.v_iu_composer_event_backlog TO queuegov_auditor;

--
-- Name: TABLE v_iu_event_backlog; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_iu_event_backlog TO queuegov_app;
GRANT SELECT ON TABLE public.v_iu_event_backlog TO queuegov_auditor;

--
-- Name: TABLE v_iu_route_dead_letter_open; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_iu_route_dead_letter_open TO queuegov_app;
GRANT SELECT ON TABLE public.v_iu_route_dead_letter_open TO queuegov_auditor;

--
-- Name: TABLE v_iu_vector_sync_behind; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_iu_vector_sync_behind TO queuegov_app;
GRANT SELECT ON TABLE public.v_iu_vector_sync_behind TO queuegov_auditor;

--
-- Name: TABLE v_orphaned_work; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_orphaned_work TO queuegov_app;
GRANT SELECT ON TABLE public.v_orphaned_work TO queuegov_auditor;

--
-- Name: TABLE v_queue_health; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.v_queue_health TO queuegov_app;
GRANT SELECT ON TABLE public.v_queue_health TO queuegov_auditor;

--
-- Name: TABLE workflow; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.workflow TO queuegov_app;
GRANT SELECT ON TABLE public.workflow TO queuegov_auditor;

--
-- Name: TABLE workflow_step_dependency; Type: ACL; Schema: public; Owner: queuegov_owner
--

GRANT SELECT ON TABLE public.workflow_step_dependency TO queuegov_app;
GRANT SELECT ON TABLE public.workflow_step_dependency TO queuegov_auditor;

--
-- PostgreSQL database dump complete
--
