-- queue_metric_sample_at (sampled_at DESC) repeated the lead of the sample's own
-- key, queue_metric_sample_once UNIQUE (sampled_at, queue_name), which serves every
-- read by time in either direction: one index less to write per sample.
-- tests/queuegov/test_indexes.py finds such pairs in every engine table.
DROP INDEX queue_metric_sample_at;
