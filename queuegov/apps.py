from django.apps import AppConfig


class QueuegovConfig(AppConfig):
    """Governance: gates, gate-change requests, the audit trail, roles."""

    name = "queuegov"
    verbose_name = "Governance"
    default_auto_field = "django.db.models.BigAutoField"
