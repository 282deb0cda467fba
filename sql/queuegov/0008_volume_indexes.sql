-- Why: the admin's filters and exact searches at volume (issue 6: every
-- changelist under 500 ms with 1,000,000 jobs and 1,000,000 events; measured
-- by bench/admin_volume.py). PostgreSQL answers an OR of equalities from
-- indexes (BitmapOr) only when every branch has one; these columns had none,
-- so each search or kind filter scanned the whole table twice (page + count):
--
--   jobs    ?job_kind=<rare kind>           ~380 ms  (job kind filter)
--   jobs    ?q=<correlation id>             ~510 ms  (=job_kind OR =idempotency_key OR =correlation_id)
--   events  ?q=<correlation id>             ~770 ms  (=event_type OR =event_subject_ref OR =correlation_id
--                                                     OR =causation_id, every partition)
--
-- job_queue_kind is (job_kind, id) so "one kind, newest first" is one backward
-- index scan; it costs every enqueue one more index entry (no measurable
-- change of fn_job_enqueue_many / fn_job_claim + fn_job_ack_many on the
-- volume database, within a ±10 % noise). The event indexes are partial:
-- an event without a subject or a cause pays nothing, and on the partitioned
-- parent they cover every existing and future monthly partition.

CREATE INDEX job_queue_kind ON job_queue (job_kind, id);
CREATE INDEX event_outbox_subject_ref ON event_outbox (event_subject_ref) WHERE event_subject_ref IS NOT NULL;
CREATE INDEX event_outbox_causation ON event_outbox (causation_id) WHERE causation_id IS NOT NULL;
