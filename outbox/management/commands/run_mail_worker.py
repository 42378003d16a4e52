import time

from django.core.management.base import BaseCommand

from outbox.services import send_due


class Command(BaseCommand):
    help = "Envoie les courriels en attente, avec nouveaux essais espacés (à laisser tourner en continu)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="une seule passe, puis s'arrêter")
        parser.add_argument("--interval", type=float, default=5.0, help="secondes entre deux passes")

    def handle(self, *args, once=False, interval=5.0, **options):
        while True:
            sent, failing = send_due()
            if sent or failing:
                self.stdout.write(f"{sent} courriel(s) envoyé(s), {failing} en échec (nouvel essai plus tard).")
            if once:
                return
            time.sleep(interval)
