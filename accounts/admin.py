from django.contrib import admin, messages

from . import services
from .models import Card, User


class CardInline(admin.TabularInline):
    model = Card
    extra = 0
    fields = ["number", "card_type", "expires_on", "is_blocked", "failed_attempts"]
    readonly_fields = ["is_blocked", "failed_attempts"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["identifier", "last_name", "first_name", "email", "is_active", "is_staff"]
    search_fields = ["identifier", "last_name", "first_name"]
    exclude = ["password", "groups", "user_permissions", "last_login"]
    raw_id_fields = ["professional"]
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "card_type", "holder", "expires_on", "is_blocked", "failed_attempts"]
    list_filter = ["card_type", "is_blocked"]
    search_fields = ["number", "holder__last_name"]
    readonly_fields = ["pin_hash", "failed_attempts", "is_blocked", "blocked_at"]
    raw_id_fields = ["holder"]
    actions = ["unblock"]

    @admin.action(description="Débloquer les cartes sélectionnées")
    def unblock(self, request, queryset):
        for card in queryset.filter(is_blocked=True):
            services.unblock_card(card=card, operator=request.user.identifier)
        messages.success(request, "Cartes débloquées.")
