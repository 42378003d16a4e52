"""« Lecteur de carte CPx (démonstration) »: choose a card, type its PIN. Only when DEMO is on."""

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from core.forms import DsfrForm
from core.ratelimit import Rule

from ..models import Card
from ..services import DEMO_METHOD, LoginRefused, check_card_pin, complete_login
from ..views import render_login_page
from . import LoginMethod
from .next_url import safe_next_url


class CardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, card):
        return f"{card.holder.display_name} — {card.card_type} n° {card.number}"


class DemoCardLoginForm(DsfrForm):
    card = CardChoiceField(
        label="Carte",
        queryset=Card.objects.select_related("holder").order_by("holder__last_name", "holder__first_name"),
        empty_label="Choisissez la carte insérée dans le lecteur",
        error_messages={"required": "Choisissez une carte.", "invalid_choice": "Cette carte n'existe pas."},
    )
    pin = forms.CharField(
        label="Code PIN",
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Saisissez le code PIN de la carte."},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def card_key(group, request) -> str:
    """The card a PIN is typed for, as the card reader finds it: the form posts the card's primary key, and the
    lookup reads it as Python's int() does, so `04`, `+4`, ` 4` and `0004` are all card 4 and one counter. A value
    that is no integer finds no card: all such values share one counter."""
    try:
        return f"card:{int(request.POST.get('card', ''))}"
    except ValueError:
        return "card:none"


class DemoCardReader(LoginMethod):
    key = DEMO_METHOD
    label = "Lecteur de carte CPx (démonstration)"
    template_name = "accounts/methods/demo.html"
    # The PIN: per IP address, failed attempts only (a practice's shared address must not be locked out by its own
    # successful logins), and per card, whatever way its identifier is written (the card itself also blocks after
    # CARD_MAX_PIN_ATTEMPTS wrong PINs).
    rate_limits = (
        Rule("pin-ip", "RATELIMIT_PIN_PER_IP", "ip", ("POST",), refund_success=True),
        Rule("pin-card", "RATELIMIT_PIN_PER_CARD", card_key, ("POST",)),
    )

    def is_enabled(self) -> bool:
        return settings.DEMO

    def get_context(self, request) -> dict:
        return {"form": DemoCardLoginForm(initial={"next": request.GET.get("next", "")})}

    def urlpatterns(self) -> list:
        return [path("", require_POST(self.login_view), name="demo-login")]

    def login_view(self, request):
        if not self.is_enabled():
            raise Http404
        form = DemoCardLoginForm(request.POST)
        if form.is_valid():
            card, result = check_card_pin(card_id=form.cleaned_data["card"].pk, pin=form.cleaned_data["pin"])
            if not result.ok:
                form.add_error("pin", result.message)
            else:
                try:
                    complete_login(request, user=card.holder, card_type=card.card_type, method=DEMO_METHOD)  # type: ignore[union-attr]  # checked above
                except LoginRefused as refused:
                    form.add_error(None, refused.message)
                else:
                    return redirect(safe_next_url(request, form.cleaned_data["next"]))
        return render_login_page(request, {self.key: {"form": form}}, status=200)
