"""Tables and repository of stored WASM filters (upstream ``meshery_filters``, the ``MesheryFilter`` record).

A filter is two rows: ``meshery_filters`` holds what lists show (name, owner, visibility,
``filter_resource``: the filter's component with its configuration, location, catalog data,
the module's size and digest), and ``meshery_filter_files`` holds the WebAssembly module itself.
Lists read only the first table, so a page of filters never loads a module; the module is read
by the one-filter routes (get, download, clone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store import paging, search
from meshery.store.base import Base
from meshery.store.designs import SHARED_VISIBILITIES  # readable by every user, as designs
from meshery.store.engine import Store


def now() -> datetime:
    return datetime.now(UTC)


class FilterRow(Base):
    """One stored filter, without its module."""

    __tablename__ = "meshery_filters"
    __table_args__ = (
        Index("ix_meshery_filters_user_id_updated_at", "user_id", "updated_at", "id"),
        Index("ix_meshery_filters_visibility_updated_at", "visibility", "updated_at", "id"),
        Index("ix_meshery_filters_updated_at", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filter_resource: Mapped[str] = mapped_column(Text, nullable=False, default="")
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    location: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    catalog_data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    file_size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class FilterFileRow(Base):
    """The WebAssembly module of one filter (absent for a filter saved without one)."""

    __tablename__ = "meshery_filter_files"

    filter_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("meshery_filters.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


@dataclass(frozen=True)
class FilterQuery:
    """Which filters a list shows; ``viewer`` sees their own and the shared ones."""

    viewer: str | None = None
    search: str | None = None
    visibilities: Sequence[str] = ()
    updated_after: datetime | None = None
    owner: str | None = None


_ORDER = {"name", "created_at", "updated_at", "visibility"}


def readable_by(viewer: str | None) -> Any:
    """The condition "this viewer may read the row": owned, or public/published."""
    shared = FilterRow.visibility.in_(SHARED_VISIBILITIES)
    return shared if viewer is None else or_(FilterRow.user_id == viewer, shared)


def _where(flt: FilterQuery) -> list[Any]:
    conds: list[Any] = [readable_by(flt.viewer)]
    if flt.owner is not None:
        conds.append(FilterRow.user_id == flt.owner)
    if flt.visibilities:
        conds.append(FilterRow.visibility.in_(list(flt.visibilities)))
    if flt.search:
        conds.append(search.condition(flt.search, FilterRow.name))
    if flt.updated_after is not None:
        conds.append(FilterRow.updated_at > flt.updated_after)
    return conds


async def list_filters(
    store: Store, flt: FilterQuery, *, page: int, page_size: int, order: str | None
) -> tuple[list[FilterRow], int]:
    """One page of readable filters and the total matching; modules are not read."""
    conds = _where(flt)
    stmt = select(FilterRow).where(and_(*conds)).order_by(*paging.order_by(FilterRow, order, known=_ORDER))
    async with store.read() as session:
        rows = (await session.execute(stmt.offset(paging.offset(page, page_size)).limit(page_size))).scalars().all()
        total = (await session.execute(select(func.count()).select_from(FilterRow).where(and_(*conds)))).scalar_one()
    return list(rows), int(total)


async def read_filter(store: Store, filter_id: str) -> FilterRow | None:
    async with store.read() as session:
        return await session.get(FilterRow, filter_id)


async def read_file(store: Store, filter_id: str) -> bytes | None:
    """The module of a filter the caller may read (None when it has none or is not readable)."""
    async with store.read() as session:
        found = await session.execute(
            select(FilterFileRow.content)
            .join(FilterRow, FilterRow.id == FilterFileRow.filter_id)
            .where(FilterFileRow.filter_id == filter_id)
        )
        content = found.scalar_one_or_none()
    return None if content is None else bytes(content)


async def save_filter(store: Store, row: FilterRow, content: bytes | None) -> FilterRow:
    """Insert or replace a filter by id; ``content`` replaces its module (None keeps the stored one)."""
    async with store.write() as session:
        merged = await session.merge(row)
        await session.flush()
        if content is not None:
            await session.merge(FilterFileRow(filter_id=merged.id, content=content))
    return merged


async def delete_filters(store: Store, ids: Sequence[str], *, owner: str | None) -> list[FilterRow]:
    """Remove the given filters ``owner`` owns (all when owner is None) with their modules; returns what went."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    async with store.write() as session:
        stmt = select(FilterRow).where(FilterRow.id.in_(wanted))
        if owner is not None:
            stmt = stmt.where(FilterRow.user_id == owner)
        rows = list((await session.execute(stmt)).scalars().all())
        gone = [r.id for r in rows]
        if gone:
            # The modules first, explicitly: no database's cascade is relied on.
            await session.execute(delete(FilterFileRow).where(FilterFileRow.filter_id.in_(gone)))
            await session.execute(delete(FilterRow).where(FilterRow.id.in_(gone)))
    return rows


async def set_visibility(
    store: Store, filter_id: str, *, visibility: str, catalog_data: dict[str, Any] | None = None
) -> FilterRow | None:
    """Change a filter's visibility (and catalog data when given), as publish/unpublish do; None if not found.

    In a request's scope only the owner's row is changed (``ownership``); ``updated_at`` moves.
    """
    values: dict[str, Any] = {"visibility": visibility, "updated_at": now()}
    if catalog_data is not None:
        values["catalog_data"] = catalog_data
    async with store.write() as session:
        done = await session.execute(update(FilterRow).where(FilterRow.id == filter_id).values(values))
        if not getattr(done, "rowcount", 0):
            return None
        return await session.get(FilterRow, filter_id, populate_existing=True)
