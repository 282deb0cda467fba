from django.apps import AppConfig


class StagingConfig(AppConfig):
    name = "staging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from staging import builtin  # noqa: F401  (registers the built-in job kinds)
