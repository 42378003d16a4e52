"""Check an « Attestation (PDF) » against the journal: exit 0 when every entry it cites is still there, unchanged;
exit 1 naming the first one that differs."""

import json

from django.core.management.base import BaseCommand, CommandError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from oversight.attestation import ATTACHMENT, verify


class Command(BaseCommand):
    help = "Vérifie une attestation des actions faites au nom d'un médecin (PDF) contre le journal."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Le fichier PDF de l'attestation")

    def handle(self, *args, **options):
        try:
            attached = PdfReader(options["file"]).attachments.get(ATTACHMENT)
        except (OSError, PdfReadError) as error:
            raise CommandError(f"Fichier illisible : {error}", returncode=1) from None
        if not attached:
            raise CommandError(
                f"Ce PDF ne contient pas la pièce jointe « {ATTACHMENT} » : ce n'est pas une attestation de la "
                "plateforme, ou elle a été modifiée.",
                returncode=1,
            )
        try:
            content = json.loads(attached[0])
        except ValueError:
            raise CommandError(
                f"La pièce jointe « {ATTACHMENT} » est illisible : le fichier a été modifié.", returncode=1
            ) from None
        result = verify(content)
        if not result.ok:
            raise CommandError(f"Attestation refusée : {result.problem}", returncode=1)
        head = content.get("journal_head") or {}
        self.stdout.write(
            f"Attestation vérifiée : {result.checked} entrée(s), toutes présentes et inchangées dans le journal"
            + (f" (dernière entrée à sa date : n° {head['sequence']})." if head else ".")
        )
