"""« Depuis votre dernière connexion » on Mes dossiers, and the list's « Dernière modification » (who)."""

import datetime
import re

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


def _rows(page: str) -> dict[str, str]:
    """The text of each row of Mes dossiers, by patient first name."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for first_name in ("Alice", "Bruno"):
            if first_name in text:
                rows[first_name] = text
    return rows


def test_each_row_says_who_made_its_latest_change(people):
    martin, alice, bruno = people["martin"], people["alice"], people["bruno"]
    sophie = acting(people["sophie"], martin)
    rows = _rows(login_client(martin).get("/dossiers/").content.decode())
    assert "par " not in rows["Alice"] and "par " not in rows["Bruno"]  # no change journaled since they were made
    edit(sophie, alice, gir=2)
    edit(actor_for(martin), alice, gir=3)
    edit(actor_for(martin), bruno, gir=2)
    edit(sophie, bruno, gir=3)
    rows = _rows(login_client(martin).get("/dossiers/").content.decode())
    assert rows["Alice"].endswith("par vous")
    assert rows["Bruno"].endswith("par Sophie BERNARD pour vous")
    # Sophie, acting for him, reads the same changes from her side.
    rows = _rows(login_client(people["sophie"], acting_for=martin).get("/dossiers/").content.decode())
    assert rows["Alice"].endswith(" par Jean MARTIN")
    assert rows["Bruno"].endswith("par vous")
