from .models import Status


def enums(request):
    """The dossier's enums in every template: states are compared through them, never as literal values."""
    return {"DossierStatus": Status}
