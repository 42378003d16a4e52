"""« Depuis votre dernière connexion » on Mes dossiers, and the list's « Dernière modification » (who)."""

import datetime

from django.contrib.auth.signals import user_logged_in
from django.utils import timezone

from oversight.models import Preferences
from oversight.selectors import since_last_login
from tests.conftest import actor_for, login_client

from .conftest import acting, edit, view


def _logged_in(card, when=None):
    user_logged_in.send(sender=type(card.holder), request=None, user=card.holder)
    if when is not None:
        Preferences.objects.filter(user=card.holder).update(previous_login_at=when)


def test_the_panel_counts_what_delegates_did_since_his_previous_login(people):
    martin = people["martin"]
    sophie = acting(people["sophie"], martin)
    edit(sophie, people["alice"], gir=2)  # before his previous login: not counted
    _logged_in(martin)
    _logged_in(martin)  # the current session's: the panel starts from the one before
    view(sophie, people["alice"])  # consultations are not counted
    edit(sophie, people["alice"], gir=3)
    edit(sophie, people["alice"], allergies="Iode")
    edit(sophie, people["bruno"], allergies="Pénicilline")
    edit(actor_for(martin), people["bruno"], commentaire="Moi.")  # his own: not counted
    panel = since_last_login(actor_for(martin))
    assert [(d.name, d.summary) for d in panel.delegates] == [("Sophie BERNARD", "3 modifications sur 2 dossiers")]
    page = login_client(martin).get("/dossiers/").content.decode()
    assert "Depuis votre dernière connexion" in page
    assert "Sophie BERNARD : 3 modifications sur 2 dossiers" in page
    assert f"?delegue={people['sophie'].holder.pk}&amp;du=" in page
    # « Dernière modification »: his own change, a delegate's change for him.
    assert "par vous" in page and "par Sophie BERNARD pour vous" in page


def test_no_panel_when_nothing_happened_or_for_a_delegate(people):
    martin = people["martin"]
    _logged_in(martin, timezone.now() - datetime.timedelta(days=1))
    assert since_last_login(actor_for(martin)) is None
    assert "Depuis votre dernière connexion" not in login_client(martin).get("/dossiers/").content.decode()
    edit(acting(people["sophie"], martin), people["alice"], gir=3)
    assert since_last_login(actor_for(martin)) is not None
    # Sophie, acting for him, sees no panel; she reads « par vous » on what she changed.
    sophie_page = login_client(people["sophie"], acting_for=martin).get("/dossiers/").content.decode()
    assert "Depuis votre dernière connexion" not in sophie_page
    assert "par vous" in sophie_page and "pour vous" not in sophie_page


def test_the_first_login_shows_no_panel(people):
    _logged_in(people["martin"])
    assert since_last_login(actor_for(people["martin"])) is None
