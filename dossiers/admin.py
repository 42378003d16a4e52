from django.contrib import admin

from accounts.operators import ReadOnlyAdmin

from .models import Dossier


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    # Operators see dossier metadata, never the volet médical; only the dossier's services change it (journaled).
    list_display = ["number", "dossier_type", "status", "medecin_traitant", "updated_at"]
    list_filter = ["status", "dossier_type"]
    search_fields = ["number"]
    fields = ["number", "dossier_type", "status", "medecin_traitant", "created_at", "updated_at"]
    readonly_fields = fields  # type: ignore[assignment]


admin.site.site_header = "Espace médecins libéraux — gestion"
