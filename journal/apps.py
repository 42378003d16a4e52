from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "Journal des actions"

    def ready(self):
        from . import checks  # noqa: F401 (registers the deploy check)
