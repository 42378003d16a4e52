from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from journal.roles import application_role_grants, refusal


class Command(BaseCommand):
    help = (
        "PostgreSQL : donne au rôle de l'application (qui ne possède pas les tables) les droits ordinaires sur "
        "toutes les tables, et seulement la lecture et l'ajout sur le journal. À lancer avec l'adresse du "
        "propriétaire des tables (DATABASE_URL du propriétaire), après chaque migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "role", help="le rôle PostgreSQL de l'application (créé au préalable, sans être superutilisateur)"
        )
        parser.add_argument("--print", action="store_true", dest="print_only", help="afficher le SQL sans l'exécuter")

    def handle(self, *args, role, print_only=False, **options):
        try:
            statements = application_role_grants(role)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if print_only:
            self.stdout.write(";\n".join(statements) + ";")
            return
        if connection.vendor != "postgresql":
            raise CommandError("Cette commande concerne PostgreSQL ; SQLite n'a pas de rôles.")
        with transaction.atomic(), connection.cursor() as cursor:
            if reason := refusal(cursor, role):
                raise CommandError(f"Droits non donnés : {reason}")
            for statement in statements:
                cursor.execute(statement)
            # PostgreSQL only warns when a role that may not grant « grants » (run with the application's own
            # address, say): check what the role really received before saying it is done.
            cursor.execute("SELECT has_table_privilege(%s, 'journal_entry', 'INSERT')", [role])
            if not cursor.fetchone()[0]:
                raise CommandError(
                    f"Droits non donnés au rôle « {role} » : lancez la commande avec l'adresse du propriétaire des "
                    "tables (DATABASE_URL du propriétaire), pas celle de l'application."
                )
        self.stdout.write(
            self.style.SUCCESS(f"Rôle « {role} » : droits ordinaires, et sur le journal lecture et ajout seulement.")
        )
