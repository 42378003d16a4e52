"""Loads the demo data into an empty database; running it again changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Card, User
from demo import data
from directory.importer import import_extract
from directory.models import Professional
from dossiers.models import Dossier, Patient

DEMO_EXTRACT = Path(__file__).resolve().parents[3] / "directory" / "data" / "PS_LibreAcces_Personne_activite_demo.txt"


class Command(BaseCommand):
    help = "Charge les données de démonstration (annuaire, cartes, dossiers) dans une base vide."

    def handle(self, *args, **options):
        if User.objects.filter(identifier=data.DOCTORS[0][0]).exists():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        stats = import_extract(DEMO_EXTRACT)
        self.stdout.write(f"Annuaire : {stats['created']} professionnels créés, {stats['updated']} mis à jour.")
        with transaction.atomic():
            self._load()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées (code PIN des cartes : 1234)."))

    def _load(self):
        for identifier, first, last, email, card_type, number in data.DOCTORS + data.STAFF:
            professional = Professional.objects.filter(national_id=identifier).first()
            user = User.objects.create_user(
                identifier, first_name=first, last_name=last, email=email, professional=professional
            )
            card = Card(number=number, card_type=card_type, holder=user, expires_on=data.CARD_VALIDITY)
            card.set_pin(data.DEMO_PIN)
            card.save()
        now = timezone.now()
        for doctor_id, birth_name, first, birth_date, sex, kind in data.DOSSIERS:
            patient = Patient.objects.create(birth_name=birth_name, first_name=first, birth_date=birth_date, sex=sex)
            dossier = Dossier.objects.create(
                number=f"demo-{birth_name}",
                dossier_type=kind,
                patient=patient,
                medecin_traitant=Professional.objects.get(national_id=doctor_id),
                volet_administratif=data.VOLET_ADMINISTRATIF,
            )
            Dossier.objects.filter(pk=dossier.pk).update(number=Dossier.number_for(dossier.pk, now))
