"""Every field of a journal entry is in its hash: changing any one column in the database is found.

The expected hash is computed here from the documented format (README « Journal infalsifiable »,
ARCHITECTURE « Journal »: SHA-256 of sorted-key compact JSON of every meaningful field, foreign keys by id,
the date in UTC ISO with microseconds, plus the previous hash), without `journal/hashing.py`: a field dropped
from the hash there makes the stored hash differ from this one, and its tampering pass unseen.
"""

import hashlib
import io
import json
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from journal.chain import append_only_trigger_disabled
from journal.models import Action, ActorRole, Entry
from journal.services import record
from tests.conftest import make_delegation
from tests.factories import CardFactory, DoctorUserFactory, DossierFactory, UserFactory

# The documented content of an entry, by column (foreign keys by id). Written out here on purpose.
DOCUMENTED_FIELDS = (
    "sequence",
    "created_at",
    "action",
    "action_label",
    "actor_id",
    "actor_name",
    "actor_role",
    "card_type",
    "login_method",
    "auth_mode",
    "on_behalf_of_id",
    "on_behalf_name",
    "is_delegated",
    "dossier_id",
    "delegation_id",
    "changes",
    "detail",
)


def independent_hash(row: dict, prev_hash: str) -> str:
    content = {name: row[name] for name in DOCUMENTED_FIELDS}
    content["created_at"] = row["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    content["prev_hash"] = prev_hash
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def simple(name: str) -> Entry:
    return record(action=Action.LOGIN, actor_user=None, actor_name=name, actor_role=ActorRole.ASSISTANT)


@pytest.fixture
def world(db):
    """Two of everything an entry points to: the entry uses the first, tampering swaps in the second."""
    doctors = [CardFactory(card_type="CPS", holder=DoctorUserFactory()) for _ in range(2)]
    assistants = [CardFactory(card_type="CPE", holder=UserFactory()) for _ in range(2)]
    return {
        "users": [card.holder for card in assistants],
        "professionals": [card.holder.professional for card in doctors],
        "dossiers": [DossierFactory(medecin_traitant=card.holder.professional) for card in doctors],
        "delegations": [make_delegation(d, a) for d, a in zip(doctors, assistants, strict=True)],
    }


@pytest.fixture
def entries(world):
    """Three entries; the middle one has every field filled, none at its default."""
    first = simple("Première")
    full = record(
        action=Action.MEDICAL_UPDATED,
        actor_user=world["users"][0],
        actor_name="Sophie BERNARD",
        actor_role=ActorRole.ASSISTANT,
        card_type="CPE",
        login_method="psc",
        auth_mode="carte",
        on_behalf_of=world["professionals"][0],
        is_delegated=True,
        dossier=world["dossiers"][0],
        delegation=world["delegations"][0],
        changes=[{"field": "poids", "label": "Poids", "old": "60 kg", "new": "62 kg"}],
        detail="Volet médical — « éèà »",
    )
    last = simple("Dernière")
    return first, full, last


def test_every_documented_field_is_hashed_as_documented(entries):
    rows = list(Entry.objects.order_by("sequence").values("prev_hash", "hash", *DOCUMENTED_FIELDS))
    assert [row["sequence"] for row in rows] == [1, 2, 3]
    full = rows[1]
    assert all(full[name] not in (None, "", False, []) for name in DOCUMENTED_FIELDS), full
    previous = "0" * 64
    for row in rows:
        assert row["prev_hash"] == previous
        assert row["hash"] == independent_hash(row, row["prev_hash"]), f"entrée n° {row['sequence']}"
        previous = row["hash"]


def other_value(column: str, world, entry: Entry):
    """A different value of the column's own type (an existing row for a foreign key)."""
    others = {
        "created_at": connection.ops.adapt_datetimefield_value(entry.created_at + timedelta(microseconds=1)),
        "action": Action.DOSSIER_VIEWED.value,
        "action_label": "Consultation du dossier",
        "actor_id": world["users"][1].pk,
        "actor_name": "Quelqu'un d'autre",
        "actor_role": ActorRole.DOCTOR.value,
        "card_type": "CPS",
        "login_method": "demo",
        "auth_mode": "autre",
        "on_behalf_of_id": world["professionals"][1].pk,
        "on_behalf_name": "Dr Personne",
        "is_delegated": False,
        "dossier_id": world["dossiers"][1].pk,
        "delegation_id": world["delegations"][1].pk,
        "changes": json.dumps([{"field": "poids", "label": "Poids", "old": "60 kg", "new": "90 kg"}]),
        "detail": "falsifié",
    }
    return others[column]


# `sequence` is left out: a renumbered entry is a gap or a reordering, found by other checks
# (tests/journal/test_chain.py); that it is hashed is proved by the test above.
TAMPERED = [name for name in DOCUMENTED_FIELDS if name != "sequence"]


@pytest.mark.parametrize("column", TAMPERED)
def test_changing_any_hashed_column_in_the_database_is_found(world, entries, column):
    _, full, _ = entries
    value = other_value(column, world, full)
    with transaction.atomic(), append_only_trigger_disabled(connection), connection.cursor() as cursor:
        # The column name comes from the list above, the value is a bound parameter.
        cursor.execute(f"UPDATE journal_entry SET {column} = %s WHERE id = %s", [value, full.pk])  # noqa: S608
    changed = Entry.objects.values(column).get(pk=full.pk)[column]
    assert changed != Entry._meta.get_field(column.removesuffix("_id")).value_from_object(full)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("verify_journal", stdout=out)
    assert error.value.returncode == 1
    message = str(error.value)
    assert "[content_hash_mismatch]" in message
    assert f"entrée n° 2 (id {full.pk})" in message
