from django.apps import AppConfig


class StagingConfig(AppConfig):
    name = "staging"
    default_auto_field = "django.db.models.BigAutoField"
