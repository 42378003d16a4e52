from django.core.management.base import BaseCommand

from delegations.services import expire_and_remind


class Command(BaseCommand):
    help = (
        "À lancer chaque jour : marque « Expirée » les délégations dont la date de fin est passée "
        "et prévient par courriel le médecin et le délégataire 7 jours avant la fin."
    )

    def handle(self, *args, **options):
        expired, reminded = expire_and_remind()
        self.stdout.write(f"{expired} délégation(s) expirée(s), {reminded} rappel(s) envoyé(s).")
