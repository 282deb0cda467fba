-- Why: the database is the trust boundary (docs/security.md). Until now every
-- function trusted whatever a session put in `queuegov.actor`, so any holder of
-- a connection string could approve their own gate change. From here on:
--
-- * one function resolves who acts: the app role (it authenticated the user)
--   and the owner (the trust root) name the actor in `queuegov.actor`; any
--   other login acts as `db:<login>`, whatever it sets;
-- * a transaction acts as one actor: a governed act that finds another actor
--   already acted in its transaction is refused (`actor_switched`);
-- * the function that applies a governed act writes its audit row itself, so
--   the admin, commands and psql are audited alike (fn_act_audit);
-- * every audit row carries a hash chained to the previous one, so an edit by
--   the owner is detectable (fn_audit_verify, `manage.py audit_verify`).
--
-- Role names are per installation (QUEUEGOV_DB_ROLE_PREFIX); the migration
-- writes them into fn_db_role, and grants follow queuegov/privileges.py.

-- ---------------------------------------------------------------------------
-- The installation's roles
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_db_role(p_purpose text) RETURNS name
LANGUAGE sql IMMUTABLE AS $$
    -- The role of each purpose. This body has the default prefix; the migration
    -- writes it again with QUEUEGOV_DB_ROLE_PREFIX (queuegov.dbroles). A constant
    -- in a LANGUAGE sql function, not a table: the planner folds it into the
    -- statements that resolve the actor, which run on every enqueue.
    SELECT CASE p_purpose
        WHEN 'owner' THEN 'queuegov_owner'          -- owns every object; migrations run as it
        WHEN 'app' THEN 'queuegov_app'              -- Django web, workers and commands; names the acting user
        WHEN 'executor' THEN 'queuegov_executor'    -- group of external executor logins: the job API only
        WHEN 'auditor' THEN 'queuegov_auditor'      -- read-only on everything
    END::name
$$;

-- ---------------------------------------------------------------------------
-- Who acts
-- ---------------------------------------------------------------------------
-- The actor resolvers are LANGUAGE sql expressions with no table and no
-- sub-query, so the planner inlines them into the statements that use them: on
-- every enqueue, claim and ack a function call (let alone a SECURITY DEFINER or
-- SET clause, ~20 µs each in an autocommit enqueue; bench/README.md) would cost
-- more than the rule. They change nothing and depend only on the session's
-- login and role (a SECURITY DEFINER function changes current_user, not the
-- role setting), which no caller can forge.
CREATE FUNCTION fn_caller_role() RETURNS name
LANGUAGE sql STABLE AS $$
    -- The role the session acts as: SET ROLE (or the login's `-c role=`) else the login.
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role')::name END
$$;

CREATE FUNCTION fn_caller_names_actor() RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- Only members of the app role and of the owner (superusers are members of
    -- every role) name the actor; every other login acts as itself.
    SELECT pg_has_role(fn_caller_role(), fn_db_role('app'), 'MEMBER')
        OR pg_has_role(fn_caller_role(), fn_db_role('owner'), 'MEMBER')
$$;

CREATE FUNCTION fn_clock(p_now timestamptz, p_what text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
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

CREATE OR REPLACE FUNCTION fn_actor() RETURNS text
LANGUAGE sql STABLE AS $$
    -- The resolved actor: the app's named actor (NULL when it named none), else db:<login>.
    SELECT CASE WHEN fn_caller_names_actor() THEN nullif(current_setting('queuegov.actor', true), '')
                ELSE 'db:' || session_user END
$$;
COMMENT ON FUNCTION fn_actor() IS 'Who acts: the actor the app role named (user:<name>, command:<name>, worker:<id>, sql:<name>), or db:<login> for every other login.';

CREATE OR REPLACE FUNCTION fn_actor_required() RETURNS text
LANGUAGE plpgsql STABLE AS $$
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

CREATE OR REPLACE FUNCTION fn_actor_context() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- One actor per transaction. The seal lives where no caller can write it (a
-- GUC could be reset); UNLOGGED because it only matters while the backend lives.
CREATE UNLOGGED TABLE actor_seal (
    pid   integer PRIMARY KEY,
    xid   xid8 NOT NULL,
    actor text NOT NULL
);
COMMENT ON TABLE actor_seal IS 'The actor each backend''s current transaction acts as (one actor per transaction).';

CREATE FUNCTION fn_actor_governed() RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_actor_unseal() RETURNS void
LANGUAGE sql AS $$
    -- Owner only (the trust root): lets a test act as several actors in one transaction.
    DELETE FROM actor_seal WHERE pid = pg_backend_pid();
$$;

-- ---------------------------------------------------------------------------
-- The audit trail: hash chain
-- ---------------------------------------------------------------------------
ALTER TABLE admin_action_audit
    ADD COLUMN chain_no  bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN row_hash  bytea;
CREATE UNIQUE INDEX admin_action_audit_chain_no ON admin_action_audit (chain_no);

CREATE TABLE admin_action_audit_chain_head (
    only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT audit_chain_head_single CHECK (only_row),
    chain_no bigint NOT NULL,
    row_hash bytea
);
COMMENT ON TABLE admin_action_audit_chain_head IS 'The last link of the audit hash chain; appends lock it, so links are made one at a time.';

CREATE FUNCTION fn_audit_row_hash(a admin_action_audit) RETURNS bytea
LANGUAGE sql STABLE AS $$
    -- sha256 of the row's content and its predecessor's hash. Times as epoch
    -- microseconds, so the text does not depend on the session's TimeZone.
    SELECT sha256(convert_to(jsonb_build_array(
        a.chain_no, encode(a.prev_hash, 'hex'), a.id,
        (extract(epoch FROM a.occurred_at) * 1000000)::bigint,
        a.actor, a.actor_user_id, to_jsonb(a.roles), a.action, a.target_table, to_jsonb(a.target_ids),
        a.reason, a.before_state, a.after_state, a.outcome, a.detail, a.source,
        a.request_id, a.request_ip::text, a.request_path, a.user_agent, a.txid)::text, 'UTF8'))
$$;

CREATE FUNCTION fn_audit_chain_link() RETURNS trigger
LANGUAGE plpgsql AS $$
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

-- Link the rows written before this migration, in id order. The append-only
-- trigger is off for this one statement (the migration runs as the owner).
DO $$
DECLARE
    a admin_action_audit%ROWTYPE;
    v_no bigint := 0;
    v_prev bytea;
    v_trigger text;
BEGIN
    SELECT tgname INTO v_trigger FROM pg_trigger
     WHERE tgrelid = 'admin_action_audit'::regclass AND tgname LIKE 'pgtrigger\_audit\_append\_only\_%';
    EXECUTE format('ALTER TABLE admin_action_audit DISABLE TRIGGER %I', v_trigger);
    FOR a IN SELECT * FROM admin_action_audit ORDER BY id LOOP
        v_no := v_no + 1;
        a.chain_no := v_no;
        a.prev_hash := v_prev;
        a.row_hash := fn_audit_row_hash(a);
        UPDATE admin_action_audit SET chain_no = a.chain_no, prev_hash = a.prev_hash, row_hash = a.row_hash
         WHERE id = a.id;
        v_prev := a.row_hash;
    END LOOP;
    EXECUTE format('ALTER TABLE admin_action_audit ENABLE TRIGGER %I', v_trigger);
    INSERT INTO admin_action_audit_chain_head (chain_no, row_hash) VALUES (v_no, v_prev);
END;
$$;

ALTER TABLE admin_action_audit
    ALTER COLUMN chain_no SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL;
CREATE TRIGGER admin_action_audit_chain_link BEFORE INSERT ON admin_action_audit
    FOR EACH ROW EXECUTE FUNCTION fn_audit_chain_link();

CREATE FUNCTION fn_audit_verify() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- ---------------------------------------------------------------------------
-- Writing audit rows
-- ---------------------------------------------------------------------------
CREATE FUNCTION fn_audit_write(
    p_action       text,
    p_outcome      text,
    p_target_table text,
    p_target_ids   text[],
    p_reason       text,
    p_before       jsonb,
    p_after        jsonb,
    p_detail       text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION fn_audit_record(
    p_action       text,
    p_outcome      text,
    p_target_table text DEFAULT NULL,
    p_target_ids   text[] DEFAULT '{}',
    p_reason       text DEFAULT NULL,
    p_before       jsonb DEFAULT NULL,
    p_after        jsonb DEFAULT NULL,
    p_detail       text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
$$;

CREATE FUNCTION fn_act_audit(
    p_answer       jsonb,
    p_action       text,
    p_target_table text,
    p_target_ids   text[],
    p_reason       text,
    p_before       jsonb DEFAULT NULL,
    p_detail       text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- Reasons and notes sent through SQL obey the admin's cap (its forms take 2000
-- characters), so an audit row never holds a megabyte of "reason".
CREATE FUNCTION fn_reason_checked(p_text text, p_what text DEFAULT 'reason') RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF length(p_text) > 2000 THEN
        RAISE EXCEPTION 'reason_too_long: the % is % characters; at most 2000', p_what, length(p_text)
            USING ERRCODE = 'QG008';
    END IF;
    RETURN p_text;
END;
$$;

-- ---------------------------------------------------------------------------
-- Gate changes: the audited public functions. The rules stay in the
-- *_unaudited functions they wrap, which only the owner may call.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_gate_change_request(text, jsonb, text) RENAME TO fn_gate_change_request_unaudited;
ALTER FUNCTION fn_gate_change_approve(bigint, text) RENAME TO fn_gate_change_approve_unaudited;
ALTER FUNCTION fn_gate_change_reject(bigint, text) RENAME TO fn_gate_change_reject_unaudited;
ALTER FUNCTION fn_gate_change_withdraw(bigint, text) RENAME TO fn_gate_change_withdraw_unaudited;

CREATE FUNCTION fn_gate_change_request(p_key text, p_new_value jsonb, p_reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_gate_change_decision_before(p_request_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', status, 'config_id', config_key, 'new_value', new_value)
      FROM gate_change_request WHERE id = p_request_id
$$;

CREATE FUNCTION fn_gate_change_approve(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_gate_change_reject(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE FUNCTION fn_gate_change_withdraw(p_request_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- Retention deletes: it runs at the real time (fn_clock) and an applied run is audited.
ALTER FUNCTION fn_queue_retention(boolean, integer, integer, timestamptz) RENAME TO fn_queue_retention_unaudited;
CREATE FUNCTION fn_queue_retention(p_apply boolean DEFAULT false, p_batch_size integer DEFAULT 5000,
                                   p_max_batches integer DEFAULT 20, p_now timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- History rows name the resolved actor (a direct write is the owner's).
CREATE OR REPLACE FUNCTION fn_config_history_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
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

-- ---------------------------------------------------------------------------
-- Rights: the state-changing functions of this app run as the owner with a
-- pinned search_path (pg_temp last, so a caller's temp objects never shadow
-- ours). Who may call what is queuegov/privileges.py, applied after migrate.
-- ---------------------------------------------------------------------------
ALTER FUNCTION fn_gate_change_request_unaudited(text, jsonb, text) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_gate_change_approve_unaudited(bigint, text) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_gate_change_reject_unaudited(bigint, text) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_gate_change_withdraw_unaudited(bigint, text) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION fn_queue_metrics_sample SECURITY DEFINER SET search_path = public, pg_temp;


-- The renamed rule-holders were executable by PUBLIC until now; they must not be
-- between here and the end of `migrate` (queuegov/privileges.py then grants).
REVOKE EXECUTE ON FUNCTION fn_gate_change_request_unaudited(text, jsonb, text),
    fn_gate_change_approve_unaudited(bigint, text), fn_gate_change_reject_unaudited(bigint, text),
    fn_gate_change_withdraw_unaudited(bigint, text), fn_actor_unseal(), fn_audit_write(text, text, text, text[], text, jsonb, jsonb, text),
    fn_act_audit(jsonb, text, text, text[], text, jsonb, text), fn_actor_governed(),
    fn_queue_retention_unaudited(boolean, integer, integer, timestamptz) FROM PUBLIC;
