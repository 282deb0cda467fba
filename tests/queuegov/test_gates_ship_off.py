"""Every gate ships OFF (docs/operations.md, "Gates"), per-route ones included: the
value each gate's migrations left it at is false. Read from the gate history the
migrations wrote (system:migration), so gates the suite opens and closes since do
not matter."""

from __future__ import annotations

import pytest

from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db


def test_no_gate_ships_open() -> None:
    shipped = sql_rows(
        "SELECT DISTINCT ON (h.key) h.key, h.new_value = 'false'::jsonb FROM dot_config_history h"
        " JOIN dot_config c ON c.key = h.key AND c.kind = 'gate'"
        " WHERE h.changed_by = 'system:migration' ORDER BY h.key, h.id DESC"
    )
    assert len(shipped) >= 10, shipped  # the test reads real gates
    assert [key for key, off in shipped if not off] == []
