from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import PracticePlace, Professional


class PracticePlaceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PracticePlace
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["national_id", "last_name", "first_name", "profession", "is_active"]
    list_filter = ["profession_code", "is_active"]
    search_fields = ["national_id", "search_last_name"]
    inlines = [PracticePlaceInline]
