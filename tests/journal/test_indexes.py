"""The partial indexes that keep the consultations out of two lists' reads (journal/models.py): the consultations pile
up as a dossier is opened, and without them the latest change of each dossier of Mes dossiers and the pages and the
count of « Actions faites en mon nom » walked every one of them. A partial index serves a query only when the
query's own conditions imply the index's: these tests ask each database for the plan of the real queries."""

import pytest
from django.db import connection

from dossiers.selectors import _listed
from oversight.selectors import _listed as actions_listed
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The test tables are tiny: without this PostgreSQL would rightly read them whole.
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_latest_change_of_each_dossier_reads_the_changes_only():
    if connection.vendor != "postgresql":
        # SQLite matches a partial index's terms against the query's as written, and Django binds the actions.
        pytest.skip("the embedded database does not use this partial index")
    dossier = DossierFactory()
    found = plan(_listed(principal_id=dossier.medecin_traitant_id)[:20])
    assert "journal_dossier_changes" in found, found


@pytest.mark.parametrize("hide_views", [True, False])
def test_actions_in_my_name_read_without_consultations(hide_views):
    dossier = DossierFactory()
    doctor = dossier.medecin_traitant
    entries = actions_listed(doctor_id=doctor.pk, user_id=doctor.pk + 1, shape=("", hide_views, ()))
    found = plan(entries[:25])
    # Asked with the consultations, the list reads the index that has them.
    assert ("journal_principal_actions" in found) is hide_views, found
