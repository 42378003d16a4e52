from django.contrib import admin

from .models import Dossier


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    # Operators see dossier metadata, never the volet médical.
    list_display = ["number", "dossier_type", "status", "medecin_traitant", "updated_at"]
    list_filter = ["status", "dossier_type"]
    search_fields = ["number"]
    fields = ["number", "dossier_type", "status", "medecin_traitant", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = "Espace médecins libéraux — gestion"
