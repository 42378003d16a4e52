import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from journal.checkpoints import CheckpointError, checkpoint_directory, load_verify_key, read_directory
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
        "ou affiche le nombre d'entrées vérifiées et l'empreinte de tête. Compare aussi la chaîne aux points de "
        "contrôle signés (JOURNAL_CHECKPOINT_DIR) : journal vidé, tronqué ou réécrit."
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
        parser.add_argument(
            "--checkpoints",
            metavar="DOSSIER",
            help="dossier des points de contrôle signés (par défaut JOURNAL_CHECKPOINT_DIR), par exemple la copie "
            "qu'en garde l'officier de sécurité",
        )

    def signed_checkpoints(self, directory):
        """(valid checkpoints, problems): every checkpoint file must carry a good signature."""
        if not directory:
            self.stderr.write(
                "Aucun dossier de points de contrôle signés (JOURNAL_CHECKPOINT_DIR) : seule la chaîne est vérifiée, "
                "un journal vidé, tronqué ou réécrit puis recalculé ne serait pas détecté."
            )
            return [], []
        try:
            path = checkpoint_directory(directory)
            public_key = load_verify_key()
        except CheckpointError as error:
            raise CommandError(str(error), returncode=1) from error
        if public_key is None:
            raise CommandError(
                "Points de contrôle signés : aucune clé pour les vérifier. Indiquez la clé publique dans "
                "JOURNAL_VERIFY_KEY_FILE (ou la clé privée dans JOURNAL_SIGNING_KEY_FILE).",
                returncode=1,
            )
        if not path.is_dir():
            raise CommandError(
                f"Le dossier des points de contrôle signés {path} n'existe pas : restaurez-le depuis sa copie, "
                "ou créez-le vide et lancez journal_checkpoint s'il s'agit d'une installation neuve.",
                returncode=1,
            )
        valid, invalid = read_directory(path, public_key)
        problems = [f"point de contrôle signé {file.name} invalide : {why}" for file, why in invalid]
        if not valid and not invalid:
            self.stderr.write(f"Aucun point de contrôle signé dans {path} : seule la chaîne est vérifiée.")
        return valid, problems

    def handle(self, *args, since=None, since_file=None, export_head=None, checkpoints=None, **options):
        if since_file:
            try:
                data = json.loads(Path(since_file).read_text(encoding="utf-8"))
                # The head of an empty journal (sequence 0): verify from the genesis.
                since = f"{data['sequence']}:{data['hash']}" if data["sequence"] else None
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Point de contrôle illisible ({since_file}) : {error}") from error
        start = checkpoint(since) if since else None
        signed, problems = self.signed_checkpoints(checkpoints or settings.JOURNAL_CHECKPOINT_DIR)
        report = verify(since=start, signed=signed)
        if not report.ok:
            broken = report.broken
            raise CommandError(
                "\n".join(
                    [
                        f"Journal altéré [{broken.kind}] — {broken.message}. "  # type: ignore[union-attr]  # a report not ok has a break
                        f"{report.checked} entrée(s) intègre(s) avant ce maillon.",
                        *problems,
                    ]
                ),
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
        if report.anchor:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Conforme au point de contrôle signé du {report.anchor.signed_on} (entrée n° "
                    f"{report.anchor.sequence}) ; {len(signed)} point(s) de contrôle signé(s) vérifié(s)."
                )
            )
        if export_head:
            Path(export_head).write_text(head_document(report.head), encoding="utf-8")
            self.stdout.write(f"Tête écrite dans {export_head}.")
        if problems:
            raise CommandError("\n".join(problems), returncode=1)
