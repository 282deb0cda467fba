from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health, metrics, the dashboard, retention (above jobs and events)."""

    name = "queuegov.ops"
    label = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from queuegov.ops import builtin  # noqa: F401  (registers the operations job kinds)
