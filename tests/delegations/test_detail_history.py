"""A delegation's page: its history read through journal.selectors, paginated like a dossier's, newest first."""

import pytest

from core.pagination import PAGES_AHEAD
from journal.models import Action, ActorRole
from journal.services import record
from tests.conftest import login_client, make_delegation


def add_history(delegation, doctor_card, n):
    doctor = doctor_card.holder
    for i in range(n):
        record(action=Action.DELEGATION_MODIFIED, actor_user=doctor, actor_name=doctor.display_name,
               actor_role=ActorRole.DOCTOR, on_behalf_of=doctor.professional, delegation=delegation,
               detail=f"modification n° {i + 1:03d}")  # fmt: skip


@pytest.mark.django_db
def test_the_history_is_paginated_newest_first(martin, sophie):
    delegation = make_delegation(martin, sophie)
    add_history(delegation, martin, 30)
    client = login_client(martin)
    first = client.get(f"/delegations/{delegation.pk}/").content.decode()
    assert first.count("Modification de la délégation") == 25 and "Page suivante" in first and "1 / 2" in first
    assert first.index("modification n° 030") < first.index("modification n° 029")
    assert "modification n° 005" not in first
    second = client.get(f"/delegations/{delegation.pk}/", {"page": 2}).content.decode()
    assert second.count("Modification de la délégation") == 5 and "2 / 2" in second
    assert "modification n° 005" in second and "modification n° 001" in second and "modification n° 006" not in second
    # The details of the delegation stay on every page.
    assert "Droits accordés" in second


@pytest.mark.django_db
def test_the_history_count_stops_ten_pages_ahead(martin, sophie):
    delegation = make_delegation(martin, sophie)
    add_history(delegation, martin, 25 * (PAGES_AHEAD + 1) + 1)
    page = login_client(martin).get(f"/delegations/{delegation.pk}/").content.decode()
    assert f"1 / plus de {PAGES_AHEAD + 1}" in page


@pytest.mark.django_db
def test_the_history_shows_only_this_delegations_entries(martin, sophie, dubois):
    delegation = make_delegation(martin, sophie)
    other = make_delegation(martin, dubois)
    add_history(other, martin, 3)
    page = login_client(martin).get(f"/delegations/{delegation.pk}/").content.decode()
    assert "Modification de la délégation" not in page and "Aucune action." in page
