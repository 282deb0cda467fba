-- The status views operators know from the organisation's documents, under
-- the documents' names, as thin views over the current tables, so saved
-- queries keep working (docs/operations.md, "Status views").

-- Per route-worker cursor: events of its domain not read yet, and deliveries
-- parked for retry (they no longer hold the cursor back).
CREATE VIEW v_iu_event_backlog AS
SELECT c.worker_name, c.event_domain, c.enabled, c.last_event_id, c.last_run_at, c.processed_count,
       c.dead_lettered_count, b.unrouted, b.oldest_unrouted_at, p.parked, p.next_retry_at
  FROM iu_route_worker_cursor c
 CROSS JOIN LATERAL (
    SELECT count(*) AS unrouted, min(e.created_at) AS oldest_unrouted_at
      FROM event_outbox e
     WHERE e.event_domain = c.event_domain AND (e.tx_id, e.id) > (c.last_tx_id, c.last_event_id)) b
 CROSS JOIN LATERAL (
    SELECT count(*) AS parked, min(d.next_attempt_at) AS next_retry_at
      FROM iu_route_delivery d
     WHERE d.status = 'pending' AND d.event_domain = c.event_domain) p;
COMMENT ON VIEW v_iu_event_backlog IS
    'Per route worker and domain: unrouted events after the cursor and deliveries parked for retry (docs/operations.md, "Status views").';

-- Route dead letters not yet resolved (open, or waiting for a manual replay).
CREATE VIEW v_iu_route_dead_letter_open AS
SELECT dl.id, dl.event_id, dl.event_type, r.route_name, r.action_kind, r.target, dl.worker_name, dl.attempts,
       dl.last_error, dl.dead_at, dl.triage_status, dl.triaged_by, dl.note,
       extract(epoch FROM now() - dl.dead_at)::bigint AS open_seconds
  FROM iu_route_dead_letter dl
  JOIN iu_outbound_route r ON r.id = dl.route_id
 WHERE dl.triage_status IN ('open', 'manual_replay');
COMMENT ON VIEW v_iu_route_dead_letter_open IS
    'Route dead letters still to triage or replay (docs/operations.md, "Status views").';

-- The composer (L2: captures debounced into events): unprocessed captures per type.
CREATE VIEW v_iu_composer_event_backlog AS
SELECT p.event_type, count(*) AS pending, count(*) FILTER (WHERE p.error_count > 0) AS failing,
       count(*) FILTER (WHERE p.error_count >= fn_setting_int('event.retry.max_attempts')) AS parked,
       min(p.captured_at) AS oldest_captured_at, max(p.captured_at) AS newest_captured_at,
       (array_agg(p.last_error ORDER BY p.id DESC) FILTER (WHERE p.last_error IS NOT NULL))[1] AS last_error
  FROM event_pending p
 WHERE p.processed_at IS NULL
 GROUP BY p.event_type;
COMMENT ON VIEW v_iu_composer_event_backlog IS
    'Captures waiting to become events, per type; parked ones failed event.retry.max_attempts times (docs/operations.md, "Status views").';

-- DOT command runs per command: what runs, what ran, how it ended.
CREATE VIEW v_dot_iu_command_run_health AS
SELECT c.command, c.operator_alias,
       count(r.id) AS runs,
       count(r.id) FILTER (WHERE r.run_status = 'running') AS running,
       count(r.id) FILTER (WHERE r.run_status = 'running' AND r.started_at < now() - interval '1 hour') AS running_over_an_hour,
       count(r.id) FILTER (WHERE r.run_status IN ('refused', 'problems')) AS refused_or_problems,
       count(r.id) FILTER (WHERE r.started_at > now() - interval '1 day') AS runs_last_day,
       max(r.started_at) AS last_started_at,
       (array_agg(r.run_status ORDER BY r.id DESC))[1] AS last_status,
       round(avg(extract(epoch FROM r.finished_at - r.started_at) * 1000)
             FILTER (WHERE r.finished_at IS NOT NULL), 1) AS avg_duration_ms
  FROM dot_iu_command_catalog c
  LEFT JOIN dot_iu_command_run r ON r.command = c.command
 GROUP BY c.command, c.operator_alias;
COMMENT ON VIEW v_dot_iu_command_run_health IS
    'DOT command runs per catalog command: running, stuck over an hour, refused or with problems (docs/operations.md, "Status views").';

-- What the trigger-OUT routes did with the events they matched (the
-- documents' auto-instantiate consumer is a route here).
CREATE VIEW v_iu_auto_instantiate_event_summary AS
SELECT r.id AS route_id, r.route_name, r.event_type AS route_event_type, r.action_kind, r.target, r.enabled, r.dry_run,
       count(d.event_id) AS deliveries,
       count(d.event_id) FILTER (WHERE d.status = 'succeeded') AS succeeded,
       count(d.event_id) FILTER (WHERE d.status = 'pending') AS parked,
       count(d.event_id) FILTER (WHERE d.status = 'dry_run') AS dry_run_deliveries,
       count(d.event_id) FILTER (WHERE d.status = 'dead_lettered') AS dead_lettered,
       max(d.updated_at) AS last_delivery_at
  FROM iu_outbound_route r
  LEFT JOIN iu_route_delivery d ON d.route_id = r.id
 GROUP BY r.id;
COMMENT ON VIEW v_iu_auto_instantiate_event_summary IS
    'Per trigger-OUT route: deliveries succeeded, parked, dry-run and dead-lettered (docs/operations.md, "Status views").';
