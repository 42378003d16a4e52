"""People who log in (card holders, and operators for the admin) and their CPx cards."""

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.text import display_name


class UserManager(BaseUserManager["User"]):
    def create_user(self, identifier, password=None, **extra):
        user = self.model(identifier=identifier, **extra)
        user.set_password(password)  # None gives an unusable password: card holders have none.
        user.save(using=self._db)
        return user

    def create_superuser(self, identifier, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(identifier, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the platform: a card holder, or an operator (admin, by password)."""

    # The national identifier carried by the card ("8" + RPPS, "0" + ADELI, "3" + FINESS/… for staff).
    identifier = models.CharField("identifiant national", max_length=64, unique=True)
    first_name = models.CharField("prénom", max_length=200, blank=True)
    last_name = models.CharField("nom", max_length=200, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    professional = models.OneToOneField(
        "directory.Professional",
        verbose_name="fiche de l'annuaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("opérateur (accès à la gestion)", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "identifier"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = "utilisateur"

    def __str__(self):
        return self.display_name or self.identifier

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)

    def _get_session_auth_hash(self, secret=None):
        """Django drops a session whose stored hash no longer matches (AuthenticationMiddleware, every request, every
        instance): covering who the person is, not only the password, ends his sessions as soon as his identity
        changes, whatever changed it. From the user's row only: no query added to each request."""
        identity = "\x1f".join(
            [self.password, self.identifier, str(self.professional_id or ""), self.first_name, self.last_name]
        )
        return salted_hmac(
            "accounts.User.get_session_auth_hash", identity, secret=secret, algorithm="sha256"
        ).hexdigest()


class CardType(models.TextChoices):
    """Nomenclature TRE_R87."""

    CPS = "CPS", "CPS (professionnel de santé)"
    CPF = "CPF", "CPF (professionnel en formation)"
    CPE = "CPE", "CPE (personnel d'établissement)"
    CPA = "CPA", "CPA (personnel autorisé)"


class Card(models.Model):
    number = models.CharField("numéro de carte", max_length=20, unique=True)
    card_type = models.CharField("type de carte", max_length=3, choices=CardType.choices)
    holder = models.ForeignKey(User, verbose_name="porteur", on_delete=models.PROTECT, related_name="cards")
    expires_on = models.DateField("fin de validité")
    pin_hash = models.CharField("code PIN (haché)", max_length=200)
    failed_attempts = models.PositiveSmallIntegerField("essais de code PIN erronés", default=0)
    is_blocked = models.BooleanField("bloquée", default=False)
    blocked_at = models.DateTimeField("bloquée le", null=True, blank=True)

    class Meta:
        verbose_name = "carte CPx"
        verbose_name_plural = "cartes CPx"
        ordering = ["holder__last_name", "number"]

    def __str__(self):
        return f"{self.card_type} n° {self.number} — {self.holder.display_name}"

    def set_pin(self, pin: str) -> None:
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return check_password(pin, self.pin_hash)

    @property
    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()
