"""HISTORIQUE DES ACTIONS: consecutive consultations by one person make one row; the full page names the patient."""

from dossiers.history import HISTORY_COLUMNS, history_rows
from journal.selectors import dossier_history
from tests.conftest import actor_for, login_client

from .conftest import acting, edit, view


def test_consecutive_consultations_by_the_same_person_collapse(people):
    sophie, martin = acting(people["sophie"], people["martin"]), actor_for(people["martin"])
    alice = people["alice"]
    for _ in range(3):
        view(sophie, alice)
    edit(sophie, alice, gir=4)
    view(martin, alice)
    view(sophie, alice)
    view(sophie, alice)
    rows = history_rows(dossier_history(alice.pk, columns=HISTORY_COLUMNS))
    assert [(len(r.views), r.entry.action) for r in rows] == [
        (2, "dossier_viewed"),
        (1, "dossier_viewed"),
        (0, "medical_updated"),
        (3, "dossier_viewed"),
    ]
    assert rows[0].collapsed and rows[0].summary == "2 consultations par Sophie BERNARD"
    assert not rows[1].collapsed
    assert rows[2].changes == [{"label": "GIR", "old": "non renseigné", "new": "GIR 4"}]


def test_the_pages_show_the_rows(people):
    sophie = acting(people["sophie"], people["martin"])
    alice = people["alice"]
    for _ in range(3):
        view(sophie, alice)
    edit(sophie, alice, allergies="x" * 400)
    page = login_client(people["martin"]).get(f"/dossiers/{alice.number}/historique/").content.decode()
    assert f"HISTORIQUE DES ACTIONS — {alice.patient.display_name}, dossier {alice.number}" in page
    assert "3 consultations par Sophie BERNARD, du " in page and "Voir les 3 consultations" in page
    assert "x" * 400 in page  # never cut
