from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import UNCHANGED, IdentityError, correct_identity
from core.text import of
from directory.models import Professional


class Command(BaseCommand):
    help = (
        "Corrige l'identité d'une personne (identifiant national, nom, prénom, fiche de l'annuaire, type et numéro "
        "de ses cartes), avec un motif ; la correction est écrite au journal et les sessions de la personne "
        "prennent fin."
    )

    def add_arguments(self, parser):
        parser.add_argument("identifier", help="identifiant national actuel de la personne")
        parser.add_argument("--operator", required=True, help="identifiant de l'opérateur qui fait la correction")
        parser.add_argument("--reason", required=True, help="motif de la correction (obligatoire)")
        parser.add_argument("--new-identifier", help="nouvel identifiant national")
        parser.add_argument("--first-name", help="prénom corrigé")
        parser.add_argument("--last-name", help="nom corrigé")
        parser.add_argument(
            "--professional",
            help="identifiant national de la fiche de l'annuaire à rattacher ; « aucune » pour la retirer",
        )
        parser.add_argument(
            "--card",
            action="append",
            default=[],
            metavar="NUMERO:TYPE[:NOUVEAU_NUMERO]",
            help="carte à corriger, par exemple 8000000006:CPA ou 8000000006:CPS:8000000016",
        )

    def handle(self, *args, identifier, operator, reason, **options):
        person = User.objects.filter(identifier=identifier).first()
        if person is None:
            raise CommandError(f"Aucune personne d'identifiant national {identifier}.")
        operator_user = User.objects.filter(identifier=operator).first()
        if operator_user is None:
            raise CommandError(f"Aucun opérateur d'identifiant {operator}.")
        professional = UNCHANGED
        if options["professional"]:
            if options["professional"] == "aucune":
                professional = None
            else:
                professional = Professional.objects.filter(national_id=options["professional"]).first()
                if professional is None:
                    raise CommandError(f"Aucune fiche de l'annuaire d'identifiant national {options['professional']}.")
        cards = {}
        for spec in options["card"]:
            number, _, rest = spec.partition(":")
            card_type, _, new_number = rest.partition(":")
            card = person.cards.filter(number=number).first()
            if card is None:
                raise CommandError(f"La personne n'a pas de carte n° {number}.")
            cards[card.pk] = {"card_type": card_type or None, "number": new_number or None}
        try:
            corrected = correct_identity(
                operator=operator_user,
                user=person,
                reason=reason,
                identifier=options["new_identifier"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                professional=professional,
                cards=cards,
            )
        except IdentityError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Identité {of(corrected.display_name)} corrigée ; ses sessions ont pris fin.")
        )
