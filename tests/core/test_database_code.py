"""ARCHITECTURE.md « Databases » stays true: every module that branches on the database or writes SQL by hand is
named there (a new one fails here until it is documented, or moved into one of those already named)."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ["config", "core", "outbox", "journal", "directory", "accounts", "delegations", "dossiers", "demo"]
# A branch on the database, or SQL text handed to the database.
DATABASE_SPECIFIC = re.compile(r"\.vendor\b|\.cursor\(|\.raw\(|\bRawSQL\b|\.extra\(|\bRunSQL\b")


def databases_section() -> str:
    text = (BASE / "ARCHITECTURE.md").read_text()
    return text.split("\n## Databases\n", 1)[1].split("\n## ", 1)[0]


def database_specific_modules() -> dict[str, str]:
    """{the name ARCHITECTURE.md must give: the file} — a command by its name, a migration by app/number."""
    found = {}
    for app in APPS:
        for file in (BASE / app).rglob("*.py"):
            if not DATABASE_SPECIFIC.search(file.read_text()):
                continue
            relative = file.relative_to(BASE)
            if "migrations" in relative.parts:
                name = f"{app}/{file.name[:4]}"
            elif relative.parts[-2] == "commands":
                name = file.stem
            else:
                name = str(relative)
            found[name] = str(relative)
    return found


def test_every_database_specific_module_is_named_in_the_architecture():
    modules = database_specific_modules()
    assert "journal/chain.py" in modules and "directory/selectors.py" in modules  # the scan finds them
    section = databases_section()
    missing = {name: file for name, file in modules.items() if f"`{name}`" not in section}
    assert not missing, f"code propre à une base, absent de ARCHITECTURE.md « Databases » : {missing}"
