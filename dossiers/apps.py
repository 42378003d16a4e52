from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Dossiers d'admission"

    def ready(self) -> None:
        from core.jinja import register_global

        from .templatetags.dossiers import status_badge

        register_global("status_badge", status_badge)
