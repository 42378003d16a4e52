from .models import Status


def dossiers_heading(actor) -> str:
    """The heading of the dossiers' pages: whose they are, when the delegate acts for a doctor."""
    doctor = getattr(actor, "acting_for", None)
    return f"Dossiers du Dr {doctor.display_name}" if doctor is not None else "Mes dossiers"


def space(request):
    return {"dossiers_heading": dossiers_heading(getattr(request, "actor", None))}


def enums(request):
    """The dossier's enums in every template: states are compared through them, never as literal values."""
    return {"DossierStatus": Status}
