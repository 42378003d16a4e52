from django.contrib import admin

from .models import PracticePlace, Professional


class ReadOnly:
    """The directory is the national extraction's (import_annuaire): an operator reads it, never edits it (a
    profession changed here would make anyone a médecin). Not accounts' ReadOnlyAdmin: directory is below accounts."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PracticePlaceInline(ReadOnly, admin.TabularInline):
    model = PracticePlace
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["national_id", "last_name", "first_name", "profession", "is_active"]
    list_filter = ["profession_code", "is_active"]
    search_fields = ["national_id", "search_last_name"]
    inlines = [PracticePlaceInline]
