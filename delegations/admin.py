from django.contrib import admin

from .models import Delegation


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    # Operators read delegations; only the doctor changes them (services journal every change).
    list_display = ["id", "doctor", "kind", "invited_last_name", "state", "starts_on", "ends_on"]
    list_filter = ["kind", "state"]
    search_fields = ["doctor__national_id", "invited_last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
