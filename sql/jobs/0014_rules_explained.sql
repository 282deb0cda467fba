-- Why: every named rule explains itself where it is enforced, so a refusal
-- reads "<rule>: <what the rule is and what to do>" (docs/architecture.md,
-- "Refusals"; queuegov.errors.explain reads COMMENT ON CONSTRAINT). Each app
-- comments the rules of the tables and DOMAINs it created
-- (docs/architecture.md, "Who owns what"); these are the job substrate's.

-- ---------------------------------------------------------------------------
-- DOMAINs
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT job_kind_format ON DOMAIN qg_job_kind IS
    'a job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): rename the kind to fit';
COMMENT ON CONSTRAINT job_status_allowed ON DOMAIN qg_job_status IS
    'a job''s status is queued, running, succeeded, cancelled or dead: move jobs between them only through the job functions (claim, ack, fail, cancel, release)';
COMMENT ON CONSTRAINT priority_in_range ON DOMAIN qg_job_priority IS
    'a job''s priority is a whole number from -100 to 100 (higher is claimed first): give a priority in that range';
COMMENT ON CONSTRAINT attempts_non_negative ON DOMAIN qg_job_attempts IS
    'a job''s attempt count is never negative: it counts claims, so leave it to the job functions';
COMMENT ON CONSTRAINT max_attempts_in_range ON DOMAIN qg_job_max_attempts IS
    'a job or retry policy allows from 1 to 1000 attempts: give max_attempts in that range';
COMMENT ON CONSTRAINT idempotency_key_length ON DOMAIN qg_idempotency_key IS
    'a job''s idempotency key is 1 to 500 characters: pass a shorter non-empty key, or none';
COMMENT ON CONSTRAINT correlation_id_length ON DOMAIN qg_correlation_id IS
    'a correlation id is at most 200 characters: pass a shorter id (a reference, not content)';

-- ---------------------------------------------------------------------------
-- Registries
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT retry_policy_code_format ON retry_policy_registry IS
    'a retry policy code is 1 to 63 lowercase letters, digits or _ . -, starting with a letter: rename the policy to fit';
COMMENT ON CONSTRAINT retry_policy_backoff_allowed ON retry_policy_registry IS
    'a retry policy''s backoff is exponential, linear or fixed: use one of those three';
COMMENT ON CONSTRAINT retry_policy_base_delay_positive ON retry_policy_registry IS
    'a retry policy waits more than 0 seconds before a retry: give a positive base_delay_seconds';
COMMENT ON CONSTRAINT retry_policy_max_delay_at_least_base ON retry_policy_registry IS
    'a retry policy''s longest delay is at least its base delay: raise max_delay_seconds or lower base_delay_seconds';
COMMENT ON CONSTRAINT retry_policy_status_allowed ON retry_policy_registry IS
    'a retry policy is active or retired: use one of those two';

COMMENT ON CONSTRAINT executor_class_code_format ON executor_class_registry IS
    'an executor class code is 1 to 63 lowercase letters, digits or _ . -, starting with a letter: rename the class to fit';
COMMENT ON CONSTRAINT executor_class_max_concurrency_positive ON executor_class_registry IS
    'an executor class runs at least one job at a time, or has no cap: give max_concurrency 1 or more, or leave it empty';
COMMENT ON CONSTRAINT executor_class_status_allowed ON executor_class_registry IS
    'an executor class is active or retired: use one of those two';

COMMENT ON CONSTRAINT consumer_job_kind_format ON consumer_registry IS
    'a registered job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): rename the kind to fit';
COMMENT ON CONSTRAINT consumer_queue_name_format ON consumer_registry IS
    'a job kind''s default queue name is 1 to 51 lowercase letters, digits or _, starting with a letter: name a queue that fits';
COMMENT ON CONSTRAINT consumer_registry_executor_class_fkey ON consumer_registry IS
    'a job kind runs on an executor class listed in executor_class_registry: name one of the registered classes (fn_consumer_register)';
COMMENT ON CONSTRAINT consumer_registry_retry_policy_fkey ON consumer_registry IS
    'a job kind''s retry policy is one listed in retry_policy_registry: name one of the registered policies, such as default, linear, fixed or no_retry';
COMMENT ON CONSTRAINT consumer_status_allowed ON consumer_registry IS
    'a registered job kind is active or retired: use one of those two';

COMMENT ON CONSTRAINT queue_name_format ON queue_state IS
    'a queue name is 1 to 51 lowercase letters, digits or _, starting with a letter: rename the queue to fit';
COMMENT ON CONSTRAINT queue_pause_has_reason ON queue_state IS
    'a paused queue records who paused it and why: pause it with fn_queue_pause and give a reason';

COMMENT ON CONSTRAINT idempotency_key_unique ON idempotency_key IS
    'an action keyed for idempotency is done once per scope and key: it was already done, so look up its earlier result instead of repeating it';

COMMENT ON CONSTRAINT heartbeat_executor_name_format ON queue_heartbeat IS
    'an executor''s heartbeat names it in 1 to 200 characters: give the executor a non-empty name of at most 200 characters';
COMMENT ON CONSTRAINT heartbeat_status_allowed ON queue_heartbeat IS
    'an executor''s heartbeat is fresh or stale: the heartbeat functions set it, never write another value';

COMMENT ON CONSTRAINT executor_login_queues_named ON executor_login IS
    'an executor login may claim from the queues it lists, so a list names at least one queue: pass NULL for any queue, not an empty list';

-- ---------------------------------------------------------------------------
-- Jobs, attempts, dead letters, schedules
-- ---------------------------------------------------------------------------
COMMENT ON CONSTRAINT lease_fields_consistent ON job_queue IS
    'a job is running exactly when it has a lease owner and a lease end: change a job''s state only through the job functions (claim, ack, fail, release, cancel)';
COMMENT ON CONSTRAINT released_attempts_in_range ON job_queue IS
    'a job''s released claims number from 0 to its attempts: give claims back only with fn_job_release_many';

COMMENT ON CONSTRAINT job_attempt_outcome_allowed ON job_attempt IS
    'a job attempt that did not succeed ended failed, lease_expired, released or cancelled: the job functions record one of those';

COMMENT ON CONSTRAINT dead_letter_triage_status_allowed ON job_dead_letter IS
    'a dead letter''s triage status is open, manual_replay, discarded or replayed: triage it with fn_job_dead_letter_triage';
COMMENT ON CONSTRAINT dead_letter_replay_complete ON job_dead_letter IS
    'a dead letter is replayed exactly when it names the job it was replayed into: replay it with fn_job_dead_letter_replay instead of setting the status';

COMMENT ON CONSTRAINT schedule_name_format ON job_schedule IS
    'a schedule name is 1 to 100 lowercase letters, digits or _ . -, starting with a letter: rename the schedule to fit';
COMMENT ON CONSTRAINT cron_expression_valid ON job_schedule IS
    'a schedule''s cron expression has five fields (minute hour day-of-month month day-of-week) or is @hourly, @daily, @weekly, @monthly or @yearly, and fires within ten years: correct the expression';
COMMENT ON CONSTRAINT schedule_job_kind_format ON job_schedule IS
    'a schedule''s job kind starts with a letter and uses only letters, digits and _ . : - (200 characters at most): name a valid job kind';
COMMENT ON CONSTRAINT job_schedule_queue_name_fkey ON job_schedule IS
    'a schedule''s queue must be registered first (fn_queue_register)';
