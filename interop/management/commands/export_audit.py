import datetime
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.export import write_ndjson
from interop.selectors import entries_between


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date « {value} » illisible : écrivez-la AAAA-MM-JJ, par exemple 2026-01-31.") from None


class Command(BaseCommand):
    help = (
        "Exporte le journal des actions en FHIR R4 (AuditEvent, et Provenance pour chaque modification d'un "
        "dossier faite au nom d'un médecin), une ressource par ligne (NDJSON, FHIR Bulk Data), pour un SIEM "
        "ou un archivage. Lit le journal par lots : la mémoire ne dépend pas de sa taille."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, metavar="AAAA-MM-JJ", help="premier jour exporté (inclus)")
        parser.add_argument("--until", metavar="AAAA-MM-JJ", help="dernier jour exporté (inclus) ; par défaut, tout")
        parser.add_argument(
            "--doctor",
            metavar="RPPS",
            default="",
            help="seulement les actions de ce médecin et celles faites en son nom",
        )
        parser.add_argument("--format", required=True, choices=["fhir-ndjson"], help="format de sortie : fhir-ndjson")
        parser.add_argument("--output", "-o", required=True, metavar="FICHIER", help="fichier à écrire")

    def handle(self, *args, since, until=None, doctor="", output, **options):
        first, last = _day(since), _day(until) if until else None
        if last is not None and last < first:
            raise CommandError("La date de fin (--until) précède la date de début (--since) : inversez-les.")
        if doctor and not (doctor.isdigit() and len(doctor) == 11):
            raise CommandError(f"RPPS « {doctor} » invalide : il compte 11 chiffres.")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"Le dossier de « {output} » n'existe pas : créez-le ou choisissez un autre fichier.")
        entries = entries_between(since=first, until=last, doctor_rpps=doctor)
        # Written beside, then renamed: a reader never sees half an export, an interrupted one leaves nothing.
        partial = path.with_name(f".{path.name}.partiel")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as out:
                count, resources = write_ndjson(entries, out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        if options["verbosity"] >= 1:
            self.stdout.write(f"{count} entrée(s) du journal, {resources} ressource(s) FHIR écrites dans {output}.")
