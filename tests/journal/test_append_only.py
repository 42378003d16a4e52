import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError

from journal.models import Action, ActorRole, Entry, JournalIsAppendOnly
from journal.services import record
from tests.factories import DoctorUserFactory, DossierFactory, ProfessionalFactory, UserFactory


@pytest.fixture
def entry(db):
    doctor = DoctorUserFactory()
    return record(
        action=Action.DOSSIER_VIEWED,
        actor_user=doctor,
        actor_name=doctor.display_name,
        actor_role=ActorRole.DOCTOR,
        card_type="CPS",
        on_behalf_of=doctor.professional,
        dossier=DossierFactory(medecin_traitant=doctor.professional),
    )


def test_model_refuses_update(entry):
    entry.detail = "falsifié"
    with pytest.raises(JournalIsAppendOnly) as refused:
        entry.save()
    assert str(refused.value) == "Une entrée du journal ne peut pas être modifiée."


def test_a_new_entry_given_an_existing_id_cannot_overwrite_it(entry):
    """save() always inserts: a new object carrying an entry's id is refused by the database, not written over it
    (Django would otherwise update the row, and SQLite has no trigger to stop it)."""
    forged = Entry.objects.get(pk=entry.pk)
    forged._state.adding = True
    forged.detail = "falsifié"
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert Entry.objects.get(pk=entry.pk).detail == ""


def test_model_refuses_delete(entry):
    with pytest.raises(JournalIsAppendOnly):
        entry.delete()


def test_queryset_refuses_update_and_delete(entry):
    with pytest.raises(JournalIsAppendOnly) as refused:
        Entry.objects.filter(pk=entry.pk).update(detail="x")
    assert str(refused.value) == "Le journal ne peut pas être modifié."
    entry.detail = "x"
    with pytest.raises(JournalIsAppendOnly) as refused:
        Entry.objects.bulk_update([entry], ["detail"])
    assert str(refused.value) == "Le journal ne peut pas être modifié."
    with pytest.raises(JournalIsAppendOnly) as refused:
        Entry.objects.all().delete()
    assert str(refused.value) == "Le journal ne peut pas être supprimé."
    assert Entry.objects.get(pk=entry.pk).detail == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database triggers exist on PostgreSQL")
@pytest.mark.parametrize(
    "sql", ["UPDATE journal_entry SET detail = 'x'", "DELETE FROM journal_entry", "TRUNCATE journal_entry"]
)
def test_postgresql_refuses_raw_update_delete_and_truncate(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # TRUNCATE refuses a table with pending foreign key checks (the fixture's inserts): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert Entry.objects.filter(pk=entry.pk, detail="").exists()


def test_sentence_for_a_doctor_in_his_own_space(entry):
    assert entry.sentence == f"Le médecin {entry.actor_name} a fait l'action « Consultation du dossier »"


@pytest.mark.django_db
def test_sentence_for_a_delegated_action():
    doctor = ProfessionalFactory(first_name="Jean", last_name="MARTIN")
    assistant = UserFactory(first_name="Sophie", last_name="BERNARD")
    entry = record(
        action=Action.MEDICAL_UPDATED,
        actor_user=assistant,
        actor_name=assistant.display_name,
        actor_role=ActorRole.ASSISTANT,
        card_type="CPE",
        on_behalf_of=doctor,
        is_delegated=True,
    )
    assert entry.sentence == (
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN"
    )
