"""Our own deployment checks (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_off_in_production(app_configs=None, **kwargs):
    """The demo card reader lets anyone log in as any demo card holder with a PIN shown in the README: an https
    SITE_URL says the site is public, where it must never be on."""
    if settings.DEMO and settings.SITE_URL.lower().startswith("https://"):
        return [
            Warning(
                "Le mode démonstration (DEMO=1) est activé sur un site public (SITE_URL en https) : "
                "le lecteur de carte de démonstration y permet de se connecter sans vraie carte CPx.",
                hint="Mettez DEMO=0 en production ; réservez DEMO=1 à un poste de démonstration.",
                id="core.W001",
            )
        ]
    return []
