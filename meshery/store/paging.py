"""Ordering and offsets shared by the store's list queries (designs, filters, catalog, performance).

``order_by`` reads upstream's ``order`` value (``field``, ``field asc``, ``field desc``; the
camelCase field names of ``@meshery/schemas`` too) against the fields a list may be ordered by:
an unknown field falls back to ``default`` in descending order, and the row id breaks ties so
pages never overlap. ``offset`` keeps fuzzed page numbers inside the databases' integers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

# Beyond any real table; larger offsets (fuzzed page numbers) would overflow the databases' integers.
MAX_OFFSET = 2**62
ORDER_ALIASES: Mapping[str, str] = {"createdAt": "created_at", "updatedAt": "updated_at"}


def order_by(
    model: Any,
    order: str | None,
    *,
    known: Collection[str],
    aliases: Mapping[str, str] = ORDER_ALIASES,
    default: str = "updated_at",
) -> list[Any]:
    """The ORDER BY of a list of ``model`` rows for upstream's ``order`` value."""
    field, _, direction = (order or f"{default} desc").strip().partition(" ")
    field = aliases.get(field, field)
    is_known = field in known
    column = getattr(model, field if is_known else default)
    desc = direction.strip().lower() == "desc" or (not direction and not is_known)
    return [column.desc() if desc else column.asc(), model.id]


def offset(page: int, page_size: int) -> int:
    """The row offset of a page, bounded by ``MAX_OFFSET``."""
    return min(page * page_size, MAX_OFFSET)
