from django.conf import settings
from django.contrib import admin
from django.urls import include, path

handler404 = "core.views.not_found"
handler403 = "core.views.forbidden"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", include("core.urls")),
    path("connexion/", include("accounts.urls")),
    path("compte/", include("accounts.account_urls")),
    path("dossiers/", include("dossiers.urls")),
    path("annuaire/", include("directory.urls")),
    path("delegations/", include("delegations.urls")),
    path("demo/", include("demo.urls")),  # 404 unless DEMO is on
    # Under the admin's address, before its catch-all: operators only, behind the same proxy rules (interop/views.py).
    path(f"{settings.ADMIN_URL}fhir/", include("interop.urls")),
    path("actions-en-mon-nom/", include("oversight.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
