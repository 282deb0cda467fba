"""Event substrate screens: registry, outbox, backlog, routing, dead letters and each user's inbox.

One module per concern (``events``, ``recipients``, ``routes``); importing them registers the screens.
"""

from events.admin import events, recipients, routes  # noqa: F401
