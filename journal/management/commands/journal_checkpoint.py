import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from journal.checkpoints import CheckpointError, create_signing_key
from journal.services import make_checkpoint

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Signe la tête du journal (numéro, empreinte, date) avec la clé JOURNAL_SIGNING_KEY_FILE et l'écrit dans "
        "JOURNAL_CHECKPOINT_DIR, hors de la base (et l'envoie à JOURNAL_WITNESS_EMAIL si défini). Vérifie d'abord "
        "la chaîne depuis le point de contrôle précédent : rien n'est signé si elle est rompue. À lancer au moins "
        "chaque jour (cron, ou --every)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDES",
            help="recommencer indéfiniment à cet intervalle (86400 : chaque jour), comme un service",
        )
        parser.add_argument(
            "--first",
            action="store_true",
            help="le tout premier point de contrôle : signer même si le dossier n'en contient aucun",
        )
        parser.add_argument(
            "--create-key",
            action="store_true",
            help="créer la clé de signature JOURNAL_SIGNING_KEY_FILE si elle n'existe pas (démonstration)",
        )

    def handle(self, *args, every=None, create_key=False, first=False, **options):
        if create_key:
            if not settings.JOURNAL_SIGNING_KEY_FILE:
                raise CommandError("--create-key : indiquez le fichier de la clé dans JOURNAL_SIGNING_KEY_FILE.")
            if create_signing_key(settings.JOURNAL_SIGNING_KEY_FILE):
                self.stdout.write(f"Clé de signature créée : {settings.JOURNAL_SIGNING_KEY_FILE}.")
        if every is None:
            try:
                self.once(first)
            except CheckpointError as error:
                raise CommandError(str(error), returncode=1) from error
            return
        if every < 1:
            raise CommandError("--every : un nombre de secondes supérieur à 0 est attendu.")
        while True:
            try:
                # --first opens the series: spent by the first round that signs or fails, kept while the journal
                # is empty (nothing to protect yet: `make run` starts on an empty journal).
                opening, first = first, False
                if self.once(opening) is None:
                    first = opening
            except CheckpointError as error:
                # An alarm, repeated at each round until someone looks: the process itself keeps going.
                logger.error("journal checkpoint refused: %s", error)
                self.stderr.write(str(error))
            except Exception:  # the database may be down: try again at the next round
                logger.exception("journal checkpoint failed")
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
            close_old_connections()  # a day later the connection may be gone

    def once(self, first):
        checkpoint = make_checkpoint(first=first)
        if checkpoint is None:
            self.stdout.write("Journal vide : aucun point de contrôle à signer.")
            return None
        self.stdout.write(
            self.style.SUCCESS(
                f"Point de contrôle signé : entrée n° {checkpoint.sequence}, empreinte {checkpoint.hash}, "
                f"écrit dans {checkpoint.path}."
            )
        )
        return checkpoint
