"""The operators' view of people and cards. Who a card holder is (national identifier, names, directory entry, card
type and number) cannot be changed in the change forms: only `services.correct_identity` does it, with a reason,
journaled, and the person's sessions end (the page « Corriger l'identité » below, or the command `correct_identity`).
What an operator may change (e-mail, active, operator rights) is journaled (JournaledAdmin); people and cards are
never added nor deleted here."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import ReadOnlyAdminMixin
from core.text import of
from directory.models import Professional

from . import services
from .models import Card, CardType, User
from .operators import JournaledAdmin

IDENTITY = ["identifier", "first_name", "last_name", "professional"]


class CardInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Card
    extra = 0
    fields = ["number", "card_type", "expires_on", "is_blocked", "failed_attempts"]
    readonly_fields = fields  # type: ignore[assignment]
    can_delete = False


class IdentityCorrectionForm(forms.Form):
    """The person's identity as it should be, and the mandatory reason; its cards' fields are added per card."""

    identifier = forms.CharField(label="Identifiant national", max_length=64)
    first_name = forms.CharField(label="Prénom", max_length=200, required=False)
    last_name = forms.CharField(label="Nom", max_length=200, required=False)
    professional = forms.CharField(
        label="Fiche de l'annuaire (identifiant national)",
        max_length=64,
        required=False,
        help_text="Vide : aucune fiche. Elle doit porter l'identifiant national de la personne.",
    )
    reason = forms.CharField(
        label="Motif de la correction",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire : la pièce ou la demande qui justifie la correction.",
        error_messages={"required": "Indiquez le motif de la correction."},
    )

    def __init__(self, *args, person, **kwargs):
        self.person = person
        self.cards = list(person.cards.order_by("number"))
        initial = {
            "identifier": person.identifier,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "professional": person.professional.national_id if person.professional_id else "",
        }
        for card in self.cards:
            initial[f"card_{card.pk}_type"] = card.card_type
            initial[f"card_{card.pk}_number"] = card.number
        super().__init__(*args, initial=initial, **kwargs)  # type: ignore[misc]  # initial is built here, never passed in
        for card in self.cards:
            self.fields[f"card_{card.pk}_type"] = forms.ChoiceField(
                label=f"Type de la carte n° {card.number}", choices=CardType.choices
            )
            self.fields[f"card_{card.pk}_number"] = forms.CharField(
                label=f"Numéro de la carte n° {card.number}", max_length=20
            )
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])

    def clean_professional(self):
        national_id = self.cleaned_data["professional"].strip()
        if not national_id:
            return None
        professional = Professional.objects.filter(national_id=national_id).first()
        if professional is None:
            raise forms.ValidationError("Aucune fiche de l'annuaire ne porte cet identifiant national.")
        return professional

    def correction(self) -> dict:
        """The service's arguments: only what differs from the current identity."""
        data, person = self.cleaned_data, self.person
        names = ("identifier", "first_name", "last_name")
        changes = {name: data[name] for name in names if data[name] != getattr(person, name)}
        if (data["professional"].pk if data["professional"] else None) != person.professional_id:
            changes["professional"] = data["professional"]
        cards = {}
        for card in self.cards:
            new = {"card_type": data[f"card_{card.pk}_type"], "number": data[f"card_{card.pk}_number"].strip()}
            if (new["card_type"], new["number"]) != (card.card_type, card.number):
                cards[card.pk] = new
        if cards:
            changes["cards"] = cards
        return changes


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

    def get_urls(self):
        view = self.admin_site.admin_view(self.correct_identity_view)
        return [
            path("<int:pk>/correction-identite/", view, name="accounts_user_correct_identity"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_correct_identity"] = self.has_change_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def correct_identity_view(self, request, pk):
        """The only place of the admin where an identity changes: through the journaled service, with a reason."""
        person = get_object_or_404(User.objects.select_related("professional"), pk=pk)
        if not self.has_change_permission(request, person):
            raise PermissionDenied
        form = IdentityCorrectionForm(request.POST or None, person=person)
        if request.method == "POST" and form.is_valid():
            correction = form.correction()
            if not correction:
                form.add_error(None, "Aucune correction : l'identité est déjà celle-ci.")
            else:
                try:
                    services.correct_identity(
                        operator=request.user, user=person, reason=form.cleaned_data["reason"], **correction
                    )
                except services.IdentityError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, "Identité corrigée ; les sessions de la personne ont pris fin.")
                    return redirect("admin:accounts_user_change", person.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Corriger l'identité {of(str(person))}",
            "opts": self.opts,
            "person": person,
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/user/correct_identity.html", context)


@admin.register(Card)
class CardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "card_type", "holder", "expires_on", "is_blocked", "failed_attempts"]
    list_filter = ["card_type", "is_blocked"]
    search_fields = ["number", "holder__last_name"]
    exclude = ["pin_hash"]
    actions = ["unblock"]

    def has_unblock_permission(self, request):
        return request.user.has_perm("accounts.change_card")

    @admin.action(description="Débloquer les cartes sélectionnées", permissions=["unblock"])
    def unblock(self, request, queryset):
        for card in queryset.filter(is_blocked=True):
            services.unblock_card(card=card, operator=request.user)
        messages.success(request, "Cartes débloquées.")


# Groups of permissions: no operator is given one through the admin (users' groups are not editable there), and a
# writable, unjournaled list of permissions has no place next to people and cards.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
