-- event_outbox had two indexes led by id: its primary key (id, created_at) and
-- event_outbox_id (id) beside it (sql/events/0002_outbox.sql). The primary key
-- serves every lookup and order by id alone, so the second one only cost each
-- event an index entry: 3 µs an event of 48 in pending processing (the event
-- bench's stage (2), three runs each side). tests/queuegov/test_indexes.py finds such
-- pairs in every engine table.
DROP INDEX event_outbox_id;
