import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from journal.verify import head_document, verify

CHECKPOINT = re.compile(r"^(\d+):([0-9a-f]{64})$")


def checkpoint(value: str) -> tuple[int, str]:
    match = CHECKPOINT.match(value.strip().lower())
    if not match:
        raise CommandError(f"Point de contrôle « {value} » : attendu NUMERO:EMPREINTE (64 caractères hexadécimaux).")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne d'empreintes du journal : signale le premier maillon rompu (code de sortie 1) "
        "ou affiche le nombre d'entrées vérifiées et l'empreinte de tête."
    )

    def add_arguments(self, parser):
        since = parser.add_mutually_exclusive_group()
        since.add_argument(
            "--since", metavar="NUMERO:EMPREINTE", help="vérifier depuis un point de contrôle (export_journal_head)"
        )
        since.add_argument(
            "--since-file", metavar="FICHIER", help="le point de contrôle, fichier JSON de export_journal_head"
        )
        parser.add_argument(
            "--export-head", metavar="FICHIER", help="si le journal est intègre, y écrire la tête (JSON)"
        )

    def handle(self, *args, since=None, since_file=None, export_head=None, **options):
        if since_file:
            try:
                data = json.loads(Path(since_file).read_text(encoding="utf-8"))
                # The head of an empty journal (sequence 0): verify from the genesis.
                since = f"{data['sequence']}:{data['hash']}" if data["sequence"] else None
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Point de contrôle illisible ({since_file}) : {error}") from error
        start = checkpoint(since) if since else None
        report = verify(since=start)
        if not report.ok:
            broken = report.broken
            raise CommandError(
                f"Journal altéré [{broken.kind}] — {broken.message}. "
                f"{report.checked} entrée(s) intègre(s) avant ce maillon.",
                returncode=1,
            )
        origin = f"depuis le point de contrôle n° {start[0]}" if start else "depuis l'origine"
        if report.head is None:
            self.stdout.write(self.style.SUCCESS("Journal intègre : 0 entrée vérifiée (journal vide)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Journal intègre : {report.checked} entrée(s) vérifiée(s) {origin}. "
                    f"Tête : n° {report.head.sequence}, empreinte {report.head.hash}."
                )
            )
        if export_head:
            Path(export_head).write_text(head_document(report.head), encoding="utf-8")
            self.stdout.write(f"Tête écrite dans {export_head}.")
