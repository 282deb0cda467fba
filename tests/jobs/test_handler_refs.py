"""consumer_registry.handler_ref is the import path a worker falls back to; a
module that moves (queuegov/builtin.py -> queuegov/ops/builtin.py) must take
its rows along, or the kind fails with UnknownJobKind in a worker that did not
import the handler."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db


def test_every_shipped_handler_ref_imports_a_callable() -> None:
    refs = sql_rows("SELECT job_kind, handler_ref FROM consumer_registry WHERE handler_ref IS NOT NULL ORDER BY 1")
    assert len(refs) >= 10
    for kind, ref in refs:
        assert callable(import_string(ref)), f"{kind}: handler_ref {ref} is not callable"
