"""python manage.py import_annuaire FILE: import (or re-import) the national directory extraction."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from directory.extract import ExtractError
from directory.importer import ImportFailed, import_extract

SHOWN_REASONS = 10


class Command(BaseCommand):
    help = (
        "Importe l'extraction nationale PS_LibreAcces_Personne_activite_*.txt (ou le zip officiel qui la contient) "
        "dans l'annuaire. Un nouvel import met l'annuaire à jour ; les absents sont désactivés, jamais supprimés."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="fichier .txt de l'extraction ou archive .zip")
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, file: Path, no_progress=False, verbosity=1, **options):
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        started = time.monotonic()
        bar = tqdm(total=0, unit="o", unit_scale=True, desc="Lecture", disable=no_progress or verbosity < 1)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        def phase(message):
            bar.write(f"[{time.monotonic() - started:6.1f} s] {message}", file=self.stderr._out)

        try:
            stats = import_extract(file, progress=progress, phase=phase)
        except (ExtractError, ImportFailed) as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        out = self.stdout.write
        out(f"Fichier : {file.name} ({stats['columns']} colonnes, encodage {stats['encoding']})")
        out(f"Lignes lues : {stats['lines']} en {elapsed:.1f} s")
        out(f"Professionnels créés : {stats['created']}")
        out(f"Professionnels mis à jour : {stats['updated']}")
        out(f"Professionnels inchangés : {stats['unchanged']}")
        out(f"Professionnels désactivés : {stats['deactivated']}")
        out(f"Lignes rejetées : {stats['rejected_count']}")
        for number, reason in stats["rejected"][:SHOWN_REASONS]:
            out(f"  ligne {number} : {reason}")
        if stats["rejected_count"] > SHOWN_REASONS:
            out(f"  … et {stats['rejected_count'] - SHOWN_REASONS} autres")
        self.stdout.write(self.style.SUCCESS("Import terminé."))
