from django.apps import AppConfig
from django.core import checks


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from jobs import builtin  # noqa: F401  (registers the built-in job kinds)
        from jobs.checks import check_task_queues

        checks.register(check_task_queues)
