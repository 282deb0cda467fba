-- Why: every gate ships OFF, per-route ones included (docs/operations.md,
-- "Gates"); the shipped trigger-IN route job_dead_lettered was the one
-- exception (sql/events/0005_trigger_in.sql opened it). It now goes live like
-- any route: a gate change one person requests and another approves (the demo
-- does so). An install where someone has since changed the gate keeps its value:
-- only the value the migration itself set is closed. Its route follows the gate
-- (fn_sql_event_route_follow_gate): disabled and dry-run.

SELECT set_config('queuegov.actor', 'system:migration', true);
SELECT fn_config_guard_set(false);
UPDATE dot_config SET value = 'false', updated_by = 'system:migration'
 WHERE key = 'event.sql_route.job_dead_lettered.live' AND value = 'true'::jsonb AND updated_by = 'system:migration';
SELECT fn_config_guard_set(true);
