from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from workflows import builtin  # noqa: F401  (registers the overdue check's job kind)
