"""Migrations import no application code: a later change to the code must not change what an old migration does.

What a migration needs (a hash function, a trigger switch) is copied into it, frozen (journal/0005).
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROJECT_PACKAGES = {path.parent.name for path in ROOT.glob("*/__init__.py")}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or "")


def test_no_migration_imports_the_project_code():
    migrations = sorted(ROOT.glob("*/migrations/0*.py"))
    assert len(migrations) > 10  # the glob found them
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in migrations
        for module in imported_modules(path)
        if module.startswith(".") or module.split(".")[0] in PROJECT_PACKAGES
    ]
    assert offending == []
