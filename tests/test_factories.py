"""The factories build what the database, the model's validation and the policy accept, in every state they offer:
each trait, once, through the database's constraints (saved and read back) and full_clean()."""

import pytest
from django.db import models
from django.utils import timezone
from factory import Trait

from accounts.models import CardType
from delegations.models import Delegation, Kind, State
from delegations.policy import FROM_DIRECTORY, KINDS
from dossiers.models import Status
from journal.models import Action
from journal.verify import verify
from outbox.models import MessageState

from .factories import (
    PASSWORD,
    CardFactory,
    DelegationFactory,
    DoctorUserFactory,
    DossierFactory,
    EntryFactory,
    InvitationFactory,
    MessageFactory,
    PatientFactory,
    PracticePlaceFactory,
    ProfessionalFactory,
    UserFactory,
)

# (factory, trait or None for its default, what the row then is)
EVERY_TRAIT = [
    (ProfessionalFactory, None, lambda p: p.is_active and p.is_doctor and p.rpps),
    (ProfessionalFactory, "left_directory", lambda p: not p.is_active),
    (ProfessionalFactory, "nurse", lambda p: not p.is_doctor),
    (ProfessionalFactory, "adeli", lambda p: not p.rpps and p.national_id == f"0{p.identifier}"),
    (ProfessionalFactory, "with_place", lambda p: p.places.count() == 1 and p.first_email),
    (PracticePlaceFactory, None, lambda p: p.search_commune == "lyon" and p.is_active),
    (UserFactory, None, lambda u: u.professional is None and not u.has_usable_password() and not u.is_staff),
    (UserFactory, "operator", lambda u: u.is_staff and u.check_password(PASSWORD)),
    (UserFactory, "inactive", lambda u: not u.is_active),
    (DoctorUserFactory, None, lambda u: u.identifier == u.professional.national_id and u.professional.is_doctor),
    (CardFactory, None, lambda c: c.card_type == CardType.CPS and c.holder.professional and not c.is_expired),
    (CardFactory, "assistant", lambda c: c.card_type == CardType.CPE and c.holder.professional is None),
    (CardFactory, "authorized", lambda c: c.card_type == CardType.CPA and c.holder.professional is None),
    (CardFactory, "student", lambda c: c.card_type == CardType.CPF),
    (CardFactory, "expired", lambda c: c.is_expired),
    (CardFactory, "blocked", lambda c: c.is_blocked and c.blocked_at),
    (PatientFactory, None, lambda p: p.search_name),
    (DossierFactory, None, lambda d: d.status == Status.IN_PROGRESS and d.validated_by is None and d.gir is None),
    (DossierFactory, "validated", lambda d: d.status == Status.VALIDATED and d.validated_by and d.validated_at),
    (DossierFactory, "sent", lambda d: d.status == Status.SENT and d.validated_by and d.validated_at),
    (DossierFactory, "archived", lambda d: d.status == Status.ARCHIVED and not d.can_be_archived),
    (DossierFactory, "filled", lambda d: all(d.medical_values().values())),
    (InvitationFactory, None, lambda i: i.is_usable and i.delegation.state == State.PENDING),
    (InvitationFactory, "used", lambda i: not i.is_usable and i.used_at),
    (InvitationFactory, "revoked", lambda i: not i.is_usable and i.revoked_at),
    (InvitationFactory, "expired", lambda i: not i.is_usable),
    (EntryFactory, None, lambda e: e.action == Action.LOGIN and e.actor and not e.is_delegated),
    (EntryFactory, "on_dossier", lambda e: e.dossier.medecin_traitant == e.actor.professional),
    (EntryFactory, "delegated", lambda e: e.is_delegated and e.on_behalf_of == e.dossier.medecin_traitant),
    (EntryFactory, "on_delegation", lambda e: e.delegation.doctor == e.actor.professional),
    (EntryFactory, "by_the_platform", lambda e: e.actor is None and e.delegation.state == State.EXPIRED),
    (MessageFactory, None, lambda m: m.state == MessageState.PENDING and m.body_text and not m.is_failing),
    (MessageFactory, "sending", lambda m: m.state == MessageState.SENDING and m.claimed_at),
    (MessageFactory, "failing", lambda m: m.is_failing),
    (MessageFactory, "sent", lambda m: m.state == MessageState.SENT and not m.body_text),
    (MessageFactory, "failed", lambda m: m.has_failed and not m.body_text),
]


def _valid(instance: models.Model) -> None:
    instance.refresh_from_db()  # it went through the database's constraints
    # A journal entry's author may be nobody (the platform): null in the database, never typed in a form.
    instance.full_clean(exclude=["actor"] if isinstance(instance, EntryFactory._meta.model) else None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "trait", "is_so"), EVERY_TRAIT, ids=[f"{f.__name__}-{t or 'default'}" for f, t, _ in EVERY_TRAIT]
)
def test_every_trait_builds_a_valid_row(factory, trait, is_so):
    instance = factory(**({trait: True} if trait else {}))
    _valid(instance)
    assert is_so(instance)


def test_every_trait_is_checked():
    """A new trait joins EVERY_TRAIT (or STATES): each factory's own traits, not those it inherits."""
    factories = {f for f, _, _ in EVERY_TRAIT} | {DelegationFactory}
    declared = {
        (f, name)
        for f in factories
        for name, declaration in f._meta.parameters.items()
        if isinstance(declaration, Trait) and name not in f._meta.base_factory._meta.parameters
    }
    checked = {(f, t) for f, t, _ in EVERY_TRAIT}
    checked |= {(DelegationFactory, t) for t, _ in STATES} | {(DelegationFactory, "colleague_doctor")}
    assert (CardFactory, "blocked") in declared and (DoctorUserFactory, "operator") not in declared
    assert declared <= checked


@pytest.mark.django_db
def test_journal_entries_from_the_factory_keep_the_chain():
    EntryFactory()
    EntryFactory(delegated=True)
    EntryFactory(by_the_platform=True)
    assert verify().ok


STATES = [
    (None, State.ACCEPTED),
    ("pending", State.PENDING),
    ("refused", State.REFUSED),
    ("expired", State.EXPIRED),
    ("deleted", State.DELETED),
    ("suspended", State.SUSPENDED),
]


@pytest.mark.django_db
@pytest.mark.parametrize("colleague", [False, True])
@pytest.mark.parametrize(("trait", "state"), STATES)
def test_every_state_of_both_kinds(trait, state, colleague):
    traits = {trait: True} if trait else {}
    delegation = DelegationFactory(**traits, colleague_doctor=colleague)
    _valid(delegation)
    assert delegation.state == state and delegation.effective_state == state
    kind = KINDS[Kind(delegation.kind)]
    assert delegation.kind == (Kind.COLLEAGUE if colleague else Kind.ASSISTANT)
    assert (delegation.colleague_id is not None) == (kind.invitee == FROM_DIRECTORY)
    assert (delegation.delegate_id is not None) == (state not in (State.PENDING, State.REFUSED))
    if delegation.colleague_id and delegation.delegate_id:
        assert delegation.delegate.professional == delegation.colleague  # the colleague's own account
    assert delegation.ends_on is not None or not kind.ends_required
    assert delegation.can_consult


@pytest.mark.django_db
def test_a_colleague_delegation_ends_after_today_even_if_it_started_long_ago():
    """The end date the policy requires is given in the future: a colleague delegation « without end » in a test is
    in force, as it would be for an assistant."""
    long_ago = timezone.localdate().replace(year=2020)
    delegation = DelegationFactory(colleague_doctor=True, starts_on=long_ago)
    assert list(Delegation.objects.in_force()) == [delegation]


@pytest.mark.django_db
def test_a_right_brings_consult_and_in_force_finds_the_accepted_one():
    delegation = DelegationFactory(can_edit=True, can_consult=False)
    delegation.refresh_from_db()
    assert delegation.can_edit and delegation.can_consult  # implied, as the policy normalises
    assert list(Delegation.objects.in_force()) == [delegation]
    DelegationFactory(expired=True)
    assert list(Delegation.objects.in_force()) == [delegation]
