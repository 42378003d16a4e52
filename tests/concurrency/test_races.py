"""Races on PostgreSQL: two real threads, two connections, started at the same instant, many times.

Each scenario is played ROUNDS times; whatever the interleaving, the end state must be one the spec allows.
SQLite serialises every writer (one write transaction at a time), so these races only mean something on
PostgreSQL.
"""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.actor import Actor
from delegations import services as delegation_services
from delegations.models import Delegation, State
from delegations.services import DelegationError
from dossiers.models import MEDICAL_FIELDS, Dossier, Status
from dossiers.services import ConcurrentModification, update_medical
from journal.models import Action, Entry
from tests.factories import DelegationFactory, DoctorUserFactory, DossierFactory, UserFactory

ROUNDS = 200

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need concurrent writers: SQLite allows one write transaction at a time (PostgreSQL only)",
    ),
    pytest.mark.django_db(transaction=True),
]


def race(*jobs):
    """Run the jobs in threads released together by a barrier; each closes its connection at the end.

    Returns, per job, ("ok", value) or ("error", exception).
    """
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", job())
        except Exception as error:  # reported to the main thread
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def actor(user, card_type, acting_for=None) -> Actor:
    """A fresh Actor on a fresh User instance: threads share no model instance."""
    return Actor(
        user=type(user).objects.select_related("professional").get(pk=user.pk),
        card_type=card_type,
        login_method="demo",
        acting_for_id=acting_for.pk if acting_for is not None else None,
    )


def pending_invitation(martin, assistant) -> tuple[Delegation, str]:
    delegation = DelegationFactory(
        pending=True,
        doctor=martin.professional,
        created_by=martin,
        invited_first_name=assistant.first_name,
        invited_last_name=assistant.last_name,
        invited_email=assistant.email,
        can_edit=True,
    )
    token, _ = delegation_services._new_invitation(delegation)
    return delegation, token


def journal(delegation, action) -> int:
    return Entry.objects.filter(delegation=delegation, action=action).count()


@pytest.fixture
def martin(transactional_db):
    return DoctorUserFactory(first_name="Jean", last_name="MARTIN")


@pytest.fixture
def sophie(transactional_db):
    return UserFactory(first_name="Sophie", last_name="BERNARD", email="sophie.bernard@example.org")


def test_accept_against_delete_never_leaves_an_active_delegation(martin, sophie):
    outcomes = {"accepted then deleted": 0, "deleted first": 0}
    for _ in range(ROUNDS):
        delegation, token = pending_invitation(martin, sophie)
        accepted, deleted = race(
            lambda d=delegation, t=token: delegation_services.accept_delegation(
                actor=actor(sophie, "CPE"), delegation_id=d.pk, token=t
            ),
            lambda d=delegation: delegation_services.delete_delegation(actor=actor(martin, "CPS"), delegation_id=d.pk),
        )
        delegation.refresh_from_db()
        # The doctor's delete never fails, and once it returned the delegation is deleted, whatever came first.
        assert deleted[0] == "ok", deleted
        assert delegation.state == State.DELETED
        assert journal(delegation, Action.DELEGATION_DELETED) == 1
        if accepted[0] == "ok":
            outcomes["accepted then deleted"] += 1
            assert journal(delegation, Action.DELEGATION_ACCEPTED) == 1
            # In the journal, the acceptance comes before the deletion.
            order = list(
                Entry.objects.filter(delegation=delegation)
                .filter(action__in=[Action.DELEGATION_ACCEPTED, Action.DELEGATION_DELETED])
                .order_by("id")
                .values_list("action", flat=True)
            )
            assert order == [Action.DELEGATION_ACCEPTED, Action.DELEGATION_DELETED]
        else:
            outcomes["deleted first"] += 1
            assert isinstance(accepted[1], DelegationError), accepted
            assert journal(delegation, Action.DELEGATION_ACCEPTED) == 0
        # No link of a deleted delegation can still be used.
        assert not any(invitation.is_usable for invitation in delegation.invitations.all())
    assert sum(outcomes.values()) == ROUNDS


def test_the_same_invitation_accepted_twice_at_once_is_accepted_once(martin, sophie):
    for _ in range(ROUNDS):
        delegation, token = pending_invitation(martin, sophie)
        results = race(
            *[
                lambda d=delegation, t=token: delegation_services.accept_delegation(
                    actor=actor(sophie, "CPE"), delegation_id=d.pk, token=t
                )
                for _ in range(2)
            ]
        )
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, DelegationError), error
        assert str(error) in {
            "Cette délégation n'est plus en attente de réponse.",
            "Ce lien d'invitation n'est plus valable.",
        }
        delegation.refresh_from_db()
        assert delegation.state == State.ACCEPTED and delegation.delegate_id == sophie.pk
        assert journal(delegation, Action.DELEGATION_ACCEPTED) == 1
        # Next round: a new invitation (one live delegation per doctor and delegate).
        Delegation.objects.filter(pk=delegation.pk).update(state=State.DELETED)


def _medical(tag: str) -> dict:
    data = dict.fromkeys(MEDICAL_FIELDS, "")
    data.update(antecedents=f"Antécédents {tag}", traitements=f"Traitements {tag}", gir=int(tag[-1]) % 6 + 1)
    data["commentaire"] = None
    return data


def test_two_saves_of_the_same_version_one_wins_nothing_is_overwritten(martin, sophie):
    dossier = DossierFactory(medecin_traitant=martin.professional, status=Status.IN_PROGRESS)
    DelegationFactory(doctor=martin.professional, created_by=martin, delegate=sophie, can_edit=True)
    for round_ in range(ROUNDS):
        version = Dossier.objects.get(pk=dossier.pk).version
        saves = {"martin": _medical(f"martin {round_}1"), "sophie": _medical(f"sophie {round_}2")}
        by_martin, by_sophie = race(
            lambda data=saves["martin"], version=version: update_medical(
                actor=actor(martin, "CPS"),
                dossier=Dossier.objects.get(pk=dossier.pk),
                data=data,
                expected_version=version,
            ),
            lambda data=saves["sophie"], version=version: update_medical(
                actor=actor(sophie, "CPE", acting_for=martin.professional),
                dossier=Dossier.objects.get(pk=dossier.pk),
                data=data,
                expected_version=version,
            ),
        )
        results = {"martin": by_martin, "sophie": by_sophie}
        winners = [who for who, (kind, _) in results.items() if kind == "ok"]
        assert len(winners) == 1, results
        winner, loser = winners[0], ({"martin", "sophie"} - set(winners)).pop()
        error = results[loser][1]
        assert isinstance(error, ConcurrentModification), error
        assert "modifié entre-temps" in str(error)
        # The dossier holds exactly the winner's save, one version later; the loser overwrote nothing.
        current = Dossier.objects.get(pk=dossier.pk)
        assert current.version == version + 1
        for field in MEDICAL_FIELDS:
            assert (getattr(current, field) or None) == (saves[winner][field] or None), field
    assert Entry.objects.filter(dossier=dossier, action=Action.MEDICAL_UPDATED).count() == ROUNDS


def test_the_same_assistant_added_twice_at_once_is_added_once(martin):
    """A double click on « Ajouter »: one delegation, one invitation, the other gets a French refusal."""
    for round_ in range(ROUNDS):
        email = f"assistante{round_}@example.org"
        results = race(
            *[
                lambda email=email, last_name=f"Durand{round_}": delegation_services.add_assistant(
                    actor=actor(martin, "CPS"),
                    first_name="Lucie",
                    last_name=last_name,
                    email=email,
                    rights=["consult"],
                    starts_on=timezone.localdate(),
                )
                for _ in range(2)
            ]
        )
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, DelegationError), error
        assert "déjà en cours" in str(error)
        assert Delegation.objects.filter(invited_email=email).count() == 1
