"""`check --deploy`: on PostgreSQL the application must not connect as the journal's owner or a superuser.

Either could disable the journal's triggers, then edit, cut or empty it (README, « Production »).
"""

from django.core.checks import Warning, register
from django.db import DatabaseError, connections

from .roles import runs_as_owner


@register(deploy=True)
def application_role(app_configs, **kwargs):
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            owner = runs_as_owner(cursor)
    except DatabaseError:
        return []  # no database here (yet): nothing to say about its roles
    if not owner:
        return []
    return [
        Warning(
            "L'application se connecte à PostgreSQL en superutilisateur ou en propriétaire de la table du journal : "
            "elle pourrait en désactiver les déclencheurs puis le modifier ou le vider.",
            hint="Donnez à DATABASE_URL un rôle de l'application créé pour elle (manage.py grant_app_role) ; "
            "réservez le propriétaire à migrate (README, « Production »).",
            id="journal.W001",
        )
    ]
