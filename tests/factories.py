"""One factory per model, each building a row the database and the model's validation accept; traits for the
states that matter (tests/test_factories.py builds every trait through the database's constraints and full_clean).
"""

import datetime
import hashlib

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Card, CardType, User
from core.text import normalize
from delegations.models import Delegation, Invitation, Kind, State
from delegations.policy import FROM_DIRECTORY, KINDS
from directory.models import DOCTOR_PROFESSION_CODE, IdentifierType, PracticePlace, Professional
from dossiers.models import SIGNED, Dossier, DossierType, Patient, Sex, Status
from journal.models import Action, ActorRole, Entry
from journal.services import record
from outbox.models import Message, MessageState

PIN = "1234"
PASSWORD = "mot-de-passe-de-test-assez-long"  # an operator's (the admin's login form)
DAY = datetime.timedelta(days=1)


def _today() -> datetime.date:
    return timezone.localdate()  # the application's date (Paris), not the machine's


class ProfessionalFactory(factory.django.DjangoModelFactory):
    """A médecin of the national directory (RPPS). Traits: `left_directory` (inactive after an import), `nurse`
    (another profession: not a médecin), `adeli` (an ADELI number), `with_place` (one practice place with an
    address)."""

    class Meta:
        model = Professional
        skip_postgeneration_save = True  # `with_place` adds a row of its own; nothing to save again

    class Params:
        left_directory = factory.Trait(is_active=False)
        nurse = factory.Trait(profession_code="60", profession="Infirmier")
        adeli = factory.Trait(
            id_type=IdentifierType.ADELI,
            identifier=factory.Sequence(lambda n: f"69{n:07d}"),
            national_id=factory.LazyAttribute(lambda o: f"0{o.identifier}"),
        )
        with_place = factory.Trait(place=factory.RelatedFactory("tests.factories.PracticePlaceFactory", "professional"))

    id_type = IdentifierType.RPPS
    identifier = factory.Sequence(lambda n: f"997{n:08d}")
    national_id = factory.LazyAttribute(lambda o: f"8{o.identifier}")
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    profession_code = DOCTOR_PROFESSION_CODE
    profession = "Médecin"
    search_last_name = factory.LazyAttribute(lambda o: normalize(o.last_name))
    search_first_name = factory.LazyAttribute(lambda o: normalize(o.first_name))


class PracticePlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticePlace

    professional = factory.SubFactory(ProfessionalFactory)
    mode_code = "L"
    mode = "Libéral"
    postal_code = "69003"
    commune = "Lyon"
    search_commune = factory.LazyAttribute(lambda o: normalize(o.commune))
    department_code = "69"
    email = factory.Faker("email")


class UserFactory(factory.django.DjangoModelFactory):
    """A card holder without a directory entry (an assistant, a secretary). Traits: `operator` (staff, who logs in
    to the admin with PASSWORD), `inactive`."""

    class Meta:
        model = User

    class Params:
        operator = factory.Trait(is_staff=True, password=factory.LazyFunction(lambda: make_password(PASSWORD)))
        inactive = factory.Trait(is_active=False)

    identifier = factory.Sequence(lambda n: f"3TEST{n:06d}")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable, as create_user() makes it: cards only
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Faker("email")


class DoctorUserFactory(UserFactory):
    """A médecin's account: his directory entry, his national identifier, his names."""

    professional = factory.SubFactory(ProfessionalFactory)
    identifier = factory.LazyAttribute(lambda o: o.professional.national_id)
    first_name = factory.LazyAttribute(lambda o: o.professional.first_name)
    last_name = factory.LazyAttribute(lambda o: o.professional.last_name)


class CardFactory(factory.django.DjangoModelFactory):
    """A médecin's CPS (PIN: PIN), valid for a year. Traits for who holds it: `assistant` (a CPE, holder without
    a directory entry), `authorized` (a CPA, likewise), `student` (a CPF, a médecin in training); and its state:
    `expired`, `blocked` (too many wrong PINs)."""

    class Meta:
        model = Card

    class Params:
        assistant = factory.Trait(card_type=CardType.CPE, holder=factory.SubFactory(UserFactory))
        authorized = factory.Trait(card_type=CardType.CPA, holder=factory.SubFactory(UserFactory))
        student = factory.Trait(card_type=CardType.CPF)
        expired = factory.Trait(expires_on=factory.LazyFunction(lambda: _today() - DAY))
        blocked = factory.Trait(is_blocked=True, failed_attempts=3, blocked_at=factory.LazyFunction(timezone.now))

    number = factory.Sequence(lambda n: f"9{n:09d}")
    card_type = CardType.CPS
    holder = factory.SubFactory(DoctorUserFactory)
    expires_on = factory.LazyFunction(lambda: _today() + 365 * DAY)
    pin_hash = factory.LazyFunction(lambda: make_password(PIN))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    birth_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    birth_date = datetime.date(1940, 1, 1)
    sex = Sex.FEMALE


class DossierFactory(factory.django.DjangoModelFactory):
    """A dossier « En cours de saisie », volet médical empty. Traits: one per other status (`validated`, `sent`,
    `archived`; a validated or sent volet is signed by a médecin, as the database requires, an archived one is
    not), and `filled` (every field of the volet médical)."""

    class Meta:
        model = Dossier

    class Params:
        validated = factory.Trait(status=Status.VALIDATED)
        sent = factory.Trait(status=Status.SENT)
        archived = factory.Trait(status=Status.ARCHIVED)
        filled = factory.Trait(
            antecedents="Hypertension artérielle",
            pathologies="Troubles de la marche",
            traitements="Amlodipine 5 mg",
            allergies="Pénicilline",
            gir=3,
            commentaire="Chutes répétées.",
        )

    number = factory.Sequence(lambda n: f"T-{n:07d}")
    dossier_type = DossierType.EHPAD
    patient = factory.SubFactory(PatientFactory)
    medecin_traitant = factory.SubFactory(ProfessionalFactory)
    status = Status.IN_PROGRESS
    # A validated or sent volet médical is signed (a database constraint): by someone, at some time.
    validated_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in SIGNED), factory.SubFactory(DoctorUserFactory), None
    )
    validated_at = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in SIGNED), factory.LazyFunction(timezone.now), None
    )


def _ends_on(o) -> datetime.date | None:
    """A kind that requires an end date (policy) gets one a year from its start or today, whichever is later."""
    return max(o.starts_on, _today()) + 365 * DAY if KINDS[Kind(o.kind)].ends_required else None


def _delegate(o) -> User | None:
    """Bound at the answer: nobody before (pending) nor on a refusal; a colleague's account is his directory
    entry's."""
    if o.state in (State.PENDING, State.REFUSED):
        return None
    if o.colleague is not None:
        return User.objects.filter(professional=o.colleague).first() or DoctorUserFactory(professional=o.colleague)
    return UserFactory()


class DelegationFactory(factory.django.DjangoModelFactory):
    """A doctor's delegation to an assistant, accepted, from yesterday, with « Consulter »; without end, as an
    assistant's may be.

    Traits: `pending`, `refused`, `expired`, `deleted`, `suspended` (its state, with what each state carries), and
    `colleague_doctor` (a médecin chosen from the directory, his account as delegate once he answered, an end date
    since the policy requires one). Whatever the kind, the directory entry and the end date follow the policy
    (`KINDS`). Rights as columns: `can_edit=True`… (« consult » is implied by the others, as the policy says)."""

    class Meta:
        model = Delegation

    class Params:
        pending = factory.Trait(state=State.PENDING, answered_at=None)
        refused = factory.Trait(state=State.REFUSED)
        expired = factory.Trait(
            state=State.EXPIRED,
            starts_on=factory.LazyFunction(lambda: _today() - 60 * DAY),
            ends_on=factory.LazyFunction(lambda: _today() - DAY),
        )
        deleted = factory.Trait(state=State.DELETED, deleted_at=factory.LazyFunction(timezone.now))
        suspended = factory.Trait(
            state=State.SUSPENDED,
            suspended_at=factory.LazyFunction(timezone.now),
            suspension_reason="La personne n'est plus inscrite à l'annuaire national des professionnels de santé.",
        )
        colleague_doctor = factory.Trait(kind=Kind.COLLEAGUE)

    doctor = factory.SubFactory(ProfessionalFactory)
    kind = Kind.ASSISTANT
    state = State.ACCEPTED
    colleague = factory.Maybe(
        factory.LazyAttribute(lambda o: KINDS[Kind(o.kind)].invitee == FROM_DIRECTORY),
        factory.SubFactory(ProfessionalFactory),
        None,
    )
    delegate = factory.LazyAttribute(_delegate)
    invited_first_name = factory.LazyAttribute(
        lambda o: (o.colleague or o.delegate).first_name if (o.colleague or o.delegate) else "Sophie"
    )
    invited_last_name = factory.LazyAttribute(
        lambda o: (o.colleague or o.delegate).last_name if (o.colleague or o.delegate) else "BERNARD"
    )
    invited_email = factory.LazyAttribute(lambda o: (o.delegate.email if o.delegate else "") or "invite@example.org")
    starts_on = factory.LazyFunction(lambda: _today() - DAY)
    ends_on = factory.LazyAttribute(_ends_on)
    can_consult = True
    created_by = factory.LazyAttribute(
        lambda o: User.objects.filter(professional=o.doctor).first() or DoctorUserFactory(professional=o.doctor)
    )
    answered_at = factory.LazyFunction(timezone.now)


INVITATION_TOKEN = "jeton-de-test"  # noqa: S105  (the clear token of InvitationFactory's link, for its URL)


class InvitationFactory(factory.django.DjangoModelFactory):
    """The link of a pending delegation, usable for a week; its clear token is `token` (INVITATION_TOKEN…). Traits:
    `used`, `revoked`, `expired`."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"{INVITATION_TOKEN}-{n}")
        used = factory.Trait(used_at=factory.LazyFunction(timezone.now))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - DAY))

    delegation = factory.SubFactory(DelegationFactory, pending=True)
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token.encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + 7 * DAY)


class EntryFactory(factory.django.DjangoModelFactory):
    """A journal entry, written through `journal.services.record` (the only way in: it chains the hashes): a
    médecin's login. Traits: `on_dossier` (he consults a dossier of his), `delegated` (an assistant consults it on
    his behalf), `on_delegation` (he adds a delegation), `by_the_platform` (nobody's card: an expiry)."""

    class Meta:
        model = Entry

    class Params:
        on_dossier = factory.Trait(
            action=Action.DOSSIER_VIEWED,
            dossier=factory.SubFactory(DossierFactory, medecin_traitant=factory.SelfAttribute("..doctor.professional")),
        )
        delegated = factory.Trait(
            action=Action.DOSSIER_VIEWED,
            actor_user=factory.SubFactory(UserFactory),
            actor_role=ActorRole.ASSISTANT,
            card_type=CardType.CPE,
            on_behalf_of=factory.SelfAttribute("doctor.professional"),
            is_delegated=True,
            dossier=factory.SubFactory(DossierFactory, medecin_traitant=factory.SelfAttribute("..doctor.professional")),
        )
        on_delegation = factory.Trait(
            action=Action.DELEGATION_ADDED,
            delegation=factory.SubFactory(
                DelegationFactory, pending=True, doctor=factory.SelfAttribute("..doctor.professional")
            ),
        )
        by_the_platform = factory.Trait(
            action=Action.DELEGATION_EXPIRED,
            actor_user=None,
            actor_name="",
            actor_role="",
            card_type="",
            login_method="",
            delegation=factory.SubFactory(
                DelegationFactory, expired=True, doctor=factory.SelfAttribute("..doctor.professional")
            ),
        )
        doctor = factory.SubFactory(DoctorUserFactory)

    action = Action.LOGIN
    actor_user = factory.SelfAttribute("doctor")
    actor_name = factory.LazyAttribute(lambda o: o.actor_user.display_name if o.actor_user else "")
    actor_role = ActorRole.DOCTOR
    card_type = CardType.CPS
    login_method = "demo"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return record(**kwargs)


class MessageFactory(factory.django.DjangoModelFactory):
    """A mail in the outbox, due now. Traits: `sending` (claimed by a worker), `failing` (tried, to be retried
    later), `sent` and `failed` (bodies emptied: they held the invitation link)."""

    class Meta:
        model = Message

    class Params:
        sending = factory.Trait(state=MessageState.SENDING, claimed_at=factory.LazyFunction(timezone.now))
        failing = factory.Trait(
            attempts=2,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
            next_attempt_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(minutes=5)),
        )
        sent = factory.Trait(
            state=MessageState.SENT, attempts=1, sent_at=factory.LazyFunction(timezone.now), body_text="", body_html=""
        )
        failed = factory.Trait(
            state=MessageState.FAILED,
            attempts=1,
            failed_at=factory.LazyFunction(timezone.now),
            last_error="SMTPRecipientsRefused: {'inconnue@example.org': (550, b'No such user')}",
            body_text="",
            body_html="",
        )

    idempotency_key = factory.Sequence(lambda n: f"test-{n}")
    ref = factory.Sequence(lambda n: f"delegation:{n}")
    to = factory.Faker("email")
    subject = "Invitation à une délégation de droits"
    body_text = "Bonjour,\nVous êtes invité(e) à une délégation de droits."
    body_html = "<p>Bonjour,</p><p>Vous êtes invité(e) à une délégation de droits.</p>"
