from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event substrate: capture, outbox, recipients, routing, trigger-IN."""

    name = "events"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Events"

    def ready(self) -> None:
        from events import builtin  # noqa: F401  (registers the built-in job kinds)
