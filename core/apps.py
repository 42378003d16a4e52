from django.apps import AppConfig
from django.db.models.signals import post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle commun"

    def ready(self):
        from .logs import log_journal_entry

        # Every journaled action is also an event in the technical logs (ids only). The sender is named,
        # not imported: core sits below journal (ARCHITECTURE.md).
        post_save.connect(log_journal_entry, sender="journal.Entry", dispatch_uid="core.log_journal_entry")
