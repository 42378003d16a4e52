from django.contrib import admin

from accounts.operators import ReadOnlyAdmin

from .models import Delegation


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    # Operators read delegations; only the doctor changes them (services journal every change).
    list_display = ["id", "doctor", "kind", "invited_last_name", "state", "starts_on", "ends_on"]
    list_filter = ["kind", "state"]
    search_fields = ["doctor__national_id", "invited_last_name"]
