from django.contrib import admin

from .models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action_label", "actor_name", "card_type", "on_behalf_name", "dossier"]
    list_filter = ["action", "card_type", "login_method"]
    search_fields = ["actor_name", "on_behalf_name", "dossier__number"]
    date_hierarchy = "created_at"

    # Read-only everywhere: the journal is append-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
