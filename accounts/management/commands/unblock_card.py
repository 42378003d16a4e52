from django.core.management.base import BaseCommand, CommandError

from accounts.models import Card
from accounts.services import unblock_card


class Command(BaseCommand):
    help = "Débloque une carte CPx bloquée après trop de codes PIN erronés."

    def add_arguments(self, parser):
        parser.add_argument("number", help="numéro de la carte")

    def handle(self, *args, number, **options):
        card = Card.objects.filter(number=number).first()
        if card is None:
            raise CommandError(f"Aucune carte n° {number}.")
        if not card.is_blocked:
            self.stdout.write(f"La carte n° {number} n'est pas bloquée.")
            return
        unblock_card(card=card, operator="commande unblock_card")
        self.stdout.write(self.style.SUCCESS(f"Carte n° {number} débloquée."))
