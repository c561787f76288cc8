"""The one search condition of every list: ``text`` anywhere in a column, literally, any case.

A user's search text is matched as typed: ``%`` and ``_`` (LIKE's wildcards) and the escape
character itself are escaped, so a search for ``50%`` or ``a_b`` finds only names containing
those characters, on SQLite and PostgreSQL alike. Both sides are lower-cased (``lower()`` and
``LIKE`` behave the same on both databases, where ``ILIKE`` does not exist on SQLite).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_

ESCAPE = "\\"


def pattern(text: str) -> str:
    """A LIKE pattern matching the lower-cased ``text`` anywhere, with its wildcards escaped."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def condition(text: str, *columns: Any, folded: bool = False) -> ColumnElement[bool]:
    """``text`` appears in any of ``columns`` (``folded``: the columns already hold lower case)."""
    if not columns:
        raise ValueError("a search condition needs at least one column")
    needle = pattern(text)
    matches = [(column if folded else func.lower(column)).like(needle, escape=ESCAPE) for column in columns]
    return matches[0] if len(matches) == 1 else or_(*matches)
