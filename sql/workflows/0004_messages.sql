-- Issue 18: messages (the comment stream) posted on any registered subject to
-- users, groups or roles, threaded, in the recipients' inboxes
-- (docs/workflows.md, "Messages"). A subject is a row of a table registered in
-- message_subject_registry (an information unit, a manifest, a job, a workflow,
-- a task); a reply stays on its thread's subject and reaches the thread's
-- people. Posting is audited as message.post.

INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, status,
                                 producer_ref, description, rubric) VALUES
    ('governance.message.posted', 'governance', 'comment', 'immediate', 'info', 'active', 'fn_message_post',
     'A message was posted on a subject to users, groups or roles',
     '{"decision": "Its recipients read it and may answer on the thread.",
       "consumer": "The recipients'' inboxes (the comment stream).",
       "loss": "A message that reaches nobody is a question nobody answers."}');

CREATE TABLE message_subject_registry (
    subject_table  text PRIMARY KEY,
    key_column     text NOT NULL,
    description    text NOT NULL
);
COMMENT ON TABLE message_subject_registry IS 'The tables whose rows messages may be posted on, and the column naming a row.';
INSERT INTO message_subject_registry (subject_table, key_column, description) VALUES
    ('information_unit', 'id', 'an information unit'),
    ('iu_staging_record', 'id', 'a staged manifest'),
    ('job_queue', 'id', 'a job'),
    ('workflow', 'id', 'a workflow'),
    ('workflow_step', 'id', 'a workflow step'),
    ('human_task', 'id', 'a task or approval');

CREATE TABLE subject_message (
    id              bigserial PRIMARY KEY,
    subject_table   text NOT NULL REFERENCES message_subject_registry (subject_table),
    subject_ref     text NOT NULL,
    reply_to_id     bigint REFERENCES subject_message (id),
    thread_id       bigint NOT NULL,
    author          text NOT NULL,
    body            text NOT NULL,
    -- [{"kind": "user" | "group" | "role", "ref": name}, ...]
    recipients      jsonb NOT NULL,
    event_id        bigint,
    posted_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subject_message_body_length CHECK (length(btrim(body)) >= 1 AND length(body) <= 4000)
);
COMMENT ON TABLE subject_message IS 'Messages on subjects, threaded (docs/workflows.md); written only by fn_message_post.';
COMMENT ON CONSTRAINT subject_message_body_length ON subject_message IS 'a message has 1 to 4000 characters';
COMMENT ON CONSTRAINT subject_message_subject_table_fkey ON subject_message IS
    'messages are posted only on registered subjects (message_subject_registry)';
COMMENT ON CONSTRAINT subject_message_reply_to_id_fkey ON subject_message IS 'a reply answers a message';
CREATE INDEX subject_message_subject ON subject_message (subject_table, subject_ref, id);
CREATE INDEX subject_message_thread ON subject_message (thread_id, id);

CREATE FUNCTION fn_message_recipients_checked(p_recipients jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
-- [{"kind", "ref"}] with kinds user, group or role and names of 1..150
-- characters, without repeats; NULL is no recipient.
BEGIN
    IF p_recipients IS NULL THEN
        RETURN '[]';
    END IF;
    IF jsonb_typeof(p_recipients) <> 'array' OR jsonb_array_length(p_recipients) > 50
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_recipients) r
                   WHERE jsonb_typeof(r) <> 'object' OR r - ARRAY['kind', 'ref'] <> '{}'::jsonb
                      OR coalesce(r ->> 'kind', '') NOT IN ('user', 'group', 'role')
                      OR jsonb_typeof(r -> 'ref') IS DISTINCT FROM 'string'
                      OR length(btrim(r ->> 'ref')) NOT BETWEEN 1 AND 150) THEN
        RAISE EXCEPTION 'invalid_recipients: recipients are at most 50 objects {"kind": "user" | "group" | "role", "ref": name}, not %',
                left(p_recipients::text, 300)
            USING ERRCODE = 'QG004';
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('kind', r ->> 'kind', 'ref', btrim(r ->> 'ref'))), '[]')
              FROM jsonb_array_elements(p_recipients) r);
END;
$$;

CREATE FUNCTION fn_message_post(p_subject_table text, p_subject_ref text, p_body text, p_recipients jsonb,
                                p_reply_to bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    v_exists boolean;
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
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I::text = $1)', v_subject.subject_table, v_subject.key_column)
       INTO v_exists USING p_subject_ref;
    IF NOT v_exists THEN
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
