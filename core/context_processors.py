from django.conf import settings

SITE_TITLE = "Espace médecins libéraux"


def site(request):
    return {"SITE_TITLE": SITE_TITLE, "DEMO": settings.DEMO, "actor": getattr(request, "actor", None)}
