"""The catalog in the store: published rows of the content tables, and publishing them.

The catalog is not a table of its own: a design or a filter is in it while its ``visibility`` is
``published``, with its ``catalog_data``. ``TABLES`` names the content tables by kind (upstream's
``pattern`` and ``filter``); each has the columns the catalog reads (``id``, ``name``,
``user_id``, ``visibility``, ``catalog_data``, ``created_at``, ``updated_at``). Published rows are
shared (readable by every user, see ``ownership``); only the owner changes a row's visibility.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.orm import defer

from meshery.store import paging, search
from meshery.store.designs import PatternRow
from meshery.store.engine import Store
from meshery.store.filters import FilterRow

PUBLISHED = "published"
# kind -> the table of that content
TABLES: dict[str, type[Any]] = {
    "pattern": PatternRow,
    "filter": FilterRow,  # its module is in another table, never read here
}
# Columns never read by catalog lists (large, and not part of a list answer).
_DEFERRED: dict[str, tuple[str, ...]] = {
    "pattern": ("source_content",),
}
_ORDER = {"name", "created_at", "updated_at"}


@dataclass(frozen=True)
class CatalogQuery:
    """Which published content a list shows (every filter is optional; values match any case)."""

    search: str | None = None
    classes: Sequence[str] = ()
    technologies: Sequence[str] = ()
    types: Sequence[str] = ()
    owners: Sequence[str] = ()


def stored(kind: str) -> bool:
    """True when this server stores content of the kind."""
    return kind in TABLES


def table(kind: str) -> type[Any]:
    try:
        return TABLES[kind]
    except KeyError:
        raise ValueError(f"no catalog table for {kind!r}") from None


def _lower_field(model: type[Any], key: str) -> Any:
    return func.lower(model.catalog_data[key].as_string())


def _where(model: type[Any], query: CatalogQuery) -> list[Any]:
    conds: list[Any] = [model.visibility == PUBLISHED]
    if query.search:
        conds.append(search.condition(query.search, model.name))
    if query.classes:
        conds.append(_lower_field(model, "class").in_([c.lower() for c in query.classes]))
    if query.types:
        conds.append(_lower_field(model, "type").in_([t.lower() for t in query.types]))
    if query.technologies:
        # compatibility is a JSON array of names: one of them, quoted, in its JSON text.
        text = func.lower(cast(model.catalog_data["compatibility"], Text))
        conds.append(or_(*(text.contains(f'"{t.lower()}"', autoescape=True) for t in query.technologies)))
    if query.owners:
        conds.append(model.user_id.in_(list(query.owners)))
    return conds


async def list_published(
    store: Store, kind: str, query: CatalogQuery, *, page: int, page_size: int, order: str | None
) -> tuple[list[Any], int]:
    """One page of the published content of a kind and how many match in all."""
    model = table(kind)
    conds = _where(model, query)
    stmt = select(model).where(and_(*conds)).order_by(*paging.order_by(model, order, known=_ORDER))
    deferred = [defer(getattr(model, c)) for c in _DEFERRED.get(kind, ())]
    if deferred:
        stmt = stmt.options(*deferred)
    async with store.read() as session:
        rows = (await session.execute(stmt.offset(paging.offset(page, page_size)).limit(page_size))).scalars().all()
        total = (await session.execute(select(func.count()).select_from(model).where(and_(*conds)))).scalar_one()
    return list(rows), int(total)


async def set_visibility(
    store: Store,
    kind: str,
    content_id: str,
    *,
    owner: str | None,
    visibility: str,
    catalog_data: Callable[[Any], dict[str, Any]] | None = None,
    only_from: str | None = None,
) -> tuple[Any, str] | None:
    """Give the owner's row this visibility and, with ``catalog_data``, the catalog data it
    computes from the row.

    Returns the row and its visibility before, or None when ``owner`` has no such row (another
    user's row is "none": it is not the caller's to publish). With ``only_from`` a row of another
    visibility is returned unchanged.
    """
    model = table(kind)
    stmt = select(model).where(model.id == content_id, model.user_id == owner)
    deferred = [defer(getattr(model, c)) for c in _DEFERRED.get(kind, ())]
    if deferred:
        stmt = stmt.options(*deferred)
    async with store.write() as session:
        row = (await session.execute(stmt)).scalars().first()
        if row is None:
            return None
        before = str(row.visibility)
        if only_from is not None and before != only_from:
            return row, before
        row.visibility = visibility
        if catalog_data is not None:
            row.catalog_data = catalog_data(row)
        row.updated_at = datetime.now(UTC)
        await session.flush()
    return row, before
