from django.contrib import admin

from .models import PracticePlace, Professional


class PracticePlaceInline(admin.TabularInline):
    model = PracticePlace
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ["national_id", "last_name", "first_name", "profession", "is_active"]
    list_filter = ["profession_code", "is_active"]
    search_fields = ["national_id", "search_last_name"]
    inlines = [PracticePlaceInline]
