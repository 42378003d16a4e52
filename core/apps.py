from django.apps import AppConfig
from django.db.models.signals import post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle commun"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .logs import log_journal_entry
        from .ratelimit import logged_in

        # Every journaled action is also an event in the technical logs (ids only). The sender is named,
        # not imported: core sits below journal (ARCHITECTURE.md).
        post_save.connect(log_journal_entry, sender="journal.Entry", dispatch_uid="core.log_journal_entry")
        # Successful logins are not counted in the per-IP PIN limit (core/ratelimit.py).
        user_logged_in.connect(logged_in, dispatch_uid="core.ratelimit.logged_in")
