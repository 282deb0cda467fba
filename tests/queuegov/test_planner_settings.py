"""A function that turns planner methods off also turns JIT off.

Turning a method off (``SET enable_sort = off`` and the like, which several
engine functions do so that a plan made without their arguments' values, or
from stale statistics, still walks an index) leaves the method possible at a
cost of 10^10. A plan that uses it anyway then costs more than
``jit_above_cost`` (100,000), and PostgreSQL compiles the statement's
expressions with LLVM on every execution: a claim measured here took 55 ms on
its first call and 7.6 ms on each call after (instead of 0.1 ms) once JIT was
on. No statement of the engine gains anything from JIT (sql/jobs/0017,
sql/events/0032).
"""

from __future__ import annotations

import pytest

from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db


def test_every_function_turning_a_planner_method_off_turns_jit_off() -> None:
    rows = sql_rows(
        "SELECT p.oid::regprocedure::text, p.proconfig::text FROM pg_proc p"
        " WHERE p.pronamespace = 'public'::regnamespace"
        "   AND EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'enable\\_%%=off')"
        " ORDER BY 1"
    )
    assert rows, "no engine function turns a planner method off: this test guards nothing"
    assert [name for name, config in rows if "jit=off" not in config] == []
