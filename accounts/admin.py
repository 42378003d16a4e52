"""The operators' view of people and cards. Who a card holder is (national identifier, names, directory entry, card
type and number) cannot be changed here: only `services.correct_identity` does it, with a reason, journaled, and the
person's sessions end (command `correct_identity`). What an operator may change (e-mail, active, operator rights) is
journaled (JournaledAdmin); people and cards are never added nor deleted here."""

from django.contrib import admin, messages

from . import services
from .models import Card, User
from .operators import JournaledAdmin

IDENTITY = ["identifier", "first_name", "last_name", "professional"]


class CardInline(admin.TabularInline):
    model = Card
    extra = 0
    fields = ["number", "card_type", "expires_on", "is_blocked", "failed_attempts"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(JournaledAdmin):
    list_display = ["identifier", "last_name", "first_name", "email", "is_active", "is_staff"]
    search_fields = ["identifier", "last_name", "first_name"]
    fields = [*IDENTITY, "email", "is_active", "is_staff", "is_superuser", "date_joined", "last_login"]
    inlines = [CardInline]

    def get_readonly_fields(self, request, obj=None):
        fixed = [*IDENTITY, "date_joined", "last_login"]
        # Only a superuser grants operator rights: an operator never raises his own.
        return fixed if request.user.is_superuser else [*fixed, "is_staff", "is_superuser"]

    def has_add_permission(self, request):
        # Card holders' accounts come from their first login (the directory); operators' from createsuperuser.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the journal refers to people: an account is deactivated, never deleted


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "card_type", "holder", "expires_on", "is_blocked", "failed_attempts"]
    list_filter = ["card_type", "is_blocked"]
    search_fields = ["number", "holder__last_name"]
    exclude = ["pin_hash"]
    actions = ["unblock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unblock_permission(self, request):
        return request.user.has_perm("accounts.change_card")

    @admin.action(description="Débloquer les cartes sélectionnées", permissions=["unblock"])
    def unblock(self, request, queryset):
        for card in queryset.filter(is_blocked=True):
            services.unblock_card(card=card, operator=request.user)
        messages.success(request, "Cartes débloquées.")
