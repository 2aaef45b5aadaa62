from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from celery.signals import beat_init

        from engagements import signals

        from . import receivers

        signals.meeting_saved.connect(receivers.meeting_saved, dispatch_uid="webhooks.meeting")
        signals.meeting_deleted.connect(
            receivers.meeting_deleted, dispatch_uid="webhooks.meeting_deleted"
        )
        signals.commitment_changed.connect(
            receivers.commitment_changed, dispatch_uid="webhooks.commitment"
        )
        beat_init.connect(receivers.beat_started, dispatch_uid="webhooks.beat_init")
