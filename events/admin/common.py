"""What the events admin screens share."""

from __future__ import annotations

from functools import partial

from events.models import EventType
from queuegov.admin_base import admin_link
from queuegov.models import EventDomainRegistry


def domains() -> list[str]:
    """The domains events can be in: those with at least one registered event type."""
    return list(
        EventDomainRegistry.objects.filter(event_domain__in=EventType.objects.values("event_domain"))
        .order_by("event_domain")
        .values_list("event_domain", flat=True)
    )


def event_types() -> list[str]:
    return list(EventType.objects.values_list("event_type", flat=True))


link = partial(admin_link, "events")
