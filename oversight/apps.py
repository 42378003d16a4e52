from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Actions faites au nom du médecin"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from journal.models import Entry

        from . import signals

        user_logged_in.connect(signals.note_login, dispatch_uid="oversight-note-login")
        # The journal is where every action of every app is said: the mails to the doctor follow it, so that neither
        # the dossiers nor the delegations need to know about them.
        post_save.connect(signals.mail_on_entry, sender=Entry, dispatch_uid="oversight-mail-on-entry")
