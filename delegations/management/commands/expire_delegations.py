from django.core.management.base import BaseCommand

from delegations.services import expire_and_remind, suspend_for_inactive_professionals


class Command(BaseCommand):
    help = (
        "À lancer chaque jour : marque « Expirée » les délégations dont la date de fin est passée "
        "et prévient par courriel le médecin et le délégataire 7 jours avant la fin ; marque « Suspendue » "
        "celles dont le délégataire ou le médecin n'est plus inscrit à l'annuaire (rattrapage de l'import)."
    )

    def handle(self, *args, **options):
        expired, reminded = expire_and_remind()
        suspended = suspend_for_inactive_professionals()
        self.stdout.write(
            f"{expired} délégation(s) expirée(s), {reminded} rappel(s) envoyé(s), {suspended} suspendue(s)."
        )
