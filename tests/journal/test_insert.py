"""journal.services appends an entry with an INSERT compiled once (not Model.save each time): Django's own statement,
or on PostgreSQL the same columns in the same order with the chain's three computed by the database in the statement
(journal/chain.py); every column stored as Model.save stores it, the id read back, the signals sent."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from journal import services
from journal.models import Action, ActorRole, Entry
from journal.services import record
from tests.factories import DoctorUserFactory, DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _compiled_here(monkeypatch):
    # The statement is compiled by the first append of a process: here, so that the test sees its compilation too
    # (mutation testing runs the tests in a process that has appended already).
    monkeypatch.setattr(services, "_INSERTS", {})


def _inserts(queries) -> list[str]:
    # The statement's text, its values aside (the SQL Django logs has them written in); on PostgreSQL its columns.
    if connection.vendor == "postgresql":
        return [re.search(r"INSERT INTO (\S+ \([^)]*\))", q["sql"])[1] for q in queries if "INSERT INTO" in q["sql"]]
    return [re.sub(r"VALUES \(.*\)", "VALUES (…)", q["sql"]) for q in queries if q["sql"].startswith("INSERT")]


def test_an_entry_is_stored_as_model_save_stores_it():
    doctor = DoctorUserFactory()
    dossier = DossierFactory(medecin_traitant=doctor.professional)
    seen = []

    def note(signal):
        def receiver(sender, instance, **kwargs):
            seen.append((signal, instance.pk, kwargs.get("created")))

        return receiver

    on_pre, on_post = note("pre_save"), note("post_save")
    pre_save.connect(on_pre, sender=Entry)
    post_save.connect(on_post, sender=Entry)
    try:
        with CaptureQueriesContext(connection) as appended:
            entry = record(
                action=Action.MEDICAL_UPDATED,
                actor_user=doctor,
                actor_name="Jean MARTIN",
                actor_role=ActorRole.DOCTOR,
                card_type="CPS",
                on_behalf_of=doctor.professional,
                dossier=dossier,
                changes=[{"field": "gir", "label": "GIR", "old": "", "new": "3"}, ("a", 1)],
                detail="L'accent « é » et <b>",
            )
    finally:
        pre_save.disconnect(on_pre, sender=Entry)
        post_save.disconnect(on_post, sender=Entry)
    assert seen == [("pre_save", None, None), ("post_save", entry.pk, True)]
    assert entry.pk is not None and not entry._state.adding and entry._state.db == "default"
    stored = Entry.objects.get(pk=entry.pk)
    for field in Entry._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(entry, field.attname), field.name
    assert isinstance(stored.created_at, datetime.datetime) and stored.changes[1] == ["a", 1]

    # The statement Model.save would have written for it.
    again = Entry(**{f.attname: getattr(stored, f.attname) for f in Entry._meta.concrete_fields if not f.primary_key})
    again.sequence += 1000
    with CaptureQueriesContext(connection) as saved:
        again.save()
    assert _inserts(appended.captured_queries) == _inserts(saved.captured_queries)
    assert len(_inserts(saved.captured_queries)) == 1


def test_an_entry_pointing_to_an_unsaved_object_is_refused_as_model_save_refuses_it():
    doctor = DoctorUserFactory()
    unsaved = DossierFactory.build(medecin_traitant=doctor.professional)
    with pytest.raises(ValueError, match="unsaved related object 'dossier'"), transaction.atomic():
        record(
            action=Action.DOSSIER_VIEWED, actor_user=doctor, actor_name="Jean MARTIN", actor_role="", dossier=unsaved
        )
    assert not Entry.objects.exists()
