from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    # « Échec définitif »: never retried; the doctor sees it in MES DELEGATIONS too.
    list_filter = ["state"]
    search_fields = ["ref", "idempotency_key", "to"]
    readonly_fields = [f.name for f in Message._meta.fields]
    # The body holds the invitation link (until sent): operators see the delivery state, not the content.
    exclude = ["body_text", "body_html"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a mail's trace (an invitation sent or not) stays
