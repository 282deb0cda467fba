"""No engine table keeps an index another of its indexes already serves.

Every index is written on each insert and on each update that is not HOT; on the
hot tables (job_queue, event_outbox, event_pending) an index entry costs a few
µs per row. An index on the leading columns of another one with the same
predicate serves no read the other cannot, so it only costs writes: event_outbox
kept (id) beside its primary key (id, created_at) (sql/events/0024). Django's
own tables (managed models) and their third-party apps' are left as they ship.
"""

from __future__ import annotations

import pytest

from queuegov.privileges import django_tables
from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db


def test_no_index_repeats_the_lead_of_another_on_the_same_rows() -> None:
    pairs = sql_rows(
        "SELECT a.indrelid::regclass::text, a.indexrelid::regclass::text, b.indexrelid::regclass::text"
        "  FROM pg_index a"
        "  JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid"
        "  JOIN pg_class t ON t.oid = a.indrelid"
        " WHERE t.relnamespace = 'public'::regnamespace AND NOT a.indisunique"
        "   AND a.indexprs IS NULL AND b.indexprs IS NULL"
        "   AND pg_get_expr(a.indpred, a.indrelid) IS NOT DISTINCT FROM pg_get_expr(b.indpred, b.indrelid)"
        "   AND (b.indkey::text = a.indkey::text OR b.indkey::text LIKE a.indkey::text || ' %%')"
        "   AND a.indclass::text = left(b.indclass::text, length(a.indclass::text))"
        "   AND NOT t.relispartition"
        " ORDER BY 1, 2"
    )
    django = set(django_tables())
    assert [p for p in pairs if p[0] not in django] == []
