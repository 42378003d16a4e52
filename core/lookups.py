"""Conditions Django's lookups do not write as a prepared statement needs them.

`Among`: a condition on fixed values written into the SQL, what a partial index needs to serve a prepared statement.

Django binds every value as a parameter. PostgreSQL keeps a generic plan for a statement it runs often
(config/settings.py, plan_cache_mode `auto`), made without the parameters' values: for `action IN ($1, $2)` it
cannot know that a partial index `WHERE action IN ('a', 'b')` holds every row wanted, and walks the whole index.
SQLite's planner, likewise, matches a partial index against values written in the query only.
`Among(F("action"), values)` writes `action IN ('a', 'b')` itself; its values are the code's own constants (the
journal's vocabulary), never a user's, and anything but lower-case letters, digits and `_` is refused.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Lookup

_WRITABLE = re.compile(r"[a-z0-9_]+\Z")


class Among(Lookup):
    """`lhs IN ('a', 'b')` (`lhs = 'a'` for one value), the values written in the SQL (see the module)."""

    lookup_name = "among"  # not registered on any field: used as `filter(Among(F("field"), values))`
    prepare_rhs = False
    can_use_none_as_rhs = False

    def __init__(self, lhs: Any, values: Iterable[str]) -> None:  # an expression: F("field")
        values = tuple(str(value) for value in values)
        if not values or not all(_WRITABLE.match(value) for value in values):
            raise ValueError(f"Among: fixed values of letters, digits and _ only, not {values!r}")
        super().__init__(lhs, values)

    @property
    def output_field(self) -> BooleanField:
        return BooleanField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        # Checked in __init__: each value is [a-z0-9_]+, a literal needing no escaping.
        written = [f"'{value}'" for value in self.rhs]
        if len(written) == 1:
            return f"{lhs} = {written[0]}", tuple(params)
        return f"{lhs} IN ({', '.join(written)})", tuple(params)


class Like(Lookup):
    """`lhs LIKE %s`, the pattern bound as given: Django's `startswith` adds the `%` to the value it binds, so a
    prepared read (core/prepared.py) could not bind the searched text. The caller writes the pattern: `%` and `_`
    in it are wildcards (normalised text has neither)."""

    lookup_name = "like"  # not registered on any field: used as `filter(Like(F("field"), "lefev%"))`
    prepare_rhs = False
    can_use_none_as_rhs = False

    @property
    def output_field(self) -> BooleanField:
        return BooleanField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", (*params, self.rhs)
