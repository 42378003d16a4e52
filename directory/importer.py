"""Import of the national extraction into the directory (minimal version: the demo extract)."""

from pathlib import Path

from django.db import transaction

from core.text import normalize

from .extract import read_extract
from .models import IdentifierType, PracticePlace, Professional

PROFESSIONAL_FIELDS = [
    "id_type", "identifier", "civilite_exercice_code", "civilite_exercice", "civilite_code", "civilite",
    "last_name", "first_name", "profession_code", "profession", "category_code", "category",
    "specialty_code", "specialty",
]


def _address(row: dict) -> str:
    parts = [row.get("street_number", ""), row.get("street_index", ""), row.get("street_type", ""),
             row.get("street_name", "")]
    return " ".join(p for p in parts if p)


@transaction.atomic
def import_extract(path: Path) -> dict:
    """Create or update the professionals of the file; their places of practice are replaced."""
    seen: dict[str, Professional] = {}
    stats = {"lines": 0, "created": 0, "updated": 0, "rejected": []}
    for number, row, error in read_extract(Path(path)):
        stats["lines"] += 1
        if row is None:
            stats["rejected"].append((number, error))
            continue
        national_id = row.get("national_id", "")
        if not national_id or row.get("id_type") not in IdentifierType.values:
            stats["rejected"].append((number, "identifiant absent ou de type inconnu"))
            continue
        professional = seen.get(national_id)
        if professional is None:
            values = {f: row.get(f, "") for f in PROFESSIONAL_FIELDS}
            values["search_last_name"] = normalize(values["last_name"])
            values["search_first_name"] = normalize(values["first_name"])
            values["is_active"] = True
            professional, created = Professional.objects.update_or_create(national_id=national_id, defaults=values)
            stats["created" if created else "updated"] += 1
            professional.places.all().delete()
            seen[national_id] = professional
        PracticePlace.objects.create(
            professional=professional,
            mode_code=row.get("mode_code", ""),
            mode=row.get("mode", ""),
            siret=row.get("siret", ""),
            finess=row.get("finess", ""),
            structure_name=row.get("structure_name", "") or row.get("brand", ""),
            address=_address(row),
            postal_code=row.get("postal_code", ""),
            commune_code=row.get("commune_code", ""),
            commune=row.get("commune", ""),
            search_commune=normalize(row.get("commune", "")),
            department_code=row.get("department_code", ""),
            department=row.get("department", ""),
            phone=row.get("phone", ""),
            email=row.get("email", ""),
        )
    return stats
