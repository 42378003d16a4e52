from django.core.management.base import BaseCommand, CommandError

from accounts.models import Card, User
from accounts.services import unblock_card


class Command(BaseCommand):
    help = "Débloque une carte CPx bloquée après trop de codes PIN erronés."

    def add_arguments(self, parser):
        parser.add_argument("number", help="numéro de la carte")
        parser.add_argument("--operator", help="identifiant de l'opérateur, écrit au journal comme auteur du déblocage")

    def handle(self, *args, number, operator=None, **options):
        card = Card.objects.filter(number=number).first()
        if card is None:
            raise CommandError(f"Aucune carte n° {number}.")
        operator_user = None
        if operator:
            operator_user = User.objects.filter(identifier=operator, is_staff=True).first()
            if operator_user is None:
                raise CommandError(f"Aucun opérateur d'identifiant {operator}.")
        if not card.is_blocked:
            self.stdout.write(f"La carte n° {number} n'est pas bloquée.")
            return
        unblock_card(card=card, operator=operator_user)
        self.stdout.write(self.style.SUCCESS(f"Carte n° {number} débloquée."))
