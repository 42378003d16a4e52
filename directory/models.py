"""The national directory of health professionals (RPPS / ADELI open-data extraction)."""

from django.db import models

from core.text import display_name, is_email_address

DOCTOR_PROFESSION_CODE = "10"  # TRE_G15: Médecin


class IdentifierType(models.TextChoices):
    ADELI = "0", "ADELI"
    RPPS = "8", "RPPS"


class Professional(models.Model):
    national_id = models.CharField("identification nationale", max_length=12, unique=True)
    id_type = models.CharField("type d'identifiant", max_length=1, choices=IdentifierType.choices)
    identifier = models.CharField("identifiant (RPPS ou ADELI)", max_length=11, db_index=True)
    civilite_exercice_code = models.CharField("code civilité d'exercice", max_length=10, blank=True)
    civilite_exercice = models.CharField("civilité d'exercice", max_length=50, blank=True)
    civilite_code = models.CharField("code civilité", max_length=10, blank=True)
    civilite = models.CharField("civilité", max_length=50, blank=True)
    last_name = models.CharField("nom d'exercice", max_length=200)
    first_name = models.CharField("prénom d'exercice", max_length=200, blank=True)
    profession_code = models.CharField("code profession", max_length=10)
    profession = models.CharField("profession", max_length=200, blank=True)
    category_code = models.CharField("code catégorie professionnelle", max_length=10, blank=True)
    category = models.CharField("catégorie professionnelle", max_length=200, blank=True)
    specialty_code = models.CharField("code savoir-faire", max_length=20, blank=True)
    specialty = models.CharField("savoir-faire", max_length=200, blank=True)
    # Normalised for accent-, case- and punctuation-insensitive prefix search.
    # On PostgreSQL these columns use the "C" collation (migration 0002) so that a prefix search is a plain
    # btree range scan, in the same byte order as SQLite.
    search_last_name = models.CharField(max_length=200, editable=False)
    search_first_name = models.CharField(max_length=200, editable=False, blank=True)
    is_active = models.BooleanField("présent dans l'annuaire", default=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)
    # Hash of the person's lines in the last import: a re-import rewrites only people whose lines changed.
    import_fingerprint = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "professionnel de santé"
        verbose_name_plural = "professionnels de santé"
        ordering = ["search_last_name", "search_first_name", "id"]
        indexes = [
            # The default search: active people of one profession, by name prefix, in name order (partial: a
            # boolean column in an index is no use, SQLite writes the filter as a bare `"is_active"`).
            models.Index(
                fields=["profession_code", "search_last_name", "search_first_name", "id"],
                condition=models.Q(is_active=True),
                name="directory_pro_active_idx",
            ),
            models.Index(fields=["search_last_name", "search_first_name"], name="directory_pro_name_idx"),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.national_id})"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            # The copies on the places (see PracticePlace.PERSON_COPY): one UPDATE.
            self.places.update(**{field: getattr(self, field) for field in PracticePlace.PERSON_COPY})

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)

    @property
    def is_doctor(self) -> bool:
        return self.profession_code == DOCTOR_PROFESSION_CODE

    @property
    def rpps(self) -> str:
        return self.identifier if self.id_type == IdentifierType.RPPS else ""

    @property
    def first_email(self) -> str:
        # The extraction's address as it stands may be a list or garbage: only one valid address is mailed to.
        return next((p.email for p in self.places.all() if is_email_address(p.email)), "")


class PracticePlace(models.Model):
    # Indexed by directory_place_pro_idx below (professional first: prefetch, and the place check of a search).
    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="places", db_index=False)
    mode_code = models.CharField("code mode d'exercice", max_length=5, blank=True)
    mode = models.CharField("mode d'exercice", max_length=100, blank=True)
    siret = models.CharField("SIRET du site", max_length=20, blank=True)
    finess = models.CharField("FINESS du site", max_length=20, blank=True)
    structure_name = models.CharField("raison sociale", max_length=300, blank=True)
    address = models.CharField("adresse", max_length=500, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    commune_code = models.CharField("code commune", max_length=10, blank=True)
    commune = models.CharField("commune", max_length=200, blank=True)
    search_commune = models.CharField(max_length=200, blank=True, editable=False)  # "C" collation on PostgreSQL
    department_code = models.CharField("code département", max_length=5, blank=True)
    department = models.CharField("département", max_length=200, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.CharField("adresse électronique", max_length=300, blank=True)
    # Copies of the person's search columns (written by the import's set-based merge, and by save()): a search by
    # place alone then walks one index of the places in name order and stops at the page ("C" collation on
    # PostgreSQL for the two names, migration 0005, so that both tables sort alike).
    search_last_name = models.CharField(max_length=200, blank=True, editable=False)
    search_first_name = models.CharField(max_length=200, blank=True, editable=False)
    profession_code = models.CharField(max_length=10, blank=True, editable=False)
    is_active = models.BooleanField(default=True, editable=False)

    PERSON_COPY = ("search_last_name", "search_first_name", "profession_code", "is_active")

    class Meta:
        verbose_name = "lieu d'exercice"
        verbose_name_plural = "lieux d'exercice"
        # The search reads active people only (active_only): every place filter of it is served by the partial
        # indexes below; fewer indexes, a faster import.
        indexes = [
            # A person's places (prefetch), and whether one is in a place (the search's EXISTS, index only).
            models.Index(
                fields=["professional", "search_commune", "postal_code", "department_code", "is_active"],
                name="directory_place_pro_idx",
            ),
            # A search by place alone: the active people of one profession in one town / postal code / département,
            # in name order (partial on is_active, as directory_pro_active_idx).
            *(
                models.Index(
                    fields=[place, "profession_code", "search_last_name", "search_first_name", "professional"],
                    condition=models.Q(is_active=True),
                    name=f"directory_plc_{short}_nm_idx",
                )
                for place, short in (
                    ("search_commune", "commune"),
                    ("postal_code", "postal"),
                    ("department_code", "dept"),
                )
            ),
        ]

    def __str__(self):
        return f"{self.structure_name} {self.postal_code} {self.commune}".strip()

    def save(self, *args, **kwargs):
        for field in self.PERSON_COPY:
            setattr(self, field, getattr(self.professional, field))
        super().save(*args, **kwargs)
