-- Why: every named rule explains itself where it is enforced, so a refusal
-- reads "<rule>: <what the rule is and what to do>" (docs/architecture.md,
-- "Refusals"; queuegov.errors.explain reads COMMENT ON CONSTRAINT). Each app
-- comments the rules of the tables it created (docs/architecture.md, "Who owns
-- what"); the operations layer owns queue_metric_sample.

COMMENT ON CONSTRAINT queue_metric_sample_once ON queue_metric_sample IS
    'a queue has one metrics sample per sampling minute: that minute is already sampled, so wait for the next one (fn_queue_metrics_sample does)';
