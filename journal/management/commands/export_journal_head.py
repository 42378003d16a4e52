from pathlib import Path

from django.core.management.base import BaseCommand

from journal.verify import current_head, head_document


class Command(BaseCommand):
    help = (
        "Écrit la tête du journal (numéro, empreinte, date) en JSON, à conserver hors du système : "
        "`verify_journal --since-file` la vérifiera plus tard."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", metavar="FICHIER", help="fichier à écrire (par défaut la sortie standard)"
        )

    def handle(self, *args, output=None, **options):
        head = current_head()
        text = head_document(head)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Tête n° {head.sequence if head else 0} écrite dans {output}.")
        else:
            self.stdout.write(text, ending="")
