from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # the journal is append-only
    list_display = ["created_at", "action_label", "actor_name", "card_type", "on_behalf_name", "dossier"]
    list_filter = ["action", "card_type", "login_method"]
    search_fields = ["actor_name", "on_behalf_name", "dossier__number"]
    date_hierarchy = "created_at"
