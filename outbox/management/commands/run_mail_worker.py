import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from outbox import wakeup
from outbox.services import send_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Envoie les courriels en attente, avec nouveaux essais espacés (à laisser tourner en continu)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="une seule passe, puis s'arrêter")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="secondes au plus entre deux passes (par défaut OUTBOX_POLL_SECONDS ; "
            "sur PostgreSQL, un courriel mis en file réveille le processus aussitôt)",
        )

    def handle(self, *args, once=False, interval=None, **options):
        interval = settings.OUTBOX_POLL_SECONDS if interval is None else interval
        while True:
            # As between two requests: a broken connection (database restarted) is dropped and reopened, and a
            # persistent one (CONN_MAX_AGE) renewed when due. Never from inside a transaction (a caller's, or a
            # test's): closing would end it.
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                # Before the pass: a message queued during the pass wakes the wait below at once.
                wakeup.listen(connection)
                sent, failing = send_due()
            except DatabaseError:
                if once:
                    raise
                # The database is away: nothing was lost (the messages stay in the outbox); try again later.
                logger.exception("Base de données indisponible : nouvelle passe dans %s s.", interval)
            else:
                if sent or failing:
                    self.stdout.write(f"{sent} courriel(s) envoyé(s), {failing} non envoyé(s).")
            if once:
                return
            wakeup.wait(connection, interval)
