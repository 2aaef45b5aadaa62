from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from .auditing import register_audited_models

        register_audited_models()
