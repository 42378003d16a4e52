from django.conf import settings


def site(request):
    return {"SITE_TITLE": "Espace médecins libéraux", "DEMO": settings.DEMO, "actor": getattr(request, "actor", None)}
