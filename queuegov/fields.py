"""Model fields shared by every app."""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IndentedJSONEncoder(DjangoJSONEncoder):
    """Two-space indents: how a payload, snapshot or result reads on an admin page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["indent"] = 2  # json.dumps passes indent=None explicitly
        super().__init__(*args, **kwargs)


class ReadableJSONField(models.JSONField):
    """A jsonb column the admin shows indented, one key per line, instead of one long line.

    The encoder only shapes the admin's rendering (``display_for_field`` dumps
    with it); the columns are written by SQL functions, never through the ORM,
    and jsonb keeps no whitespace. It deconstructs as Django's JSONField, so
    migrations see no change.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("encoder", IndentedJSONEncoder)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, _, args, kwargs = super().deconstruct()
        if kwargs.get("encoder") is IndentedJSONEncoder:
            del kwargs["encoder"]
        return name, "django.db.models.JSONField", args, kwargs
