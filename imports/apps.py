from django.apps import AppConfig


class ImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"

    def ready(self) -> None:
        # Registers the tasks with Celery: imports.services queues them by name.
        from . import tasks  # noqa: F401
