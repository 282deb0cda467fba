-- Why: the first people after install need role groups, and four-eyes needs at
-- least two (docs/operations.md, "First users"). Putting a user in a role group
-- or taking them out is a governed act: `manage.py grant_role` calls this
-- function, which changes Django's auth_user_groups and writes its audit row in
-- the same transaction (role.grant / role.revoke).

CREATE FUNCTION fn_role_grant(p_username text, p_role text, p_grant boolean, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
