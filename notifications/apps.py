from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        # Connects to engagements' signals (the outbox) and to Celery's worker signals.
        from . import receivers  # noqa: F401
