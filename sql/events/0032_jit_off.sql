-- Why: fn_event_pending_emit_batch (enable_bitmapscan off, sql/events/0022) and
-- fn_iu_route_batch (enable_sort off, sql/events/0022) keep the planner off a
-- method by making it cost 10^10, not by forbidding it. A plan that used the
-- method anyway would cost more than jit_above_cost (100,000), and PostgreSQL
-- would compile the batch's expressions with LLVM on every call (a claim
-- measured so took 7.6 ms instead of 0.1). Neither batch gains anything from
-- JIT, so both turn it off, as fn_queue_health and fn_job_claim_pick do
-- (tests/queuegov/test_planner_settings.py).
ALTER FUNCTION fn_event_pending_emit_batch(integer, timestamp with time zone) SET jit = off;
ALTER FUNCTION fn_iu_route_batch(text, xid8, bigint, xid8, integer) SET jit = off;
