-- Why: the operations job kinds moved with their handlers from queuegov/builtin.py
-- to queuegov/ops/builtin.py (docs/architecture.md, "Layers"); handler_ref is the
-- import path a worker falls back to when no handler is registered in-process.

UPDATE consumer_registry
   SET handler_ref = 'queuegov.ops.builtin.' || split_part(handler_ref, '.', 3)
 WHERE handler_ref IN ('queuegov.builtin.metrics_sample', 'queuegov.builtin.retention');
