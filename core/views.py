"""Home and the French error pages."""

from django.shortcuts import redirect, render


def home(request):
    if request.user.is_authenticated:
        return redirect("dossiers:list")
    return redirect("accounts:login")


def not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "title": "Page introuvable",
            "code": 404,
            "message": "La page demandée n'existe pas ou vous n'y avez pas accès.",
        },
        status=404,
    )


def forbidden(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"title": "Accès refusé", "code": 403, "message": "Vous n'avez pas le droit d'effectuer cette action."},
        status=403,
    )


def server_error(request):
    return render(
        request,
        "core/error.html",
        {
            "title": "Erreur du service",
            "code": 500,
            "message": "Une erreur inattendue est survenue. Réessayez dans quelques instants.",
        },
        status=500,
    )


def csrf_failure(request, reason=""):
    return render(
        request,
        "core/error.html",
        {
            "title": "Formulaire expiré",
            "code": 403,
            "message": "Le formulaire a expiré ou n'est pas valide. Rechargez la page et recommencez.",
        },
        status=403,
    )
