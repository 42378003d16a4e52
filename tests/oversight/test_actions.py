"""« Actions faites en mon nom »: what the doctor sees, filtered on top of « entries on his behalf », never instead."""

import datetime

import pytest
from django.utils import timezone

from delegations.models import Delegation, State
from oversight.forms import ActionFilterForm
from oversight.selectors import ActionFilters, actions_in_name_of
from tests.conftest import actor_for, login_client

from .conftest import acting, edit, view

URL = "/actions-en-mon-nom/"


@pytest.fixture
def story(people):
    """Sophie views and edits Alice's dossier, edits Bruno's; Paul (whose delegation later ended) views Bruno's;
    Dr MARTIN himself edits Alice's; Dr DURAND edits his own dossier."""
    sophie = acting(people["sophie"], people["martin"])
    view(sophie, people["alice"])
    edit(sophie, people["alice"], gir=3)
    edit(sophie, people["bruno"], allergies="Pénicilline")
    view(acting(people["paul"], people["martin"]), people["bruno"])
    edit(actor_for(people["martin"]), people["alice"], commentaire="Vu par moi.")
    edit(actor_for(people["durand"]), people["other"], commentaire="Autre médecin.")
    Delegation.objects.filter(delegate=people["paul"].holder).update(state=State.EXPIRED)
    return people


def _sentences(actor, **filters):
    return [e.sentence for e in actions_in_name_of(actor, ActionFilters(**filters))]


def test_only_what_others_did_in_his_name_newest_first(story):
    martin = actor_for(story["martin"])
    everything = _sentences(martin, hide_views=False)
    assert everything == [
        "L'assistant(e) Paul ANCIEN a fait l'action « Consultation du dossier » au nom du médecin Jean MARTIN",
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN",
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN",
        "L'assistant(e) Sophie BERNARD a fait l'action « Consultation du dossier » au nom du médecin Jean MARTIN",
    ]
    # Consultations hidden by default.
    assert len(_sentences(martin)) == 2


def test_filters_narrow_never_widen(story):
    martin = actor_for(story["martin"])
    sophie_id, paul_id = story["sophie"].holder.pk, story["paul"].holder.pk
    assert len(_sentences(martin, delegate_id=sophie_id, hide_views=False)) == 3
    assert len(_sentences(martin, delegate_id=paul_id, hide_views=False)) == 1
    # A filter on somebody who never acted for him, or on his own user, or on Dr DURAND: nothing, never their rows.
    assert _sentences(martin, delegate_id=story["martin"].holder.pk) == []
    assert _sentences(martin, delegate_id=story["durand"].holder.pk) == []
    assert len(_sentences(martin, group="consultation")) == 2  # choosing consultations shows them
    assert len(_sentences(martin, group="modification", patient="lefevre")) == 1
    assert _sentences(martin, patient=story["other"].patient.birth_name) == []
    today = timezone.localdate()
    assert len(_sentences(martin, since=today, until=today)) == 2
    assert _sentences(martin, until=today - datetime.timedelta(days=1)) == []


def test_consultations_are_those_of_everybody_else_not_the_doctors_own(story):
    """Filtered on « Consultation », the list reads an index of consultations by delegation (journal_delegated_views):
    it shows every consultation someone else made in the doctor's name, as the unfiltered list does, and none of his
    own, however many."""
    martin = actor_for(story["martin"])
    for dossier in (story["alice"], story["bruno"], story["alice"]):
        view(martin, dossier)
    everything = _sentences(martin, hide_views=False)
    consultations = [sentence for sentence in everything if "« Consultation du dossier »" in sentence]
    assert len(consultations) == 2
    assert _sentences(martin, group="consultation") == consultations


def test_nobody_else_sees_anything(story):
    # A delegate acting for him (even Sophie) and a doctor in his own space see nothing of Dr MARTIN's.
    assert _sentences(acting(story["sophie"], story["martin"]), hide_views=False) == []
    assert _sentences(actor_for(story["durand"]), hide_views=False) == []


def test_the_page(story):
    client = login_client(story["martin"])
    page = client.get(URL).content.decode()
    assert "Actions faites en mon nom" in page
    assert "au nom du médecin Jean MARTIN" in page
    assert "GIR : non renseigné → GIR 3" in page
    assert "Allergies : non renseigné → Pénicilline" in page
    assert f'href="/dossiers/{story["alice"].number}/"' in page and story["alice"].patient.display_name in page
    assert "Consultation du dossier" not in page  # hidden by default
    # The delegate filter lists past delegates too; a filtered view is a link.
    assert "Paul ANCIEN" in page and "Sophie BERNARD" in page
    filtered = client.get(URL, {"filtrer": "1", "delegue": story["paul"].holder.pk}).content.decode()
    assert "Consultation du dossier" in filtered and "Sophie BERNARD a fait" not in filtered
    # « Voir ses actions » (no « filtrer »): consultations stay hidden.
    linked = client.get(URL, {"delegue": story["paul"].holder.pk}).content.decode()
    assert "Consultation du dossier" not in linked


def test_a_delegate_acting_for_him_gets_a_404(story):
    assert login_client(story["sophie"], acting_for=story["martin"]).get(URL).status_code == 404


def test_dates_in_the_wrong_order_say_so():
    form = ActionFilterForm({"filtrer": "1", "du": "2026-05-02", "au": "2026-05-01"}, delegates=[])
    assert not form.is_valid()
    assert "postérieure" in str(form.errors["au"])
